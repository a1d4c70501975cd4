#!/usr/bin/env python3
"""deploy/monitoring without a running connector: the alerts pass `promtool check rules` and
their unit tests (`promtool test rules alerts_test.yaml`, each alert made to fire and not to
fire), each links an existing section of docs/operations.md, the dashboard has what an
operator needs per connection, every query parses, and every metric it names is registered in
src/telemetry/metrics.cpp (the live cross-check against /metrics is prometheus_test.py)."""
import json
import os
import re
import shutil
import sys

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import deploylib as dl  # noqa: E402

r = dl.Reporter()
work = dl.temp_dir("ats-monitoring-test-")
try:
    promtool = shutil.which("promtool")
    r.check(promtool is not None, "promtool is installed", "scripts/install-deps.sh installs prometheus")
    rules, alerts_doc = dl.alert_rules()
    names = [rule["alert"] for rule in rules]
    rules_file = os.path.join(work, "alerts.rules.yaml")
    p = dl.run([sys.executable, os.path.join(os.path.dirname(__file__), "extract_rules.py"),
                os.path.join(dl.MONITORING_DIR, "alerts.yaml")])
    with open(rules_file, "w") as fh:
        fh.write(p.stdout)
    r.check(p.returncode == 0 and p.stdout, "the PrometheusRule's spec extracts as a rule file", p.stderr.strip())
    p = dl.run([promtool or "promtool", "check", "rules", rules_file])
    r.check(p.returncode == 0 and f"SUCCESS: {len(rules)} rules found" in p.stdout, "promtool check rules", (p.stdout + p.stderr).strip())
    shutil.copy(os.path.join(dl.MONITORING_DIR, "alerts_test.yaml"), work)
    p = dl.run([promtool or "promtool", "test", "rules", os.path.join(work, "alerts_test.yaml")], timeout=120)
    r.check(p.returncode == 0 and "SUCCESS" in p.stdout, "promtool test rules deploy/monitoring/alerts_test.yaml", (p.stdout + p.stderr).strip()[-2000:])

    required = {"AtsConnectorConnectionDown", "AtsConnectorSyncLagHigh", "AtsConnectorHighErrorRatio", "AtsConnectorDeadLetters",
                "AtsConnectorKafkaQueueBackingUp", "AtsConnectorNoEventsWhileActive", "AtsConnectorSnapshotNotWritable"}
    r.check(required <= set(names), "alerts: connection down, sync lag, error ratio, DLQ growth, Kafka queue, no events while active, snapshot not writable",
            str(required - set(names)))
    cluster_alerts = {"AtsConnectorPartitionsUnowned", "AtsConnectorRestoreStuck", "AtsConnectorProducerFenced",
                      "AtsConnectorTransactionsAborting", "AtsConnectorRebalanceStorm"}
    r.check(cluster_alerts <= set(names),
            "cluster alerts: partitions unowned, restore stuck, producer fenced, transactions aborting, rebalance storm",
            str(cluster_alerts - set(names)))
    with open(os.path.join(dl.MONITORING_DIR, "alerts_test.yaml")) as fh:
        tests = yaml.safe_load(fh)
    fires, silent = set(), set()
    for t in tests["tests"]:
        for case in t.get("alert_rule_test") or []:
            (fires if case.get("exp_alerts") else silent).add(case["alertname"])
    r.check(set(names) <= fires, "alerts_test.yaml makes every alert fire", str(set(names) - fires))
    r.check(set(names) <= silent, "alerts_test.yaml has a case where every alert must not fire", str(set(names) - silent))

    with open(os.path.join(dl.SOURCE_DIR, "docs", "operations.md")) as fh:
        ops = fh.read()
    anchors = {dl.github_anchor(h) for h in re.findall(r"^#{1,6}\s+(.+?)\s*$", ops, re.M)}
    for rule in rules:
        url = rule["annotations"]["runbook_url"]
        frag = url.split("#", 1)[1] if "#" in url else ""
        r.check(url.split("#")[0].endswith("/docs/operations.md") and frag == rule["alert"].lower() and frag in anchors,
                f"{rule['alert']}: runbook_url points at its section of docs/operations.md", url)

    # ---- the dashboard --------------------------------------------------------------------------
    with open(os.path.join(dl.MONITORING_DIR, "grafana-dashboard.json")) as fh:
        dash = json.load(fh)
    variables = {v["name"]: v for v in dash.get("templating", {}).get("list", [])}
    conn = variables.get("connection", {})
    r.check(conn.get("type") == "query" and "label_values(ats_connector_connection_up, connection)" in json.dumps(conn.get("query"))
            and conn.get("multi") and conn.get("includeAll"), "dashboard: a multi-value `connection` variable from the metrics")
    r.check(variables.get("datasource", {}).get("type") == "datasource", "dashboard: a Prometheus data source variable")
    panels = [p for p in dash["panels"] if p.get("type") != "row"]
    ids = [p["id"] for p in dash["panels"]]
    r.check(dash.get("uid") and dash.get("title") and len(ids) == len(set(ids)) and all("gridPos" in p for p in dash["panels"]),
            "dashboard: uid, title, unique panel ids, positions")
    cells = set()
    overlap = []
    for p in dash["panels"]:
        g = p["gridPos"]
        for x in range(g["x"], g["x"] + g["w"]):
            for y in range(g["y"], g["y"] + g["h"]):
                if (x, y) in cells:
                    overlap.append(p["title"])
                cells.add((x, y))
    r.check(not overlap and all(p["gridPos"]["x"] + p["gridPos"]["w"] <= 24 for p in dash["panels"]),
            "dashboard: panels fit the 24-column grid without overlapping", str(set(overlap)))
    queries = dl.dashboard_queries(dash)
    fams = dl.metrics_cpp_families()
    r.check(len(fams) >= 15, "metrics.cpp: families found", str(sorted(fams)))
    per_connection = [(t, q) for t, q in queries if not t.startswith("variable")
                      and any("connection" in fams.get(re.sub(r"_(bucket|sum|count)$", "", m), {}).get("labels", set())
                              for m, _ in dl.promql_selectors(q))]
    r.check(all('connection=~"$connection"' in q for _, q in per_connection),
            "dashboard: every per-connection query filters on $connection",
            str([t for t, q in per_connection if 'connection=~"$connection"' not in q]))
    joined = "\n".join(q for _, q in queries)
    wanted = {
        "sync lag": r"ats_connector_sync_lag_seconds",
        "source freshness": r"ats_connector_source_freshness_seconds",
        "events/s by type": r"sum by \(connection, type\) \(rate\(ats_connector_events_published_total",
        "errors by kind": r"sum by \(connection, kind\) \(rate\(ats_connector_errors_total",
        "HTTP latency quantiles": r"histogram_quantile\(0\.95, sum by \(connection, le\) \(rate\(ats_connector_http_request_duration_seconds_bucket",
        "HTTP codes": r"sum by \(connection, code\) \(rate\(ats_connector_http_requests_total",
        "rate-limit remaining": r"ats_connector_rate_limit_remaining",
        "Kafka queue": r"ats_connector_kafka_queue_messages",
        "DLQ rate": r"rate\(ats_connector_dead_letter_records_total",
        "connection up": r"ats_connector_connection_up",
        "auth retries": r"ats_connector_auth_retries_total",
    }
    # Cluster mode (contract of issue 15, §3): every cluster metric, per replica.
    wanted.update({
        "state partitions owned vs the total": r"ats_connector_cluster_partitions_owned[\s\S]*ats_connector_cluster_state_partitions",
        "partitions restoring": r"ats_connector_cluster_partitions_restoring",
        "restore lag": r"ats_connector_cluster_restore_lag_records",
        "restore time quantiles": r"histogram_quantile\(0\.99, sum by \(le\) \(rate\(ats_connector_cluster_restore_duration_seconds_bucket",
        "rebalances by kind": r"sum by \([^)]*kind\) \(increase\(ats_connector_cluster_rebalances_total",
        "transactions by outcome": r"sum by \([^)]*outcome\) \(rate\(ats_connector_cluster_transactions_total",
        "producers fenced": r"ats_connector_cluster_producer_fenced_total",
        "connections owned per replica": r"ats_connector_cluster_connections_owned",
    })
    for what, pattern in wanted.items():
        r.check(re.search(pattern, joined), f"dashboard shows {what}")
    rows = [p.get("title", "") for p in dash["panels"] if p.get("type") == "row"]
    r.check(any(t.startswith("Cluster") for t in rows), "dashboard: a Cluster row", str(rows))

    # Every query parses: as recording rules, through promtool. Grafana's label_values(m, l)
    # is not PromQL: its selector m is what is checked.
    def as_promql(q):
        q = re.sub(r"^label_values\((.*),\s*\w+\)$", r"\1", q.strip())
        return q.replace("$__rate_interval", "5m").replace("$connection", ".*")
    record = {"groups": [{"name": "dashboard", "rules": [
        {"record": f"dashboard:query_{i}", "expr": as_promql(q)} for i, (_, q) in enumerate(queries)]}]}
    qfile = os.path.join(work, "dashboard.rules.yaml")
    with open(qfile, "w") as fh:
        yaml.safe_dump(record, fh)
    p = dl.run([promtool or "promtool", "check", "rules", qfile])
    r.check(p.returncode == 0, f"all {len(queries)} dashboard queries are valid PromQL", (p.stdout + p.stderr).strip()[-1500:])

    # Names and labels against what the code registers.
    known = set()
    for f, info in fams.items():
        known.add(f)
        if info["type"] == "histogram":
            known |= {f + s for s in ("_bucket", "_sum", "_count")}
    used = [(src, m, matchers) for src, q in [(f"dashboard {t}", q) for t, q in queries] + [(f"alert {x['alert']}", x["expr"]) for x in rules]
            for m, matchers in dl.promql_selectors(q)]
    r.check(all(m in known for _, m, _ in used), "every metric in the dashboard and the alerts is registered in metrics.cpp",
            str(sorted({f"{s}: {m}" for s, m, _ in used if m not in known})))
    bad_labels = sorted({f"{s}: {m}{{{k}}}" for s, m, matchers in used for k in matchers
                         if k not in fams.get(re.sub(r"_(bucket|sum|count)$", "", m), {}).get("labels", set()) | dl.TARGET_LABELS | {"le"}})
    r.check(not bad_labels, "every label matcher names a label of its metric", str(bad_labels))
    on_dashboard = {re.sub(r"_(bucket|sum|count)$", "", m) for s, m, _ in used if s.startswith("dashboard")}
    r.check(set(fams) <= on_dashboard, "every ats_connector_* family is on the dashboard", str(set(fams) - on_dashboard))
finally:
    shutil.rmtree(work, ignore_errors=True)
r.finish()
