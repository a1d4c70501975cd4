#!/usr/bin/env python3
"""helm/ats-connector: rendered with Helm's template engine (helmrender: Go text/template +
sprig, built from tests/deploy/helmrender) for the default values and for ci/full-values.yaml;
the output passes the structural checks; values validate against values.schema.json (and
broken values do not); the templates' own checks fail bad values; and the chart agrees with
deploy/kubernetes/base and deploy/monitoring."""
import json
import os
import sys

import jsonschema
import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import deploylib as dl  # noqa: E402

r = dl.Reporter()
binary = os.environ.get("ATS_CONNECTOR_BIN", "")
FULL = os.path.join(dl.CHART_DIR, "ci", "full-values.yaml")
work = dl.temp_dir("ats-helm-test-")


def values_file(name, data):
    path = os.path.join(work, name)
    with open(path, "w") as fh:
        yaml.safe_dump(data, fh)
    return path


def render(values=(), release="ats-connector", namespace="default"):
    rc, out, err = dl.helm_template(release, namespace, values)
    return rc, (dl.load_docs(out) if rc == 0 else []), err


try:
    hr = dl.helmrender_bin()
    if not r.check(bool(hr) and os.access(hr, os.X_OK), "helmrender built (fixture deploy.helmrender_build)", hr):
        r.finish()

    # ---- defaults and the full example ----------------------------------------------------
    rc, default_docs, err = render()
    r.check(rc == 0, "chart renders with the default values", err.strip())
    dl.check_objects(r, default_docs, "chart defaults")
    rc, full_docs, err = render([FULL], release="ats", namespace="ats")
    r.check(rc == 0, "chart renders with ci/full-values.yaml", err.strip())
    dl.check_objects(r, full_docs, "chart full", expect_monitoring=True)

    kinds = sorted(d["kind"] for d in default_docs)
    r.check("PrometheusRule" not in kinds and not any(dl.labels_of(d).get("grafana_dashboard") for d in default_docs),
            "defaults: PrometheusRule and dashboard toggles off", str(kinds))
    ss = dl.one(full_docs, "StatefulSet") or {}
    pod = dl.get(ss, "spec", "template", "spec", default={})
    r.check(dl.get(pod, "volumes", 1, "secret", "secretName") == "ats-connector-credentials" and not dl.by_kind(full_docs, "Secret"),
            "full: existingSecret is mounted and no Secret is created")
    r.check(dl.get(pod, "imagePullSecrets") == [{"name": "registry-credentials"}], "full: imagePullSecrets")
    r.check(dl.get(pod, "tolerations", 0, "key") == "dedicated" and dl.get(pod, "nodeSelector", "kubernetes.io/os") == "linux",
            "full: tolerations and nodeSelector")
    r.check(dl.get(ss, "spec", "template", "metadata", "labels", "team") == "platform"
            and dl.get(ss, "spec", "template", "metadata", "annotations", "cluster-autoscaler.kubernetes.io/safe-to-evict") == "true",
            "full: podLabels and podAnnotations")
    r.check(dl.get(dl.one(full_docs, "PodDisruptionBudget"), "spec") is not None
            and dl.get(dl.one(full_docs, "PodDisruptionBudget"), "spec", "minAvailable") == 1
            and "maxUnavailable" not in dl.get(dl.one(full_docs, "PodDisruptionBudget"), "spec"),
            "full: podDisruptionBudget.minAvailable replaces maxUnavailable")
    np = dl.one(full_docs, "NetworkPolicy") or {}
    r.check(any(dl.get(rule, "ports", 0, "port") == 8443 for rule in dl.get(np, "spec", "egress", default=[]))
            and dl.get(np, "spec", "ingress", 0, "from", 0, "namespaceSelector", "matchLabels", "kubernetes.io/metadata.name") == "monitoring",
            "full: networkPolicy.extraEgress and ingressFrom")
    r.check(dl.labels_of(dl.one(full_docs, "ServiceMonitor") or {}).get("release") == "kube-prometheus-stack"
            and dl.labels_of(dl.one(full_docs, "PrometheusRule") or {}).get("release") == "kube-prometheus-stack",
            "full: extra labels for the Prometheus selectors")
    urls = [rule["annotations"]["runbook_url"] for g in dl.get(dl.one(full_docs, "PrometheusRule") or {}, "spec", "groups", default=[]) for rule in g["rules"]]
    r.check(bool(urls) and all(u.startswith("https://git.example.com/platform/ats-connector/-/blob/main/docs/operations.md#") for u in urls),
            "full: runbook links use prometheusRule.runbookBaseUrl", str(urls[:1]))
    rules_full = dl.get(dl.one(full_docs, "PrometheusRule") or {}, "spec", "groups", 0, "rules", default=[])
    r.check(any("{{ $labels.connection }}" in rule["annotations"]["summary"] for rule in rules_full),
            "full: Prometheus' own {{ $labels }} templates pass through Helm untouched")

    # ---- chart-managed Secret, checksums ----------------------------------------------------
    creds = values_file("creds.yaml", {"credentials": {"workable-token": "dummy"}})
    rc, creds_docs, err = render([creds])
    secret = dl.one(creds_docs, "Secret")
    ss_c = dl.one(creds_docs, "StatefulSet") or {}
    r.check(rc == 0 and secret is not None and secret["metadata"]["name"] == "ats-connector-credentials"
            and dl.get(secret, "stringData", "workable-token") == "dummy"
            and dl.get(ss_c, "spec", "template", "metadata", "annotations", "checksum/credentials"),
            "credentials: the chart creates <fullname>-credentials and rolls the pod when it changes", err.strip())
    other = values_file("other-config.yaml", {"config": {"log_level": "debug"}})
    rc, other_docs, _ = render([other])
    ann = lambda docs: dl.get(dl.one(docs, "StatefulSet") or {}, "spec", "template", "metadata", "annotations", "checksum/config")
    r.check(rc == 0 and ann(other_docs) and ann(other_docs) != ann(default_docs),
            "a config change changes checksum/config (restarts the pod)")
    rc, named_docs, _ = render(release="prod")
    r.check(rc == 0 and {d["metadata"]["name"] for d in named_docs} == {"prod-ats-connector", "prod-ats-connector-config"},
            "release \"prod\" names objects prod-ats-connector*", str({d["metadata"]["name"] for d in named_docs}))

    # ---- NOTES.txt -----------------------------------------------------------------------------
    rc, notes, err = dl.helm_template("ats-connector", "ats", notes=True)
    r.check(rc == 0 and "statefulset/ats-connector" in notes and "create secret generic ats-connector-credentials" in notes
            and "acme-workable" in notes, "NOTES.txt renders (status commands, the Secret to create)", err.strip() or notes[:200])
    rc, notes, err = dl.helm_template("ats", "ats", [FULL], notes=True)
    r.check(rc == 0 and "create secret" not in notes and "globex-workable" in notes,
            "NOTES.txt with an existingSecret does not ask for one", err.strip())

    # ---- values.schema.json --------------------------------------------------------------------
    with open(os.path.join(dl.CHART_DIR, "values.schema.json")) as fh:
        schema = json.load(fh)
    try:
        jsonschema.Draft7Validator.check_schema(schema)
        r.check(True, "values.schema.json is a valid draft-07 schema")
    except jsonschema.SchemaError as e:
        r.check(False, "values.schema.json is a valid draft-07 schema", str(e).splitlines()[0])
    validator = jsonschema.Draft7Validator(schema)

    def merged(files):
        rc, out, err = dl.helm_template(values_files=files, values_json=True)
        return json.loads(out) if rc == 0 else {"__error__": err}

    for name, files in (("values.yaml", []), ("ci/full-values.yaml", [FULL])):
        errors = [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(merged(files))]
        r.check(not errors, f"{name} (merged as Helm does) validates against values.schema.json", "; ".join(errors))
    bad_values = {
        "a literal env value": {"env": [{"name": "KAFKA_PASSWORD", "value": "hunter2"}]},
        "a misspelt top-level key": {"serviceMonitr": {"enabled": False}},
        "a writable root filesystem": {"securityContext": {"readOnlyRootFilesystem": False}},
        "a grace period as a string": {"terminationGracePeriodSeconds": "30"},
        "no connection": {"config": {"connections": []}},
        "a snapshot outside the volume": {"config": {"snapshot": {"path": "/data/snapshot"}}},
        "a secret mount outside /var/run/secrets": {"secretMountPath": "/etc/secrets"},
        "an unknown pull policy": {"image": {"pullPolicy": "Sometimes"}},
    }
    for what, data in bad_values.items():
        errors = list(validator.iter_errors(merged([values_file("bad.yaml", data)])))
        r.check(bool(errors), f"the schema rejects {what}")

    # ---- the templates' own checks -----------------------------------------------------------
    failing = {
        "grace period not above shutdown_grace_s": ({"terminationGracePeriodSeconds": 25}, "must exceed config.shutdown_grace_s"),
        "http.listen on another port": ({"config": {"http": {"listen": "0.0.0.0:9000"}}}, "must use service.port"),
        "snapshot.path outside the volume": ({"config": {"snapshot": {"path": "/tmp/snapshot"}}}, "must lie under /var/lib/ats-connector/"),
        "no connections": ({"config": {"connections": []}}, "at least one connection"),
    }
    for what, (data, message) in failing.items():
        rc, _, err = render([values_file("fail.yaml", data)])
        r.check(rc != 0 and message in err, f"rendering fails with a clear message for {what}", err.strip()[:200])

    # ---- agreement with deploy/kubernetes/base and deploy/monitoring ---------------------------
    rc, base, err = dl.kustomize(dl.BASE_DIR)
    if r.check(rc == 0, "kubectl kustomize deploy/kubernetes/base", err.strip()):
        a, b = dl.normalize(base, hashed_configmaps=True), dl.normalize(default_docs)
        r.check(sorted(a) == sorted(b), "base and chart defaults have the same objects", f"{sorted(a)} vs {sorted(b)}")
        differences = [f"{k[0]}/{k[1]}{line}" for k in sorted(set(a) & set(b)) for line in dl.diff(a[k], b[k])]
        r.check(not differences, "base and chart defaults agree (labels, probes, securityContext, resources, volumes, config)",
                "\n       ".join(differences[:20]))
    rc, monitoring, err = dl.kustomize(dl.MONITORING_DIR)
    toggles = values_file("monitoring.yaml", {"prometheusRule": {"enabled": True}, "dashboard": {"enabled": True}})
    rc2, mon_docs, err2 = render([toggles])
    if r.check(rc == 0 and rc2 == 0, "deploy/monitoring and the chart's monitoring objects render", (err + err2).strip()):
        a = dl.normalize(monitoring)
        b = {k: v for k, v in dl.normalize(mon_docs).items() if k[0] == "PrometheusRule" or k[1].endswith("-dashboard")}
        r.check(sorted(a) == sorted(b), "deploy/monitoring and the chart's toggles give the same objects", f"{sorted(a)} vs {sorted(b)}")
        differences = [f"{k[0]}/{k[1]}{line}" for k in sorted(set(a) & set(b)) for line in dl.diff(a[k], b[k])]
        r.check(not differences, "deploy/monitoring and the chart's PrometheusRule and dashboard agree", "\n       ".join(differences[:20]))
    for f in ("alerts.yaml", "grafana-dashboard.json"):
        with open(os.path.join(dl.MONITORING_DIR, f), "rb") as x, open(os.path.join(dl.CHART_DIR, "files", f), "rb") as y:
            r.check(x.read() == y.read(), f"helm/ats-connector/files/{f} is a copy of deploy/monitoring/{f}",
                    f"cp deploy/monitoring/{f} helm/ats-connector/files/{f}")

    # ---- values.yaml documents every option ----------------------------------------------------
    with open(os.path.join(dl.CHART_DIR, "values.yaml")) as fh:
        lines = fh.read().splitlines()
    structured = {"config", "resources", "podSecurityContext", "securityContext", "livenessProbe", "readinessProbe"}
    undocumented, section = [], None
    for i, line in enumerate(lines):
        m = dl.re.match(r"^( {0,2})([A-Za-z][\w.-]*):", line)
        if not m:
            continue
        indent, key = len(m.group(1)), m.group(2)
        if indent == 0:
            section = key
        elif section in structured:
            continue
        prev = next((lines[j].strip() for j in range(i - 1, -1, -1) if lines[j].strip()), "")
        nxt = lines[i + 1].strip() if i + 1 < len(lines) else ""
        if not prev.startswith("#") and not nxt.startswith("#"):
            undocumented.append(f"{section}.{key}" if indent else key)
    r.check(not undocumented, "values.yaml: a comment documents every option", ", ".join(undocumented))
    defaults = yaml.safe_load("\n".join(lines))
    schema_keys = set(schema["properties"]) - {"global"}  # Helm's own, for parent charts
    r.check(set(defaults) == schema_keys, "values.yaml and values.schema.json know the same top-level keys",
            str(set(defaults) ^ schema_keys))

    # ---- the rendered configs are valid for this binary ----------------------------------------
    for name, docs in (("defaults", default_docs), ("full", full_docs)):
        cfg, _ = dl.connector_config(docs, dl.one(docs, "StatefulSet") or {})
        if not r.check(bool(binary) and os.access(binary, os.X_OK), f"chart {name}: connector binary available", binary):
            continue
        sub = os.path.join(work, f"validate-{name}")
        os.makedirs(sub)
        p = dl.validate_config_with_binary(binary, cfg, sub)
        r.check(p.returncode == 0, f"chart {name}: ats-connector validate accepts the rendered connector.yaml", (p.stdout + p.stderr).strip())
finally:
    dl.shutil.rmtree(work, ignore_errors=True)
r.finish()
