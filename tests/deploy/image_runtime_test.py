#!/usr/bin/env python3
"""The image's runtime stage, as far as it can be exercised without a Docker engine.

1. deploy/Dockerfile says what the manifests rely on: Debian 12 build stage using
   scripts/install-deps.sh, debian:12-slim runtime with `--runtime`, numeric non-root USER
   10001, ENTRYPOINT ["ats-connector"], EXPOSE 8080, VOLUME /var/lib/ats-connector, the default
   --config path.
2. The runtime package list matches the binary: each NEEDED shared library belongs to a listed
   package (or to the C/C++ runtime every Debian image has), and each listed package provides
   one (ca-certificates aside).
3. The binary is installed as the image does (`cmake --install` into a prefix: <root>/usr/local),
   the tree is made read-only (chmod -R a-w), and it runs as an unprivileged user (setpriv to
   65534) inside a private mount namespace where every filesystem is read-only except the
   snapshot directory, as with readOnlyRootFilesystem and a PVC: `validate` on the deployed
   config, a `sandbox` run that syncs and answers /readyz, and a SIGTERM stop within the
   shutdown grace.
Needs root (to switch users and to make the mount namespace)."""
import os
import re
import shlex
import shutil
import signal
import stat
import subprocess
import sys
import time
import urllib.request

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import deploylib as dl  # noqa: E402

r = dl.Reporter()
binary = os.environ.get("ATS_CONNECTOR_BIN", "")
build_dir = os.environ.get("ATS_BUILD_DIR", "")
NOBODY = 65534

# ---- 1. the Dockerfile ------------------------------------------------------------------------
with open(os.path.join(dl.SOURCE_DIR, "deploy", "Dockerfile")) as fh:
    text = re.sub(r"\\\n", " ", fh.read())
instructions = [(m.group(1).upper(), m.group(2).strip()) for m in re.finditer(r"^\s*([A-Za-z]+)\s+(.*)$", text, re.M)
                if not m.group(0).lstrip().startswith("#")]
stages, current = [], None
for ins, arg in instructions:
    if ins == "FROM":
        current = {"from": arg, "ins": []}
        stages.append(current)
    elif current is not None:
        current["ins"].append((ins, arg))
r.check(len(stages) == 2 and re.fullmatch(r"debian:12\s+AS\s+build", stages[0]["from"], re.I)
        and stages[1]["from"].split()[0] == "debian:12-slim", "Dockerfile: debian:12 build stage, debian:12-slim runtime",
        str([s["from"] for s in stages]))
if len(stages) == 2:
    build, runtime = stages
    runs = lambda st: " ".join(a for i, a in st["ins"] if i == "RUN")
    last = lambda st, name: next((a for i, a in reversed(st["ins"]) if i == name), None)
    r.check(re.search(r"install-deps\.sh(?!\s+--runtime)", runs(build)), "build stage installs with scripts/install-deps.sh")
    r.check("install-deps.sh --runtime" in runs(runtime), "runtime stage installs install-deps.sh --runtime only")
    r.check("cmake --install" in runs(build), "build stage installs the binary with cmake --install")
    user = last(runtime, "USER") or ""
    r.check(re.fullmatch(rf"{dl.IMAGE_UID}(:{dl.IMAGE_UID})?", user), f"runtime USER is numeric {dl.IMAGE_UID} (runAsNonRoot can verify it)", user)
    r.check(last(runtime, "ENTRYPOINT") == '["ats-connector"]', 'ENTRYPOINT ["ats-connector"]', str(last(runtime, "ENTRYPOINT")))
    r.check(any(i == "COPY" and "--from=build" in a and a.split()[-1] == "/usr/local/bin/ats-connector" for i, a in runtime["ins"]),
            "the binary lands on PATH (/usr/local/bin)")
    with open(os.path.join(dl.CHART_DIR, "values.yaml")) as fh:
        values = yaml.safe_load(fh)
    r.check(last(runtime, "EXPOSE") == str(values["service"]["port"]), "EXPOSE = the chart's service.port", str(last(runtime, "EXPOSE")))
    with open(os.path.join(dl.BASE_DIR, "statefulset.yaml")) as fh:
        ss = yaml.safe_load(fh)
    pod = ss["spec"]["template"]["spec"]
    snap_mount = next(m["mountPath"] for m in pod["containers"][0]["volumeMounts"] if m["name"] == "snapshot")
    r.check(last(runtime, "VOLUME") == f'["{snap_mount}"]', "VOLUME = the snapshot mount of the manifests", str(last(runtime, "VOLUME")))
    import json
    r.check(json.loads(last(runtime, "CMD") or "[]") == pod["containers"][0]["args"], "CMD = the manifests' args", str(last(runtime, "CMD")))
    r.check(pod["securityContext"]["runAsUser"] == dl.IMAGE_UID, "manifests run as the image's user")
with open(os.path.join(dl.SOURCE_DIR, "deploy", "Dockerfile.dockerignore")) as fh:
    ignored = fh.read().split()
r.check({".git", "build/"} <= set(ignored), "Dockerfile.dockerignore keeps .git and build/ out of the context")

# ---- 2. runtime packages vs. the binary ------------------------------------------------------
if not r.check(binary and os.access(binary, os.X_OK), "connector binary available", binary):
    r.finish()
with open(os.path.join(dl.SOURCE_DIR, "scripts", "install-deps.sh")) as fh:
    m = re.search(r"runtime_pkgs=\((.*?)\)", fh.read(), re.S)
runtime_pkgs = set(re.sub(r"#[^\n]*", "", m.group(1)).split()) if m else set()
needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", dl.run(["readelf", "-d", binary]).stdout)
ldcache = {}
for line in dl.run(["ldconfig", "-p"]).stdout.splitlines():
    mm = re.match(r"\s*(\S+) \((libc6,x86-64|[^)]*x86-64[^)]*)\).*=> (\S+)", line)
    if mm:
        ldcache.setdefault(mm.group(1), mm.group(3))
BASE_RUNTIME = {"libc6", "libstdc++6", "libgcc-s1"}   # in every Debian image (apt needs them)
SANITIZERS = re.compile(r"^lib(asan|ubsan|lsan|tsan)\.so")  # PRESET=asan builds only; the image is a release build


def owner(lib):
    path = ldcache.get(lib)
    if not path:
        return None
    real = os.path.realpath(path)
    for candidate in {path, real, real.replace("/usr/lib/", "/lib/", 1), real.replace("/lib/", "/usr/lib/", 1)}:
        p = dl.run(["dpkg", "-S", candidate])
        if p.returncode == 0:
            return p.stdout.split(":")[0].strip()
    return None


owners = {lib: owner(lib) for lib in needed if not SANITIZERS.match(lib)}
r.check(len(needed) >= 5 and all(owners.values()), "every NEEDED library of the binary belongs to a Debian package", str(owners))
missing = {lib: pkg for lib, pkg in owners.items() if pkg not in runtime_pkgs | BASE_RUNTIME}
r.check(not missing, "install-deps.sh --runtime provides every library the binary links", str(missing))
unused = runtime_pkgs - set(owners.values()) - {"ca-certificates"}
r.check(not unused, "every --runtime package provides a library the binary links (slim image)", str(unused))

# ---- 3. read-only, unprivileged run -----------------------------------------------------------
if not r.check(os.geteuid() == 0, "running as root (needed to switch users and make a mount namespace)"):
    r.finish()
work = dl.temp_dir("ats-image-test-")
procs = []
try:
    os.chmod(work, 0o755)
    root = os.path.join(work, "rootfs")
    p = dl.run(["cmake", "--install", build_dir, "--prefix", os.path.join(root, "usr", "local")], timeout=120)
    installed = os.path.join(root, "usr", "local", "bin", "ats-connector")
    r.check(p.returncode == 0 and os.access(installed, os.X_OK), "cmake --install puts ats-connector in <prefix>/bin",
            (p.stdout + p.stderr).strip()[-500:])
    if not os.access(installed, os.X_OK):  # keep going with the built binary: the other checks still say something
        os.makedirs(os.path.dirname(installed), exist_ok=True)
        shutil.copy(binary, installed)
    # The deployed config (deploy/kubernetes/base/connector.yaml) with the image's paths under root.
    with open(os.path.join(dl.BASE_DIR, "connector.yaml")) as fh:
        cfg_text = fh.read()
    cfg = yaml.safe_load(cfg_text)
    cfg_text = cfg_text.replace("/var/run/secrets/", root + "/var/run/secrets/").replace("/var/lib/ats-connector", root + "/var/lib/ats-connector")
    os.makedirs(os.path.join(root, "etc", "ats-connector"))
    with open(os.path.join(root, "etc", "ats-connector", "connector.yaml"), "w") as fh:
        fh.write(cfg_text)
    for f in dl.secret_files(cfg):
        local = root + f
        os.makedirs(os.path.dirname(local), exist_ok=True)
        with open(local, "w") as fh:
            fh.write("dummy-token\n")
        os.chown(local, 0, NOBODY)
        os.chmod(local, 0o440)          # defaultMode 0440 + fsGroup, as in the pod
    snap = os.path.join(root, "var", "lib", "ats-connector")
    os.makedirs(snap)
    # Everything read-only (chmod -R a-w), except the snapshot directory owned by the user.
    for dirpath, dirnames, filenames in os.walk(root):
        for n in dirnames + filenames:
            pth = os.path.join(dirpath, n)
            if pth != snap and not os.path.islink(pth):
                os.chmod(pth, stat.S_IMODE(os.stat(pth).st_mode) & ~0o222 | 0o444 | (0o111 if os.path.isdir(pth) else 0))
    os.chmod(root, 0o555)
    os.chown(snap, NOBODY, NOBODY)
    os.chmod(snap, 0o700)
    for f in dl.secret_files(cfg):
        os.chmod(root + f, 0o440)

    # unshare: a private mount namespace; every read-write mount but /proc, /sys, /dev becomes
    # read-only; the snapshot directory is bind-mounted onto itself first and stays writable.
    # Then setpriv drops to 65534 with no supplementary groups but the "fsGroup".
    prelude = f"""set -e
mount --bind {shlex.quote(snap)} {shlex.quote(snap)}
awk '$4 ~ /(^|,)rw(,|$)/ {{print $2}}' /proc/self/mounts | sort -u | while read -r m; do
  case "$m" in /proc|/proc/*|/sys|/sys/*|/dev|/dev/*|{shlex.quote(snap)}) continue;; esac
  mount -o remount,bind,ro "$m"
done
cd {shlex.quote(root)}
"""

    def jailed(args):
        inner = " ".join(shlex.quote(a) for a in args)
        script = prelude + f"exec setpriv --reuid={NOBODY} --regid={NOBODY} --clear-groups env -i PATH=/usr/bin:/bin HOME=/nonexistent {inner}"
        return ["unshare", "--mount", "--propagation", "private", "--", "bash", "-c", script]

    p = dl.run(jailed(["sh", "-c", f"id -u; touch /tmp/ats-ro-probe-$$ 2>/dev/null && echo tmp-writable; "
                                   f"touch {shlex.quote(root)}/usr/local/bin/x 2>/dev/null && echo tree-writable; "
                                   f"touch {shlex.quote(snap)}/probe && echo snapshot-writable && rm {shlex.quote(snap)}/probe; "
                                   f"cat {shlex.quote(root + dl.secret_files(cfg)[0])} >/dev/null && echo secret-readable"]))
    lines = p.stdout.split()
    r.check(p.returncode == 0 and lines[:1] == [str(NOBODY)], f"the jail runs as uid {NOBODY} in a private mount namespace",
            (p.stdout + p.stderr).strip())
    r.check("tmp-writable" not in lines and "tree-writable" not in lines, "in the jail /tmp and the installed tree are read-only", p.stdout)
    r.check("snapshot-writable" in lines and "secret-readable" in lines, "in the jail the snapshot directory is writable and the secret readable", p.stdout)

    conf = os.path.join(root, "etc", "ats-connector", "connector.yaml")
    p = dl.run(jailed([installed, "validate", "--config", conf]))
    r.check(p.returncode == 0 and "Configuration OK" in p.stdout, "jail: ats-connector validate on the deployed config",
            (p.stdout + p.stderr).strip()[-800:])

    def sandbox(exit_after):
        out, err = open(os.path.join(work, "sb.out"), "w"), open(os.path.join(work, "sb.err"), "w")
        proc = subprocess.Popen(jailed([installed, "sandbox", "--dir", os.path.join(snap, "sandbox"), "--http-listen", "127.0.0.1:0",
                                        "--poll-interval-s", "1", "--exit-after-s", str(exit_after)]), stdout=out, stderr=err)
        procs.append(proc)
        return proc

    def read(name):
        with open(os.path.join(work, name)) as fh:
            return fh.read()

    def wait_ready(proc, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and proc.poll() is None:
            m = re.search(r"http://127\.0\.0\.1:(\d+)/metrics", read("sb.out"))
            if m:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{m.group(1)}/readyz", timeout=2) as resp:
                        if resp.status == 200:
                            return True
                except OSError:
                    pass
            time.sleep(0.3)
        return False

    proc = sandbox(8)
    ready = wait_ready(proc)
    r.check(ready, "jail: sandbox syncs and /readyz answers 200", read("sb.err")[-1200:])
    try:
        code = proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        code = None
    r.check(code == 0 and '"msg":"ats-connector stopped."' in read("sb.err"), "jail: sandbox --exit-after-s 8 exits 0 after a clean stop",
            f"exit {code}; " + read("sb.err")[-1200:])
    r.check(os.path.exists(os.path.join(snap, "sandbox", "snapshot", "CURRENT")), "jail: the RocksDB snapshot was written to the snapshot directory")
    errors = [line for line in read("sb.err").splitlines() if '"level":"error"' in line]
    r.check(not errors, "jail: no error logged (nothing else needed writing)", "\n".join(errors[:5]))

    proc = sandbox(0)
    ready = wait_ready(proc)
    t0 = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        code = proc.wait(timeout=dl.DEFAULT_SHUTDOWN_GRACE_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        code = None
    took = time.monotonic() - t0
    r.check(ready and code == 0 and '"msg":"ats-connector stopped."' in read("sb.err"),
            f"jail: SIGTERM stops it cleanly with exit 0 in {took:.1f} s (< shutdown_grace_s {dl.DEFAULT_SHUTDOWN_GRACE_S})",
            f"ready={ready} exit={code}; " + read("sb.err")[-1200:])
finally:
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    for dirpath, dirnames, _ in os.walk(work):
        for n in dirnames:
            try:
                os.chmod(os.path.join(dirpath, n), 0o755)
            except OSError:
                pass
    os.chmod(work, 0o755)
    shutil.rmtree(work, ignore_errors=True)
r.finish()
