"""Shared helpers of the deployment tests (tests/deploy/*_test.py).

- Reporter: prints `ok`/`FAIL` lines and the closing `N passed, N failed`.
- Rendering: kubectl's built-in kustomize, and the chart through the real `helm` binary.
- Test tools: helm, kubeconform and the Kubernetes JSON schemas that scripts/install-test-tools.sh
  installs (versions pinned in scripts/test-tools.versions) in a cache outside the build tree.
- kubeconform(): validates rendered objects against the Kubernetes schemas.
- check_objects(): the structural checks every rendered set of objects must pass.
- normalize()/diff(): compare the kustomize base with the chart, minus Helm's bookkeeping.
- Prometheus text format and PromQL helpers for the metric cross-checks.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

SOURCE_DIR = os.environ.get("ATS_SOURCE_DIR") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CHART_DIR = os.path.join(SOURCE_DIR, "helm", "ats-connector")
BASE_DIR = os.path.join(SOURCE_DIR, "deploy", "kubernetes", "base")
OVERLAY_DIR = os.path.join(SOURCE_DIR, "deploy", "kubernetes", "overlays", "example")
CLUSTER_OVERLAY_DIR = os.path.join(SOURCE_DIR, "deploy", "kubernetes", "overlays", "cluster")
MONITORING_DIR = os.path.join(SOURCE_DIR, "deploy", "monitoring")

# Facts the manifests must state (the brief, deploy/Dockerfile and src/config/config.hpp).
GRACE_PERIOD_S = 30          # shutdown_grace_s default 25 + 5 s margin
DEFAULT_SHUTDOWN_GRACE_S = 25
IMAGE_UID = 10001
RESOURCES = {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "512Mi"}}
SECRETS_ROOT = "/var/run/secrets/"

API_VERSIONS = {
    "ServiceAccount": "v1", "ConfigMap": "v1", "Secret": "v1", "Service": "v1",
    "StatefulSet": "apps/v1", "PodDisruptionBudget": "policy/v1",
    "NetworkPolicy": "networking.k8s.io/v1",
    "ServiceMonitor": "monitoring.coreos.com/v1", "PrometheusRule": "monitoring.coreos.com/v1",
}
SELECTOR_KEYS = ("app.kubernetes.io/name", "app.kubernetes.io/instance")
HELM_ONLY_LABELS = ("helm.sh/chart", "app.kubernetes.io/managed-by")


class Reporter:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, cond, what, detail=""):
        if cond:
            self.passed += 1
            print(f"ok   {what}", flush=True)
        else:
            self.failed += 1
            print(f"FAIL {what}" + (f": {detail}" if detail else ""), flush=True)
        return bool(cond)

    def finish(self):
        print(f"{self.passed} passed, {self.failed} failed", flush=True)
        sys.exit(0 if self.failed == 0 and self.passed > 0 else 1)


class Collector:
    """Collects failures without printing: for the checker's self-tests."""

    def __init__(self):
        self.failures = []

    def check(self, cond, what, detail=""):
        if not cond:
            self.failures.append(what + (f": {detail}" if detail else ""))
        return bool(cond)


def run(cmd, timeout=60, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)


def load_docs(text):
    return [d for d in yaml.safe_load_all(text) if d is not None]


def kustomize(path, text=False):
    """(returncode, docs, stderr) of `kubectl kustomize path`; with text=True the YAML text
    instead of the parsed docs."""
    kubectl = shutil.which("kubectl")
    if not kubectl:
        return 127, "" if text else [], "kubectl not found (scripts/install-deps.sh installs kubernetes-client)"
    p = run([kubectl, "kustomize", path])
    if text:
        return p.returncode, p.stdout if p.returncode == 0 else "", p.stderr
    docs = load_docs(p.stdout) if p.returncode == 0 else []
    return p.returncode, docs, p.stderr


TOOL_VERSIONS_FILE = os.path.join(SOURCE_DIR, "scripts", "test-tools.versions")
# Custom resources of the Prometheus Operator: their schemas are the operator's CRDs, not part of
# the Kubernetes OpenAPI, so kubeconform skips these kinds, by name, and nothing else.
CRD_KINDS = ("ServiceMonitor", "PrometheusRule")


def tool_versions():
    """{NAME: value} of scripts/test-tools.versions (shell assignments)."""
    out = {}
    with open(TOOL_VERSIONS_FILE) as fh:
        for line in fh:
            m = re.match(r"^([A-Z0-9_]+)=(\S+)\s*$", line)
            if m:
                out[m.group(1)] = m.group(2)
    return out


def tools_dir():
    """Where scripts/install-test-tools.sh puts the tools (same rule as the script)."""
    if os.environ.get("ATS_TOOLS_DIR"):
        return os.environ["ATS_TOOLS_DIR"]
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(cache, "ats-connector", "tools")


def helm_bin():
    return os.path.join(tools_dir(), f"helm-{tool_versions()['HELM_VERSION']}", "helm")


def kubeconform_bin():
    return os.path.join(tools_dir(), f"kubeconform-{tool_versions()['KUBECONFORM_VERSION']}", "kubeconform")


def schema_dir():
    v = tool_versions()
    return os.path.join(tools_dir(), f"kubernetes-schemas-{v['KUBERNETES_SCHEMA_VERSION']}-kv{v['KUBERNETES_VALIDATE_VERSION']}")


def helm(*args, timeout=60):
    """CompletedProcess of the pinned helm, with no kubeconfig and a private home (nothing
    outside the test is read or written; helm never reaches a cluster here)."""
    home = tempfile.mkdtemp(prefix="ats-helm-home-")
    env = dict(os.environ, KUBECONFIG=os.devnull, HELM_CACHE_HOME=os.path.join(home, "cache"),
               HELM_CONFIG_HOME=os.path.join(home, "config"), HELM_DATA_HOME=os.path.join(home, "data"))
    try:
        return run([helm_bin(), *args], timeout=timeout, env=env)
    finally:
        shutil.rmtree(home, ignore_errors=True)


def helm_template(release="ats-connector", namespace="default", values_files=(), chart=None, extra=()):
    """(returncode, stdout, stderr) of `helm template RELEASE CHART -n NAMESPACE -f ... EXTRA`."""
    cmd = ["template", release, chart or CHART_DIR, "--namespace", namespace, *extra]
    for f in values_files:
        cmd += ["-f", f]
    p = helm(*cmd)
    return p.returncode, p.stdout, p.stderr


NOTES_PROBE = """apiVersion: v1
kind: ConfigMap
metadata:
  name: notes-under-test
data:
  notes: {{ include (print .Chart.Name "/templates/NOTES.txt") . | toJson }}
"""


def helm_notes(release, namespace, values_files=()):
    """(returncode, NOTES.txt as helm renders it, stderr). `helm template` prints no notes and
    `helm install --dry-run` wants a reachable cluster, so a copy of the chart gets one more
    template that includes NOTES.txt (helm parses it into the same template set) into a
    ConfigMap, and `helm template --show-only` renders just that."""
    work = tempfile.mkdtemp(prefix="ats-helm-notes-")
    try:
        chart = os.path.join(work, os.path.basename(CHART_DIR))
        shutil.copytree(CHART_DIR, chart)
        with open(os.path.join(chart, "templates", "zz-notes-under-test.yaml"), "w") as fh:
            fh.write(NOTES_PROBE)
        rc, out, err = helm_template(release, namespace, values_files, chart=chart,
                                     extra=["--show-only", "templates/zz-notes-under-test.yaml"])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    docs = load_docs(out) if rc == 0 else []
    return rc, get(docs, 0, "data", "notes", default="") or "", err


def kubeconform(docs):
    """Validates objects (a list of dicts, or YAML text) with kubeconform against the Kubernetes
    JSON schemas, strict (no unknown fields), skipping only CRD_KINDS.
    Returns (returncode, [{"kind", "name", "status", "msg"}], stderr)."""
    text = docs if isinstance(docs, str) else yaml.safe_dump_all(docs, sort_keys=False)
    cmd = [kubeconform_bin(), "-strict", "-verbose", "-output", "json", "-skip", ",".join(CRD_KINDS),
           "-schema-location", os.path.join(schema_dir(), "{{ .ResourceKind }}{{ .KindSuffix }}.json"), "-"]
    p = run(cmd, input=text)
    try:
        results = json.loads(p.stdout).get("resources") or []
    except ValueError:
        results = []
    return p.returncode, results, p.stderr + ("" if results else p.stdout)


def check_schemas(r, text, name):
    """kubeconform on one rendered set (the YAML text as rendered): every object valid, only
    CRD_KINDS skipped. Returns the kinds skipped."""
    n = len(load_docs(text))
    rc, results, err = kubeconform(text)
    bad = [f"{x.get('kind')}/{x.get('name')}: {x.get('status')} {x.get('msg', '')}" for x in results
           if x.get("status") != "statusValid" and not (x.get("status") == "statusSkipped" and x.get("kind") in CRD_KINDS)]
    r.check(rc == 0 and n > 0 and len(results) == n and not bad,
            f"{name}: kubeconform accepts all {n} objects against the Kubernetes schemas",
            "; ".join(bad) or err.strip()[:300] or f"{len(results)} results for {n} objects")
    return sorted({x.get("kind") for x in results if x.get("status") == "statusSkipped"})


def by_kind(docs, kind):
    return [d for d in docs if d.get("kind") == kind]


def one(docs, kind):
    found = by_kind(docs, kind)
    return found[0] if len(found) == 1 else None


def labels_of(d):
    return (d.get("metadata") or {}).get("labels") or {}


def get(d, *path, default=None):
    for p in path:
        if isinstance(d, dict) and p in d:
            d = d[p]
        elif isinstance(d, list) and isinstance(p, int) and 0 <= p < len(d):
            d = d[p]
        else:
            return default
    return d


def connector_config(docs, statefulset):
    """The parsed connector.yaml that the StatefulSet's --config points at, or None."""
    args = get(statefulset, "spec", "template", "spec", "containers", 0, "args", default=[]) or []
    if "--config" not in args or args.index("--config") + 1 >= len(args):
        return None, None
    path = args[args.index("--config") + 1]
    directory, key = os.path.split(path)
    mounts = get(statefulset, "spec", "template", "spec", "containers", 0, "volumeMounts", default=[]) or []
    volumes = get(statefulset, "spec", "template", "spec", "volumes", default=[]) or []
    mount = next((m for m in mounts if m.get("mountPath") == directory), None)
    if not mount:
        return None, path
    volume = next((v for v in volumes if v.get("name") == mount.get("name")), None)
    cm_name = get(volume, "configMap", "name")
    cm = next((c for c in by_kind(docs, "ConfigMap") if c["metadata"]["name"] == cm_name), None)
    text = get(cm, "data", key)
    if text is None:
        return None, path
    return yaml.safe_load(text), path


def host_port(hp, default_port=None):
    m = re.match(r"^\[?([^\]]*?)\]?:(\d+)$", hp.strip())
    if m:
        return m.group(1), int(m.group(2))
    return hp.strip(), default_port


def url_port(url):
    m = re.match(r"^(https?)://(\[[^\]]+\]|[^/:]+)(?::(\d+))?", url)
    if not m:
        return None
    return int(m.group(3)) if m.group(3) else (443 if m.group(1) == "https" else 80)


def secret_files(config):
    """Every *_file value in the config (credentials read from files)."""
    out = []

    def walk(v):
        if isinstance(v, dict):
            for k, x in v.items():
                if k.endswith("_file") and isinstance(x, str):
                    out.append(x)
                else:
                    walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)
    walk(config)
    return out


def env_refs(config):
    """Every ${NAME} reference in the config's values."""
    text = json.dumps(config)
    return sorted(set(re.findall(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)\}", text)))


def selector_matches(selector, labels):
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def egress_ports(rule):
    return [(p.get("port"), p.get("protocol", "TCP")) for p in rule.get("ports") or []]


def check_objects(r, docs, name, expect_monitoring=False):
    """Structural checks of one rendered set of objects. r: Reporter or Collector."""
    c = lambda cond, what, detail="": r.check(cond, f"{name}: {what}", detail)
    c(len(docs) > 0, "renders objects")
    seen = set()
    bad_meta, bad_api, bad_labels, dupes = [], [], [], []
    for d in docs:
        kind, meta = d.get("kind"), d.get("metadata") or {}
        nm = meta.get("name")
        if not (isinstance(d.get("apiVersion"), str) and isinstance(kind, str) and isinstance(nm, str)
                and re.match(r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$", nm)):
            bad_meta.append(f"{kind}/{nm}")
        if API_VERSIONS.get(kind) != d.get("apiVersion"):
            bad_api.append(f"{kind} {d.get('apiVersion')}")
        if (kind, nm) in seen:
            dupes.append(f"{kind}/{nm}")
        seen.add((kind, nm))
        for k, v in labels_of(d).items():
            if not isinstance(v, str) or not re.match(r"^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$", v):
                bad_labels.append(f"{kind}/{nm} {k}={v!r}")
    c(not bad_meta, "every object has apiVersion, kind and a valid metadata.name", ", ".join(bad_meta))
    c(not bad_api, "known kinds with the expected apiVersion", ", ".join(bad_api))
    c(not dupes, "no duplicate objects", ", ".join(dupes))
    c(not bad_labels, "label values are valid strings", ", ".join(bad_labels))

    instance = {tuple(labels_of(d).get(k) for k in SELECTOR_KEYS) for d in docs}
    c(len(instance) == 1 and None not in next(iter(instance)),
      "every object carries the same app.kubernetes.io/name and /instance", str(instance))
    versions = {labels_of(d).get("app.kubernetes.io/version") for d in docs}
    c(len(versions) == 1 and None not in versions, "one app.kubernetes.io/version on every object", str(versions))

    kinds = {d.get("kind") for d in docs}
    need = {"StatefulSet", "Service", "ConfigMap", "ServiceMonitor", "PodDisruptionBudget", "NetworkPolicy"}
    if expect_monitoring:
        need |= {"PrometheusRule"}
    c(need <= kinds, "has " + ", ".join(sorted(need)), f"missing {sorted(need - kinds)}")

    ss = one(docs, "StatefulSet")
    if not c(ss is not None, "exactly one StatefulSet"):
        return
    spec = ss.get("spec") or {}
    pod = get(spec, "template", "spec", default={}) or {}
    pod_labels = get(spec, "template", "metadata", "labels", default={}) or {}
    sel = get(spec, "selector", "matchLabels", default={}) or {}
    # Single mode: one writer of the snapshot. Cluster mode (config cluster.mode: kafka): N
    # replicas started in parallel, spread by podAntiAffinity, drained one at a time.
    early_config, _ = connector_config(docs, ss)
    cluster_mode = isinstance(early_config, dict) and get(early_config, "cluster", "mode") == "kafka"
    replicas = spec.get("replicas")
    if cluster_mode:
        c(isinstance(replicas, int) and replicas >= 1, "cluster mode: StatefulSet has replicas", str(replicas))
        c(spec.get("podManagementPolicy") == "Parallel", "cluster mode: replicas start in parallel (podManagementPolicy Parallel)",
          str(spec.get("podManagementPolicy")))
        anti = get(pod, "affinity", "podAntiAffinity", default={}) or {}
        terms = [get(t, "podAffinityTerm", default={}) for t in anti.get("preferredDuringSchedulingIgnoredDuringExecution") or []]
        terms += anti.get("requiredDuringSchedulingIgnoredDuringExecution") or []
        c(any(get(t, "labelSelector", "matchLabels") == sel and t.get("topologyKey") for t in terms),
          "cluster mode: podAntiAffinity keeps the replicas apart (selects their own pods, by a topology key)", str(anti))
        pdb_c = one(docs, "PodDisruptionBudget")
        c(pdb_c is not None and (get(pdb_c, "spec", "maxUnavailable") == 1 or isinstance(get(pdb_c, "spec", "minAvailable"), int)),
          "cluster mode: a PodDisruptionBudget (drains take one replica at a time)", str(get(pdb_c or {}, "spec")))
    else:
        c(replicas == 1, "single mode: StatefulSet has one replica (one writer of the snapshot)", str(replicas))
    c(set(sel) == set(SELECTOR_KEYS) and selector_matches(sel, pod_labels),
      "selector is name+instance and matches the pod labels", f"{sel} vs {pod_labels}")
    c(pod.get("terminationGracePeriodSeconds") == GRACE_PERIOD_S,
      f"terminationGracePeriodSeconds is {GRACE_PERIOD_S}", str(pod.get("terminationGracePeriodSeconds")))
    c(pod.get("automountServiceAccountToken") is False, "no service account token mounted")
    psc = pod.get("securityContext") or {}
    containers = pod.get("containers") or []
    if not c(len(containers) == 1, "one container"):
        return
    ctr = containers[0]
    csc = ctr.get("securityContext") or {}
    c(psc.get("runAsNonRoot") is True or csc.get("runAsNonRoot") is True, "runAsNonRoot")
    uid = csc.get("runAsUser", psc.get("runAsUser"))
    c(uid == IMAGE_UID, f"runs as the image's user {IMAGE_UID}", str(uid))
    c(csc.get("readOnlyRootFilesystem") is True, "readOnlyRootFilesystem")
    c(csc.get("allowPrivilegeEscalation") is False, "allowPrivilegeEscalation: false")
    c("ALL" in (get(csc, "capabilities", "drop", default=[]) or []), "drops ALL capabilities")
    c(bool(ctr.get("image")), "container image set")
    ports = {p.get("name"): p.get("containerPort") for p in ctr.get("ports") or []}
    http_port = ports.get("http")
    c(isinstance(http_port, int), "container port named http", str(ports))
    # With http.health_listen the probes have a port of their own, named health.
    health_port = ports.get("health")
    probe_ports = ("health", health_port) if health_port is not None else ("http", http_port)
    for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
        hg = get(ctr, probe, "httpGet", default={}) or {}
        c(hg.get("path") == path and hg.get("port") in probe_ports, f"{probe} GET {path} on the {probe_ports[0]} port", str(hg))
    res = ctr.get("resources") or {}
    c(get(res, "requests", "cpu") == RESOURCES["requests"]["cpu"] and get(res, "requests", "memory") == RESOURCES["requests"]["memory"]
      and get(res, "limits", "memory") == RESOURCES["limits"]["memory"],
      "resources: requests cpu 100m / memory 128Mi, limit memory 512Mi", str(res))
    env = ctr.get("env") or []
    c(all(set(e) == {"name", "valueFrom"} and set(e["valueFrom"]) == {"secretKeyRef"} for e in env),
      "environment only through secretKeyRef", str(env))

    mounts = {m.get("name"): m for m in ctr.get("volumeMounts") or []}
    volumes = {v.get("name"): v for v in pod.get("volumes") or []}
    c(all(n in volumes or n in {get(t, "metadata", "name") for t in spec.get("volumeClaimTemplates") or []} for n in mounts),
      "every volumeMount has a volume or claim template", str(list(mounts)))
    vcts = spec.get("volumeClaimTemplates") or []
    snap_mount = None
    if c(len(vcts) == 1, "one PVC template (the snapshot)"):
        vct = vcts[0]
        vname = get(vct, "metadata", "name")
        c(get(vct, "spec", "accessModes") == ["ReadWriteOnce"], "snapshot PVC is ReadWriteOnce", str(get(vct, "spec", "accessModes")))
        c(bool(get(vct, "spec", "resources", "requests", "storage")), "snapshot PVC requests storage")
        snap_mount = get(mounts.get(vname), "mountPath")
        c(snap_mount is not None and not mounts.get(vname, {}).get("readOnly"), "snapshot PVC mounted writable", str(mounts.get(vname)))

    config, config_path = connector_config(docs, ss)
    if not c(isinstance(config, dict), "--config names a file of a mounted ConfigMap", str(config_path)):
        return
    listen = get(config, "http", "listen", default="0.0.0.0:8080")
    c(host_port(listen)[1] == http_port, "http.listen uses the container port", f"{listen} vs {http_port}")
    health_listen = get(config, "http", "health_listen", default=None)
    c((health_listen is None and health_port is None)
      or (health_listen is not None and host_port(health_listen)[1] == health_port),
      "http.health_listen and the container port named health go together", f"{health_listen} vs {health_port}")
    snap_path = get(config, "snapshot", "path", default="./data/snapshot")
    c(snap_mount is not None and snap_path.startswith(snap_mount.rstrip("/") + "/"),
      "snapshot.path lies on the snapshot volume", f"{snap_path} vs {snap_mount}")
    grace = config.get("shutdown_grace_s", DEFAULT_SHUTDOWN_GRACE_S)
    c(grace < pod.get("terminationGracePeriodSeconds", 0), "shutdown_grace_s below the grace period", str(grace))
    secret_vols = [v for v in volumes.values() if "secret" in v]
    secret_mounts = [m.get("mountPath", "") for n, m in mounts.items() if n in {v["name"] for v in secret_vols}]
    c(len(secret_vols) == 1 and get(secret_vols[0], "secret", "secretName") and secret_mounts
      and secret_mounts[0].startswith(SECRETS_ROOT) and mounts[secret_vols[0]["name"]].get("readOnly") is True,
      f"credentials: one Secret volume mounted read-only under {SECRETS_ROOT}", str(secret_vols))
    files = secret_files(config)
    c(bool(files) and all(secret_mounts and f.startswith(secret_mounts[0].rstrip("/") + "/") for f in files),
      "every *_file credential is a file of the Secret volume", str(files))
    refs = env_refs(config)
    c(set(refs) <= {e["name"] for e in env}, "every ${ENV} of the config is set (from a secretKeyRef)", str(refs))

    svc = next((s for s in by_kind(docs, "Service") if s["metadata"]["name"] == spec.get("serviceName")), None)
    if c(svc is not None, "serviceName is a Service of the set", str(spec.get("serviceName"))):
        c(get(svc, "spec", "clusterIP") == "None", "the governing Service is headless")
        c(get(svc, "spec", "publishNotReadyAddresses") is True, "Service publishes not-ready pods (metrics while /readyz is 503)")
        c(get(svc, "spec", "selector") == sel, "Service selector = pod selector", str(get(svc, "spec", "selector")))
        sports = get(svc, "spec", "ports", default=[]) or []
        c(any(p.get("name") == "http" and p.get("targetPort") in ("http", http_port) for p in sports), "Service port http targets the container", str(sports))
    sm = one(docs, "ServiceMonitor")
    if sm is not None:
        eps = get(sm, "spec", "endpoints", default=[]) or []
        c(svc is not None and selector_matches(get(sm, "spec", "selector", "matchLabels", default={}), labels_of(svc)),
          "ServiceMonitor selects the Service")
        c(any(e.get("port") == "http" and e.get("path") == "/metrics" for e in eps), "ServiceMonitor scrapes http /metrics", str(eps))
        c(get(sm, "spec", "jobLabel") == "app.kubernetes.io/name" and labels_of(svc or {}).get("app.kubernetes.io/name") == "ats-connector",
          "ServiceMonitor makes job=\"ats-connector\" (the alerts select on it)")
    pdb = one(docs, "PodDisruptionBudget")
    if pdb is not None:
        c(get(pdb, "spec", "selector", "matchLabels") == sel, "PodDisruptionBudget selects the pod")
        c(("maxUnavailable" in pdb["spec"]) != ("minAvailable" in pdb["spec"]), "PodDisruptionBudget sets one of maxUnavailable/minAvailable")
    sa = by_kind(docs, "ServiceAccount")
    if sa:
        c(pod.get("serviceAccountName") in {s["metadata"]["name"] for s in sa}, "pod uses the ServiceAccount of the set")
        c(all(s.get("automountServiceAccountToken") is False for s in sa), "ServiceAccount mounts no token")

    np = one(docs, "NetworkPolicy")
    if np is not None:
        nps = np.get("spec") or {}
        c(get(nps, "podSelector", "matchLabels") == sel, "NetworkPolicy selects the pod")
        c(set(nps.get("policyTypes") or []) == {"Ingress", "Egress"}, "NetworkPolicy restricts ingress and egress")
        ing = nps.get("ingress") or []
        open_ports = ("http", http_port) + ((("health", health_port)) if health_port is not None else ())
        c(bool(ing) and all(egress_ports(rule) and all(p in open_ports for p, _ in egress_ports(rule)) for rule in ing),
          "ingress only to the http (and health) port", str(ing))
        egress = nps.get("egress") or []
        c(all(rule.get("to") and rule.get("ports") for rule in egress), "every egress rule names destinations and ports", str(egress))
        allowed = {p for rule in egress for p in egress_ports(rule)}
        c({(53, "UDP"), (53, "TCP")} <= allowed, "egress allows DNS (53 UDP+TCP)")
        kafka = get(config, "kafka", "bootstrap_servers", default="embedded")
        kports = {host_port(h, 9092)[1] for h in kafka.split(",")} if kafka != "embedded" else set()
        c(bool(kports) and all((p, "TCP") in allowed for p in kports), "egress allows the Kafka bootstrap ports", f"{kports} vs {allowed}")
        api_ports = set()
        for conn in config.get("connections") or []:
            src = conn.get("source")
            url = get(conn, src, "base_url") or get(conn, src, "rest_endpoint") or "https://ats"
            api_ports.add(url_port(url))
        c(all((p, "TCP") in allowed for p in api_ports), "egress allows every connection's API port", f"{api_ports} vs {allowed}")
        c(len(allowed) <= 8, "egress stays a short allow-list", str(allowed))

    pr = one(docs, "PrometheusRule")
    if pr is not None:
        rules = [rule for g in get(pr, "spec", "groups", default=[]) or [] for rule in g.get("rules") or []]
        bad = [rule.get("alert") for rule in rules if not (rule.get("alert") and rule.get("expr")
               and get(rule, "labels", "severity") in ("critical", "warning", "info")
               and all(get(rule, "annotations", k) for k in ("summary", "description", "runbook_url"))
               and "#" in get(rule, "annotations", "runbook_url", default=""))]
        c(bool(rules) and not bad, "PrometheusRule: alerts with severity, summary, description, runbook_url", str(bad))
    dash = [d for d in by_kind(docs, "ConfigMap") if labels_of(d).get("grafana_dashboard")]
    if expect_monitoring or dash:
        ok = len(dash) == 1
        if ok:
            try:
                ok = all("panels" in json.loads(v) for v in dash[0].get("data", {}).values())
            except ValueError:
                ok = False
        c(ok, "one dashboard ConfigMap (grafana_dashboard label) with a JSON dashboard")


# ---- comparing the kustomize base with the chart ------------------------------------------

HASHED = re.compile(r"^(.*)-[a-z0-9]{10}$")


def normalize(docs, hashed_configmaps=False):
    """{(kind, name): object} with Helm's bookkeeping labels, checksum annotations and
    kustomize's ConfigMap name hashes removed, and config data parsed."""
    renames = {}
    if hashed_configmaps:
        for d in by_kind(docs, "ConfigMap"):
            m = HASHED.match(d["metadata"]["name"])
            if m and not labels_of(d).get("grafana_dashboard"):
                renames[d["metadata"]["name"]] = m.group(1)

    def fix(v):
        if isinstance(v, dict):
            out = {}
            for k, x in v.items():
                if k in ("labels", "matchLabels") and isinstance(x, dict):
                    x = {lk: lv for lk, lv in x.items() if lk not in HELM_ONLY_LABELS}
                if k == "annotations" and isinstance(x, dict):
                    x = {ak: av for ak, av in x.items() if not ak.startswith("checksum/")}
                    if not x:
                        continue
                out[k] = fix(x)
            return out
        if isinstance(v, list):
            return [fix(x) for x in v]
        if isinstance(v, str):
            return renames.get(v, v)
        return v

    out = {}
    for d in docs:
        d = fix(d)
        if d.get("kind") == "ConfigMap":
            data = {}
            for k, v in (d.get("data") or {}).items():
                data[k] = json.loads(v) if k.endswith(".json") else yaml.safe_load(v) if k.endswith((".yaml", ".yml")) else v
            d["data"] = data
        out[(d["kind"], d["metadata"]["name"])] = d
    return out


def diff(a, b, path=""):
    """Human-readable differences between two JSON-like values."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b), key=str):
            if k not in a:
                out.append(f"{path}.{k}: only in the second")
            elif k not in b:
                out.append(f"{path}.{k}: only in the first")
            else:
                out += diff(a[k], b[k], f"{path}.{k}")
        return out
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} vs {len(b)} items"]
        return [x for i, (p, q) in enumerate(zip(a, b)) for x in diff(p, q, f"{path}[{i}]")]
    return [] if a == b else [f"{path}: {a!r} vs {b!r}"]


# ---- the connector binary on a rendered config ----------------------------------------------

def validate_config_with_binary(binary, config, workdir):
    """Runs `ats-connector validate` on a rendered config whose secret files and snapshot
    path are moved into workdir (they are absolute paths inside the pod)."""
    secrets_dir = os.path.join(workdir, "secrets")
    os.makedirs(secrets_dir, exist_ok=True)
    text = yaml.safe_dump(config)
    for f in secret_files(config):
        local = os.path.join(secrets_dir, f.strip("/").replace("/", "_"))
        with open(local, "w") as fh:
            fh.write("dummy-token-for-validation\n")
        text = text.replace(f, local)
    text = text.replace(get(config, "snapshot", "path", default="./data/snapshot"), os.path.join(workdir, "snapshot"))
    path = os.path.join(workdir, "connector.yaml")
    with open(path, "w") as fh:
        fh.write(text)
    env = dict(os.environ)
    for name in env_refs(config):
        env[name] = "dummy-value"
    return run([binary, "validate", "--config", path], env=env)


# ---- Prometheus text format and PromQL --------------------------------------------------------

def parse_exposition(text):
    """{family: {"type": t, "series": [(name, {labels})]}} from Prometheus text format."""
    fams = {}
    for line in text.splitlines():
        m = re.match(r"^# TYPE (\S+) (\S+)", line)
        if m:
            fams.setdefault(m.group(1), {"type": m.group(2), "series": []})["type"] = m.group(2)
            continue
        if not line or line.startswith("#"):
            continue
        m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s", line)
        if not m:
            continue
        name, labels = m.group(1), dict(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', m.group(3) or ""))
        fam = name
        for suf in ("_bucket", "_sum", "_count"):
            if name.endswith(suf) and name[: -len(suf)] in fams and fams[name[: -len(suf)]]["type"] == "histogram":
                fam = name[: -len(suf)]
        fams.setdefault(fam, {"type": "untyped", "series": []})["series"].append((name, labels))
    return fams


def exported_names(fams):
    """Metric names a query may use: families, plus _bucket/_sum/_count of histograms."""
    names = set()
    for f, info in fams.items():
        names.add(f)
        if info["type"] == "histogram":
            names |= {f + "_bucket", f + "_sum", f + "_count"}
    return names


def promql_selectors(expr):
    """[(metric, {label: value-or-pattern})] for every ats_connector_* selector of a query."""
    out = []
    for m in re.finditer(r"\b(ats_connector_[a-z0-9_]+)\s*(\{([^}]*)\})?", expr):
        matchers = dict((k, v) for k, _, v in re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"([^"]*)"', m.group(3) or ""))
        out.append((m.group(1), matchers))
    return out


def dashboard_queries(dashboard):
    out = []

    def walk(panels):
        for p in panels or []:
            for t in p.get("targets") or []:
                if t.get("expr"):
                    out.append((p.get("title", ""), t["expr"]))
            walk(p.get("panels"))
    walk(dashboard.get("panels"))
    for v in get(dashboard, "templating", "list", default=[]) or []:
        q = v.get("query")
        q = q.get("query") if isinstance(q, dict) else q
        if v.get("type") == "query" and isinstance(q, str):
            out.append((f"variable {v.get('name')}", q))
    return out


def alert_rules(path=None):
    with open(path or os.path.join(MONITORING_DIR, "alerts.yaml")) as fh:
        doc = yaml.safe_load(fh)
    return [rule for g in doc["spec"]["groups"] for rule in g["rules"]], doc


def github_anchor(heading):
    """GitHub's anchor for a Markdown heading."""
    h = heading.strip().lower()
    h = re.sub(r"[^\w\- ]", "", h)
    return h.replace(" ", "-")


def temp_dir(prefix):
    return tempfile.mkdtemp(prefix=prefix)


def metrics_cpp_families(path=None):
    """{family: {"type": counter|gauge|histogram, "labels": set}} as registered in
    src/telemetry/metrics.cpp (Build<Type>().Name("...") or a gauge("...", ...) helper, and
    member->Add({{"label", ...}}))."""
    with open(path or os.path.join(SOURCE_DIR, "src", "telemetry", "metrics.cpp")) as fh:
        text = fh.read()
    fams, member_of = {}, {}
    for m in re.finditer(r"(\w+)\s*=\s*&\s*Build(Counter|Gauge|Histogram)\(\)\s*\.Name\(\"([^\"]+)\"\)", text):
        fams[m.group(3)] = {"type": m.group(2).lower(), "labels": set()}
        member_of[m.group(1)] = m.group(3)
    # Unlabelled gauges made through a local helper: member = gauge("name", "help").
    for m in re.finditer(r"(\w+)\s*=\s*gauge\(\s*\"([^\"]+)\"", text):
        fams[m.group(2)] = {"type": "gauge", "labels": set()}
        member_of[m.group(1)] = m.group(2)
    for m in re.finditer(r"(\w+)->Add\((\{\{.*?\}\}|\{\})", text, re.S):
        fam = member_of.get(m.group(1))
        if fam:
            fams[fam]["labels"] |= set(re.findall(r"\{\"([a-z_]+)\",", m.group(2)))
    return fams


TARGET_LABELS = {"job", "instance", "namespace", "pod", "service", "endpoint", "container"}
