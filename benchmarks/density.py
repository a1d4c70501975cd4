#!/usr/bin/env python3
"""The parsing and the side tasks of benchmarks/e2e_density.sh (one subcommand each):

  wait-synced ADMIN N TIMEOUT_S         until N connections of /status had a successful cycle
  cycles ADMIN OUT                      {connection id: cycles} of /status, as JSON
  sample PID OUT                        every second: max Threads and VmHWM of PID (until killed)
  consume BOOTSTRAP TOPIC START_MS OUT  candidate events from START_MS on, one line each:
                                        "<connection> <candidate_id> <updated_at>" (kcat)
  api-create ADMIN TOKEN FLEET SEED FIRST COUNT RATE POLL OUT
                                        POST /v1/connections for fleet tenants FIRST..FIRST+COUNT-1
                                        (0-based) at RATE per second; writes {"created", "api_error"}
  summary ARGS...                       the result object (see main())

ADMIN is http://127.0.0.1:PORT of the connector; FLEET is http://127.0.0.1:PORT of ats-sim.
Standard library only (and kcat for `consume`).
"""
import concurrent.futures
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

LATENESS = "ats_connector_cycle_start_lateness_seconds"


def get(url, token=None, timeout=30):
    req = urllib.request.Request(url, headers={"Authorization": "Bearer " + token} if token else {})
    with urllib.request.urlopen(req, timeout=timeout) as res:
        return res.status, res.read().decode()


def status_connections(admin):
    _, body = get(admin + "/status")
    return json.loads(body).get("connections", [])


def wait_synced(admin, n, timeout_s):
    start = time.time()
    synced = 0
    while time.time() - start < timeout_s:
        try:
            synced = sum(1 for c in status_connections(admin) if c.get("last_success"))
        except (OSError, ValueError):
            synced = 0  # not listening yet
        if synced >= n:
            print("%.1f" % (time.time() - start))
            return 0
        time.sleep(2)
    print("only %d of %d connections synced within %d s" % (synced, n, timeout_s), file=sys.stderr)
    return 1


def cycles(admin, out):
    data = {c["id"]: c.get("cycles", 0) for c in status_connections(admin)}
    with open(out, "w") as f:
        json.dump(data, f)
    return 0


def sample(pid, out):
    peak = {"threads_max": 0, "vm_hwm_kib": 0, "samples": 0}

    def write(*_):
        with open(out + ".tmp", "w") as f:
            json.dump(peak, f)
        os.replace(out + ".tmp", out)

    def stop(*_):
        write()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    while True:
        try:
            with open("/proc/%s/status" % pid) as f:
                for line in f:
                    key, _, value = line.partition(":")
                    if key == "Threads":
                        peak["threads_max"] = max(peak["threads_max"], int(value))
                    elif key == "VmHWM":
                        peak["vm_hwm_kib"] = max(peak["vm_hwm_kib"], int(value.split()[0]))
            peak["samples"] += 1
            write()
        except OSError:
            write()
            return 0
        time.sleep(1)


def consume(bootstrap, topic, start_ms, out):
    kcat = subprocess.Popen(["kcat", "-C", "-u", "-J", "-b", bootstrap, "-t", topic, "-o", "s@" + start_ms,
                             "-X", "fetch.wait.max.ms=100"], stdout=subprocess.PIPE, text=True)

    def stop(*_):
        kcat.terminate()
        kcat.wait()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    with open(out, "w") as f:
        for line in kcat.stdout:
            try:
                ev = json.loads(json.loads(line)["payload"])
            except (ValueError, KeyError, TypeError):
                continue
            updated = (ev.get("candidate") or {}).get("updated_at") or ev.get("source_updated_at")
            if ev.get("change") in ("created", "updated") and updated:
                f.write("%s %s %s\n" % (ev.get("connection"), ev.get("candidate_id"), updated))
                f.flush()
    return 0


def subdomain(i):
    return "tenant-%05d" % (i + 1)


def api_create(admin, token, fleet, seed, first, count, rate, poll, out):
    result = {"created": 0, "api_error": None}
    first, count, rate = int(first), int(count), float(rate)
    if count <= 0:
        json.dump(result, open(out, "w"))
        return 0
    try:
        status, _ = get(admin + "/v1/connections", token)
        if status != 200:
            raise urllib.error.HTTPError(admin, status, "", None, None)
    except (OSError, urllib.error.HTTPError) as e:
        result["api_error"] = "API not available: GET /v1/connections: %s" % e
        json.dump(result, open(out, "w"))
        return 0
    lock = threading.Lock()
    errors = {}

    def create(i):
        body = {"id": subdomain(i), "source": "workable", "poll_interval_s": int(poll), "incremental": True,
                "workable": {"subdomain": subdomain(i), "api_token": "token-%05d-%s" % (i + 1, seed),
                             "base_url": "%s/t/%s/spi/v3" % (fleet, subdomain(i)), "allow_insecure_http": True}}
        req = urllib.request.Request(admin + "/v1/connections", data=json.dumps(body).encode(), method="POST",
                                     headers={"Authorization": "Bearer " + token,
                                              "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=60) as res:
                ok = res.status == 201
                detail = "%d" % res.status
        except urllib.error.HTTPError as e:
            ok, detail = False, "%d %s" % (e.code, e.read().decode()[:200])
        except OSError as e:
            ok, detail = False, str(e)
        with lock:
            if ok:
                result["created"] += 1
            else:
                errors[detail] = errors.get(detail, 0) + 1

    start = time.time()
    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
        for k in range(count):
            delay = start + k / rate - time.time()
            if delay > 0:
                time.sleep(delay)
            pool.submit(create, first + k)
    result["create_s"] = round(time.time() - start, 1)
    if errors:
        result["api_error"] = "; ".join("%s x%d" % kv for kv in sorted(errors.items())[:5])
    json.dump(result, open(out, "w"))
    return 0


def histogram(metrics_text, name):
    """{le: cumulative count} of a histogram without labels (or summed over them); None if absent."""
    buckets = {}
    pattern = re.compile(r'^%s_bucket\{(?:.*,)?le="([^"]+)"(?:,.*)?\}\s+(\S+)' % re.escape(name))
    for line in metrics_text.splitlines():
        m = pattern.match(line)
        if m:
            le = float("inf") if m.group(1) == "+Inf" else float(m.group(1))
            buckets[le] = buckets.get(le, 0.0) + float(m.group(2))
    return buckets or None


def quantile(before, after, q):
    """q-quantile of what the histogram saw between two scrapes, by linear interpolation in the
    bucket that holds it (the last finite bound when it falls in +Inf); None without samples."""
    if after is None:
        return None
    bounds = sorted(after)
    cum = [after[b] - (before or {}).get(b, 0.0) for b in bounds]
    total = cum[-1] if cum else 0
    if total <= 0:
        return None
    rank = q * total
    prev_bound, prev_cum = 0.0, 0.0
    for bound, c in zip(bounds, cum):
        if c >= rank:
            if bound == float("inf"):
                return prev_bound
            if c == prev_cum:
                return bound
            return prev_bound + (bound - prev_bound) * (rank - prev_cum) / (c - prev_cum)
        prev_bound, prev_cum = bound, c
    return prev_bound


def restarted(before_path, after_path):
    before = json.load(open(before_path))
    after = json.load(open(after_path))
    return sorted(cid for cid, n in before.items() if cid not in after or after[cid] < n)


def changes(mutation_log, events_path, start_ms, end_ms):
    """Changes made in [start_ms, end_ms] and how many of them reached Kafka: a change counts as
    published when an event of its connection and candidate carries its updated_at or a later one
    (a second change to the candidate before a poll saw the first is published in one event)."""
    made = []
    for line in open(mutation_log):
        parts = line.rstrip("\n").split(" ", 3)
        if len(parts) < 4 or not start_ms <= int(parts[0]) <= end_ms:
            continue
        ms, clock, tenant, what = parts
        words = what.split(" ")
        candidate = words[2] if what.startswith("added candidate") else words[1]
        made.append((tenant, candidate, clock))
    latest = {}
    for line in open(events_path):
        parts = line.split()
        if len(parts) == 3:
            key = (parts[0], parts[1])
            latest[key] = max(latest.get(key, ""), parts[2])
    # RFC 3339 in UTC with whole seconds on both sides: string order is time order.
    published = sum(1 for t, c, clock in made if latest.get((t, c), "") >= clock)
    return len(made), published


def summary(argv):
    (connections, api_connections, duration_s, cpu0, cpu1, wall_s, sim_cpu0, sim_cpu1, sampler, metrics0,
     metrics1, cycles0, cycles1, sim_429_0, sim_429_1, mutation_log, events, start_ms, end_ms, api,
     synced_s) = argv
    peak = json.load(open(sampler))
    m0, m1 = open(metrics0).read(), open(metrics1).read()
    p99 = quantile(histogram(m0, LATENESS), histogram(m1, LATENESS), 0.99)
    made, published = changes(mutation_log, events, int(start_ms), int(end_ms))
    gone = restarted(cycles0, cycles1)
    api_result = json.load(open(api))
    wall = float(wall_s)
    out = {
        "connections": int(connections),
        "api_connections": int(api_connections),
        "duration_s": round(wall, 1),
        "first_sync_s": float(synced_s),
        "cpu_cores_avg": round((float(cpu1) - float(cpu0)) / wall, 3),
        "peak_rss_mib": round(peak["vm_hwm_kib"] / 1024, 1),
        "threads_max": peak["threads_max"],
        "lateness_p99_s": None if p99 is None else round(p99, 3),
        "http_429": int(sim_429_1) - int(sim_429_0),
        "changes_made": made,
        "changes_published": published,
        "restarted_connections": len(gone),
        "restarted_examples": gone[:5],
        "api_connections_created": api_result.get("created", 0),
        "api_error": api_result.get("api_error"),
        "sim_cpu_cores_avg": round((float(sim_cpu1) - float(sim_cpu0)) / wall, 3),
    }
    print(json.dumps(out))
    return 0


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "wait-synced":
        return wait_synced(args[0], int(args[1]), int(args[2]))
    if cmd == "cycles":
        return cycles(*args)
    if cmd == "sample":
        return sample(*args)
    if cmd == "consume":
        return consume(*args)
    if cmd == "api-create":
        return api_create(*args)
    if cmd == "summary":
        return summary(args)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
