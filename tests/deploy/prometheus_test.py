#!/usr/bin/env python3
"""A real Prometheus (Debian's `prometheus`) scrapes running connectors on loopback, with the
alerts of deploy/monitoring/alerts.yaml loaded:

- `ats-connector sandbox` (simulated Workable tenant, embedded Kafka): a healthy connection;
- `ats-connector run` against a fake Workable API served by this script on 127.0.0.1, with
  three connections: `fake-ok` (valid records plus one that cannot be normalised, so the
  dead-letter metrics exist), `fake-denied` (401: errors of kind auth) and `fake-unavailable`
  (503: errors keep growing).

Checks: both targets up; metrics queryable through the HTTP API; AtsConnectorConnectionDown
pending for fake-unavailable, AtsConnectorDeadLetters for fake-ok, nothing for the sandbox; every rule evaluates
without error; `promtool check metrics` on each /metrics; every metric named by the dashboard
and the alerts is exported (live, or for the two families that only a Workday token refresh or
a fatal producer error creates, registered in the binary), and every exported family is on the
dashboard. Bounded: about 20 s, everything stopped at the end."""
import http.server
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from datetime import datetime, timezone

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import deploylib as dl  # noqa: E402

r = dl.Reporter()
binary = os.environ.get("ATS_CONNECTOR_BIN", "")
work = dl.temp_dir("ats-prometheus-test-")
procs = []
NOW = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class FakeWorkable(http.server.BaseHTTPRequestHandler):
    """/ok/spi/v3/{jobs,candidates}: one published job, a valid candidate and one without an
    id; /denied/...: 401; /unavailable/...: 503."""

    def log_message(self, *args):
        pass

    def send(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Rate-Limit-Limit", "10")
        self.send_header("X-Rate-Limit-Remaining", "9")
        self.send_header("X-Rate-Limit-Reset", str(int(time.time()) + 10))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        path = urllib.parse.urlparse(self.path).path
        if path.startswith("/denied/"):
            return self.send(401, {"error": "Not authorized"})
        if path.startswith("/unavailable/"):
            return self.send(503, {"error": "Service unavailable"})
        if path == "/ok/spi/v3/jobs":
            return self.send(200, {"jobs": [{
                "id": "61884e8", "title": "Backend Engineer", "full_title": "Backend Engineer",
                "shortcode": "OKJOB0001", "state": "published", "department": None,
                "created_at": "2026-05-11T07:45:00Z", "updated_at": NOW}]})
        if path == "/ok/spi/v3/candidates":
            return self.send(200, {"candidates": [
                {"id": "4b00a1", "name": "Valid Candidate", "job": {"shortcode": "OKJOB0001", "title": "Backend Engineer"},
                 "stage": "Applied", "stage_kind": "applied", "disqualified": False, "updated_at": NOW},
                {"name": "No Id", "job": {"shortcode": "OKJOB0001", "title": "Backend Engineer"}, "stage": "Applied"}]})
        return self.send(404, {"error": "Not found"})


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url, timeout=3):
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        return resp.read().decode()


def query(prom, q):
    try:
        body = json.loads(get(f"{prom}/api/v1/query?" + urllib.parse.urlencode({"query": q})))
        return body["data"]["result"] if body.get("status") == "success" else []
    except (OSError, ValueError, KeyError):
        return []


def wait_for(fn, timeout, step=0.3):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(step)
    return fn()


def start(cmd, name):
    out = open(os.path.join(work, f"{name}.out"), "w")
    err = open(os.path.join(work, f"{name}.err"), "w")
    p = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=work)
    procs.append((name, p))
    return p


def read(name, stream):
    try:
        with open(os.path.join(work, f"{name}.{stream}")) as fh:
            return fh.read()
    except OSError:
        return ""


def stop(name, p, sig=signal.SIGTERM, timeout=30):
    if p.poll() is None:
        p.send_signal(sig)
    try:
        return p.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        return None


try:
    prom_bin, promtool = shutil.which("prometheus"), shutil.which("promtool")
    ok = r.check(prom_bin and promtool, "prometheus and promtool installed", "scripts/install-deps.sh installs prometheus")
    ok = r.check(binary and os.access(binary, os.X_OK), "connector binary available", binary) and ok
    if not ok:
        r.finish()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeWorkable)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    fake = f"http://127.0.0.1:{server.server_address[1]}"

    # The sandbox, as the Quick start runs it (port 0: it prints the port it got).
    sandbox = start([binary, "sandbox", "--dir", os.path.join(work, "sandbox"), "--http-listen", "127.0.0.1:0",
                     "--poll-interval-s", "1", "--mutate-every-s", "1", "--exit-after-s", "90"], "sandbox")
    m = wait_for(lambda: re.search(r"http://127\.0\.0\.1:(\d+)/metrics", read("sandbox", "out")), 20)
    r.check(m, "sandbox started and printed its metrics address", read("sandbox", "err")[-1500:])
    sandbox_target = f"127.0.0.1:{m.group(1)}" if m else None

    # `run` with connections against the fake API.
    secrets = os.path.join(work, "secrets")
    os.makedirs(secrets)
    with open(os.path.join(secrets, "token"), "w") as fh:
        fh.write("fake-token\n")
    connections = [{"id": f"fake-{kind}", "source": "workable", "poll_interval_s": 1,
                    "workable": {"subdomain": "acme", "api_token_file": os.path.join(secrets, "token"),
                                 "base_url": f"{fake}/{kind}/spi/v3", "allow_insecure_http": True}}
                   for kind in ("ok", "denied", "unavailable")]
    config = {"connections": connections, "kafka": {"bootstrap_servers": "embedded"},
              "snapshot": {"path": os.path.join(work, "run-snapshot")}, "http": {"listen": "127.0.0.1:0"}}
    with open(os.path.join(work, "connector.yaml"), "w") as fh:
        yaml.safe_dump(config, fh)
    runp = start([binary, "run", "--config", os.path.join(work, "connector.yaml")], "run")
    m = wait_for(lambda: re.search(r'"admin_port":(\d+)', read("run", "err") + read("run", "out")), 20)
    r.check(m, "run started and logged its admin port", read("run", "err")[-1500:])
    run_target = f"127.0.0.1:{m.group(1)}" if m else None
    targets = [t for t in (sandbox_target, run_target) if t]

    # Prometheus with the alerts loaded, on loopback, storage in the temp dir.
    p = dl.run([sys.executable, os.path.join(os.path.dirname(__file__), "extract_rules.py"), os.path.join(dl.MONITORING_DIR, "alerts.yaml")])
    with open(os.path.join(work, "alerts.rules.yaml"), "w") as fh:
        fh.write(p.stdout)
    prom_config = {
        "global": {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"},
        "rule_files": [os.path.join(work, "alerts.rules.yaml")],
        # job="ats-connector", as the ServiceMonitor's jobLabel makes it in a cluster
        "scrape_configs": [{"job_name": "ats-connector", "static_configs": [{"targets": targets}]}],
    }
    with open(os.path.join(work, "prometheus.yml"), "w") as fh:
        yaml.safe_dump(prom_config, fh)
    prom_port = free_port()
    prom = f"http://127.0.0.1:{prom_port}"
    start([prom_bin, f"--config.file={work}/prometheus.yml", f"--storage.tsdb.path={work}/tsdb",
           f"--web.listen-address=127.0.0.1:{prom_port}", "--log.level=warn"], "prometheus")

    def targets_up():
        try:
            active = json.loads(get(f"{prom}/api/v1/targets"))["data"]["activeTargets"]
        except (OSError, ValueError, KeyError):
            return False
        return len(active) == 2 and all(t["health"] == "up" for t in active)
    r.check(wait_for(targets_up, 30), "Prometheus scrapes both connectors (targets up)", read("prometheus", "err")[-1500:])
    r.check(wait_for(lambda: query(prom, 'ats_connector_connection_up{job="ats-connector", connection="sandbox-workable"} == 1'), 30),
            "sandbox: ats_connector_connection_up == 1 queryable through the HTTP API")
    r.check(wait_for(lambda: query(prom, 'ats_connector_connection_up{connection="fake-ok"} == 1'), 20), "fake-ok: connection up")
    r.check(wait_for(lambda: query(prom, 'ats_connector_connection_up{connection="fake-denied"} == 0')
                     and query(prom, 'ats_connector_errors_total{connection="fake-denied", kind="auth"} > 0'), 20),
            "fake-denied: connection down, errors_total{kind=\"auth\"}")
    r.check(wait_for(lambda: query(prom, 'ats_connector_dead_letter_records_total{connection="fake-ok"} > 0')
                     and query(prom, 'ats_connector_events_published_total{connection="fake-ok", type="dead-letter"} > 0'), 20),
            "fake-ok: the record without an id is dead-lettered (both counters)")
    r.check(wait_for(lambda: query(prom, 'histogram_quantile(0.9, sum by (le) (rate(ats_connector_http_request_duration_seconds_bucket{connection="sandbox-workable"}[30s]))) >= 0'), 20),
            "HTTP latency quantile computable from the histogram")

    def alerts():
        try:
            return json.loads(get(f"{prom}/api/v1/alerts"))["data"]["alerts"]
        except (OSError, ValueError, KeyError):
            return []
    pending = wait_for(lambda: [a for a in alerts() if a["labels"].get("alertname") == "AtsConnectorConnectionDown"
                                and a["labels"].get("connection") == "fake-unavailable"], 30)
    r.check(pending and pending[0]["state"] == "pending" and pending[0]["labels"].get("job") == "ats-connector",
            "AtsConnectorConnectionDown is pending for fake-unavailable (the real rule on real series)", str(alerts())[:800])
    dlq = wait_for(lambda: [a for a in alerts() if a["labels"].get("alertname") == "AtsConnectorDeadLetters"
                            and a["labels"].get("connection") == "fake-ok"], 20)
    r.check(dlq and dlq[0]["state"] == "pending", "AtsConnectorDeadLetters is pending for fake-ok (a bad record every cycle)",
            str(alerts())[:800])
    active = alerts()
    noisy = [a["labels"] for a in active if a["labels"].get("connection") == "sandbox-workable"
             or (a["labels"].get("connection") == "fake-ok" and a["labels"].get("alertname") != "AtsConnectorDeadLetters")
             or a["labels"].get("alertname") in ("AtsConnectorDown", "AtsConnectorKafkaQueueBackingUp")]
    r.check(not noisy, "no other alert: none for the sandbox, AtsConnectorDown and the Kafka alert silent", str(noisy))
    try:
        groups = json.loads(get(f"{prom}/api/v1/rules"))["data"]["groups"]
        rules = [rule for g in groups for rule in g["rules"]]
    except (OSError, ValueError, KeyError):
        rules = []
    expected = len(dl.alert_rules()[0])
    r.check(len(rules) == expected and all(rule.get("health") == "ok" and not rule.get("lastError") for rule in rules),
            f"all {expected} alert rules loaded and evaluated without error",
            str([(rule.get("name"), rule.get("health"), rule.get("lastError")) for rule in rules]))

    # The exposition itself.
    scrapes = {}
    for name, t in (("sandbox", sandbox_target), ("run", run_target)):
        if not t:
            continue
        scrapes[name] = get(f"http://{t}/metrics")
        p = subprocess.run([promtool, "check", "metrics"], input=scrapes[name], capture_output=True, text=True, timeout=30)
        r.check(p.returncode == 0, f"promtool check metrics on the {name}'s /metrics", (p.stdout + p.stderr).strip())

    # Metric names: dashboard and alerts vs. what the binary exports.
    live = {}
    for text in scrapes.values():
        for fam, info in dl.parse_exposition(text).items():
            entry = live.setdefault(fam, {"type": info["type"], "series": []})
            entry["series"] += info["series"]
    with open(binary, "rb") as fh:
        in_binary = set(re.findall(rb"ats_connector_[a-z0-9_]+", fh.read()))
    in_binary = {n.decode() for n in in_binary}
    registered = dl.metrics_cpp_families()
    not_live = sorted(set(registered) - set(live))
    print(f"     families in the live scrapes: {len(live)}; only registered (not created in this run): {not_live}")
    r.check(set(not_live) <= {"ats_connector_auth_retries_total", "ats_connector_kafka_producer_recreated_total",
                              "ats_connector_page_limit_exceeded_total"},
            "every family but the Workday-refresh, producer-recreated and page-limit counters is live", str(not_live))
    r.check(all(f in in_binary for f in not_live), "the families not seen live are compiled into the binary", str(not_live))
    exported = dl.exported_names(live) | {f for f in not_live if f in in_binary}
    for f in not_live:
        if registered[f]["type"] == "histogram":
            exported |= {f + s for s in ("_bucket", "_sum", "_count")}
    with open(os.path.join(dl.MONITORING_DIR, "grafana-dashboard.json")) as fh:
        dashboard = json.load(fh)
    used = [(f"dashboard {t}", q) for t, q in dl.dashboard_queries(dashboard)] + \
           [(f"alert {rule['alert']}", rule["expr"]) for rule in dl.alert_rules()[0]]
    missing = sorted({f"{src}: {m}" for src, q in used for m, _ in dl.promql_selectors(q) if m not in exported})
    r.check(not missing, "every metric named by the dashboard and the alerts is exported", str(missing))
    label_problems = set()
    for src, q in used:
        for m, matchers in dl.promql_selectors(q):
            fam = re.sub(r"_(bucket|sum|count)$", "", m) if m not in live else m
            series = live.get(fam, {}).get("series", [])
            labels = {k for _, ls in series for k in ls} if series else registered.get(fam, {}).get("labels", set())
            for k, v in matchers.items():
                if k in dl.TARGET_LABELS or k == "le":
                    continue
                if k not in labels:
                    label_problems.add(f"{src}: {m} has no label {k}")
                elif series and "$" not in v and not any(c in v for c in "|.*()[]+?"):
                    values = {ls.get(k) for _, ls in series}
                    if v not in values:
                        label_problems.add(f"{src}: {m}{{{k}=\"{v}\"}} matches nothing exported ({sorted(x for x in values if x)})")
    r.check(not label_problems, "label names and values in the queries exist on the exported series", str(sorted(label_problems)))
    on_dashboard = {re.sub(r"_(bucket|sum|count)$", "", m) for src, q in used if src.startswith("dashboard")
                    for m, _ in dl.promql_selectors(q)}
    every = {f for f in set(live) | set(not_live) if f.startswith("ats_connector_")}
    r.check(every <= on_dashboard, "every exported ats_connector_* family is on the dashboard", str(sorted(every - on_dashboard)))

    # Clean stops.
    for name, p in (("run", runp), ("sandbox", sandbox)):
        code = stop(name, p)
        r.check(code == 0, f"{name}: SIGTERM stops it with exit code 0", f"exit {code}; " + read(name, "err")[-800:])
    server.shutdown()
finally:
    for name, p in procs:
        if p.poll() is None:
            stop(name, p, timeout=10)
    if r.failed:
        for name, _ in procs:
            tail = read(name, "err")[-1200:]
            if tail:
                print(f"--- {name} stderr (tail)\n{tail}")
    shutil.rmtree(work, ignore_errors=True)
r.finish()
