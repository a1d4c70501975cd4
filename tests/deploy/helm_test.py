#!/usr/bin/env python3
"""helm/ats-connector with the real helm (built by scripts/install-test-tools.sh, version pinned
in scripts/test-tools.versions): `helm lint --strict` passes for the defaults and
ci/full-values.yaml (and fails for a chart with a deprecated API or a broken template);
`helm template` renders both and the output passes the structural checks; helm rejects values
that break values.schema.json with its schema error; the templates' own checks fail bad values;
NOTES.txt renders; cluster mode renders N replicas with the config's cluster section, anti-affinity
and a PodDisruptionBudget (and several replicas without it fail); and the chart agrees with
deploy/kubernetes/base, overlays/cluster and deploy/monitoring."""
import json
import os
import shutil
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


def chart_copy(name, edit):
    """A copy of the chart under work/, changed by edit(dir)."""
    d = os.path.join(work, name, "ats-connector")
    shutil.copytree(dl.CHART_DIR, d)
    edit(d)
    return d


def write(path, text):
    with open(path, "w") as fh:
        fh.write(text)


try:
    hb = dl.helm_bin()
    want = dl.tool_versions()["HELM_VERSION"]
    if not r.check(os.access(hb, os.X_OK), f"helm {want} installed (scripts/install-test-tools.sh)", hb):
        r.finish()
    p = dl.helm("version", "--template", "{{.Version}} {{.GoVersion}}")
    r.check(p.returncode == 0 and p.stdout.split()[:1] == [want], f"helm version is the pinned {want}", (p.stdout + p.stderr).strip())
    # The Kubernetes version helm assumes (`helm template` has no cluster to ask): the one of its
    # client-go, set by the installer as Helm's Makefile does; otherwise helm says v1.20.0 and the
    # chart's kubeVersion (>=1.21) refuses to render.
    kube = dl.tool_versions()["KUBERNETES_SCHEMA_VERSION"]
    probe = chart_copy("probe", lambda d: write(os.path.join(d, "templates", "probe.yaml"),
                                                "# {{ .Capabilities.KubeVersion.Version }}\n"))
    rc, out, err = dl.helm_template(chart=probe)
    r.check(rc == 0 and f"# {kube}" in out, f"helm assumes Kubernetes {kube} (the version of the schemas)",
            err.strip() or [line for line in out.splitlines() if line.startswith("# v")][:1])

    # ---- helm lint --strict ----------------------------------------------------------------------
    lint_cluster = values_file("lint-cluster.yaml", {"replicaCount": 3, "cluster": {"enabled": True}})
    for name, files in (("defaults", []), ("ci/full-values.yaml", [FULL]), ("cluster mode", [lint_cluster])):
        p = dl.helm("lint", "--strict", dl.CHART_DIR, *[a for f in files for a in ("-f", f)])
        r.check(p.returncode == 0 and "0 chart(s) failed" in p.stdout, f"helm lint --strict passes with {name}",
                (p.stdout + p.stderr).strip()[-400:])
    # --strict turns warnings into failures: a deprecated API is a warning.
    deprecated = chart_copy("deprecated", lambda d: write(os.path.join(d, "templates", "legacy.yaml"),
        "apiVersion: policy/v1beta1\nkind: PodDisruptionBudget\nmetadata:\n  name: legacy\n"
        "spec:\n  maxUnavailable: 1\n  selector:\n    matchLabels: {app: legacy}\n"))
    plain, strict = dl.helm("lint", deprecated), dl.helm("lint", "--strict", deprecated)
    r.check(plain.returncode == 0 and "[WARNING]" in plain.stdout and "policy/v1beta1" in plain.stdout and strict.returncode != 0,
            "helm lint warns of a deprecated API (policy/v1beta1 PodDisruptionBudget) and --strict fails it",
            (plain.stdout + strict.stdout + strict.stderr).strip()[-400:])
    broken = chart_copy("broken", lambda d: write(os.path.join(d, "templates", "broken.yaml"), "{{ if .Values.image }}\nx: 1\n"))
    p = dl.helm("lint", "--strict", broken)
    r.check(p.returncode != 0 and "[ERROR]" in p.stdout and "broken.yaml" in p.stdout,
            "helm lint fails a chart with a broken template", (p.stdout + p.stderr).strip()[-300:])

    # ---- helm template: defaults and the full example ---------------------------------------------
    rc, default_docs, err = render()
    r.check(rc == 0, "helm template renders the default values", err.strip())
    dl.check_objects(r, default_docs, "chart defaults")
    rc, full_docs, err = render([FULL], release="ats", namespace="ats")
    r.check(rc == 0, "helm template renders ci/full-values.yaml", err.strip())
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

    # ---- cluster mode ----------------------------------------------------------------------------
    cluster_values = values_file("cluster.yaml", {"replicaCount": 3, "cluster": {"enabled": True}})
    rc, cluster_docs, err = render([cluster_values])
    r.check(rc == 0, "helm template renders replicaCount 3 with cluster.enabled", err.strip())
    dl.check_objects(r, cluster_docs, "chart cluster")
    css = dl.one(cluster_docs, "StatefulSet") or {}
    ccfg, _ = dl.connector_config(cluster_docs, css)
    r.check(dl.get(css, "spec", "replicas") == 3 and dl.get(css, "spec", "podManagementPolicy") == "Parallel",
            "cluster: 3 replicas started in parallel", str(dl.get(css, "spec")))
    want_cluster = {"mode": "kafka", "group_id": "ats-connector", "state_topic": "ats.connector.state",
                    "connections_topic": "ats.connector.connections", "state_partitions": 12, "replication_factor": 3,
                    "min_insync_replicas": 2, "create_topics": True, "delivery": "exactly_once", "session_timeout_s": 10,
                    "commit_interval_ms": 100}
    r.check(isinstance(ccfg, dict) and ccfg.get("cluster") == want_cluster,
            "cluster: connector.yaml has the cluster section (mode kafka, the cluster.* values)", str(ccfg and ccfg.get("cluster")))
    anti = dl.get(css, "spec", "template", "spec", "affinity", "podAntiAffinity", default={}) or {}
    pref = anti.get("preferredDuringSchedulingIgnoredDuringExecution") or []
    r.check(len(pref) == 1 and dl.get(pref[0], "podAffinityTerm", "topologyKey") == "kubernetes.io/hostname"
            and "requiredDuringSchedulingIgnoredDuringExecution" not in anti,
            "cluster: preferred podAntiAffinity by hostname (the default)", str(anti))
    r.check(dl.get(dl.one(cluster_docs, "PodDisruptionBudget") or {}, "spec", "maxUnavailable") == 1,
            "cluster: PodDisruptionBudget maxUnavailable 1")
    r.check(dl.get(dl.one(default_docs, "StatefulSet") or {}, "spec", "podManagementPolicy") == "OrderedReady"
            and "cluster" not in (dl.connector_config(default_docs, dl.one(default_docs, "StatefulSet") or {})[0] or {}),
            "defaults: single mode (OrderedReady, no cluster section)")
    required = values_file("cluster-required.yaml", {"replicaCount": 3, "cluster": {"enabled": True},
                                                     "podAntiAffinity": {"type": "required", "topologyKey": "topology.kubernetes.io/zone"}})
    rc, req_docs, err = render([required])
    req = dl.get(dl.one(req_docs, "StatefulSet") or {}, "spec", "template", "spec", "affinity", "podAntiAffinity",
                 "requiredDuringSchedulingIgnoredDuringExecution", default=[]) or []
    r.check(rc == 0 and len(req) == 1 and req[0].get("topologyKey") == "topology.kubernetes.io/zone",
            "cluster: podAntiAffinity.type required, by zone", err.strip() or str(req))
    dl.check_objects(r, req_docs, "chart cluster, required anti-affinity")
    none = values_file("cluster-none.yaml", {"replicaCount": 2, "cluster": {"enabled": True}, "podAntiAffinity": {"type": "none"}})
    rc, none_docs, err = render([none])
    r.check(rc == 0 and not dl.get(dl.one(none_docs, "StatefulSet") or {}, "spec", "template", "spec", "affinity"),
            "cluster: podAntiAffinity.type none renders no affinity", err.strip())
    for what, data, message in (
        ("replicaCount 2 without cluster.enabled", {"replicaCount": 2}, "cluster.enabled"),
        ("cluster mode on the embedded broker", {"cluster": {"enabled": True}, "config": {"kafka": {"bootstrap_servers": "embedded"}}},
         "cluster.enabled needs a real Kafka cluster"),
        ("a cluster section in config as well", {"cluster": {"enabled": True}, "config": {"cluster": {"mode": "kafka"}}},
         "config.cluster is set"),
    ):
        rc, _, err = dl.helm_template(values_files=[values_file("cluster-fail.yaml", data)])
        r.check(rc != 0 and message in err, f"helm template fails with a clear message for {what}", f"rc={rc} " + err.strip()[:300])
    rc, _, err = dl.helm_template(values_files=[values_file("cluster-fail.yaml", {"replicaCount": 2})])
    r.check("single-writer snapshot cannot be shared" in err, "replicaCount 2 alone: the message says why (a single-writer snapshot)", err.strip()[:300])
    rc, cl_over, err = dl.kustomize(dl.CLUSTER_OVERLAY_DIR)
    if r.check(rc == 0, "kubectl kustomize deploy/kubernetes/overlays/cluster", err.strip()):
        a, b = dl.normalize(cl_over, hashed_configmaps=True), dl.normalize(cluster_docs)
        differences = [f"{k[0]}/{k[1]}{line}" for k in sorted(set(a) & set(b)) for line in dl.diff(a[k], b[k])]
        r.check(sorted(a) == sorted(b) and not differences,
                "overlays/cluster and the chart with replicaCount 3 + cluster.enabled agree", "\n       ".join(differences[:20]) or f"{sorted(a)} vs {sorted(b)}")

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
    rc, notes, err = dl.helm_notes("ats-connector", "ats")
    r.check(rc == 0 and "statefulset/ats-connector" in notes and "create secret generic ats-connector-credentials" in notes
            and "acme-workable" in notes, "NOTES.txt renders (status commands, the Secret to create)", err.strip() or notes[:200])
    rc, notes, err = dl.helm_notes("ats", "ats", [FULL])
    r.check(rc == 0 and "create secret" not in notes and "globex-workable" in notes,
            "NOTES.txt with an existingSecret does not ask for one", err.strip())
    rc, notes, err = dl.helm_notes("ats-connector", "ats")
    r.check(rc == 0 and "Mode: single" in notes, "NOTES.txt names the mode (single by default)", err.strip() or notes[:300])
    rc, notes, err = dl.helm_notes("ats-connector", "ats", [cluster_values])
    r.check(rc == 0 and "Mode: cluster (kafka). 3 replica(s)" in notes and "ats.connector.state" in notes
            and "docs/operations.md#cluster-mode" in notes, "NOTES.txt in cluster mode: replicas, topics, the ACLs to grant",
            err.strip() or notes[:300])

    # ---- values.schema.json --------------------------------------------------------------------
    with open(os.path.join(dl.CHART_DIR, "values.schema.json")) as fh:
        schema = json.load(fh)
    try:
        jsonschema.Draft7Validator.check_schema(schema)
        r.check(True, "values.schema.json is a valid draft-07 schema")
    except jsonschema.SchemaError as e:
        r.check(False, "values.schema.json is a valid draft-07 schema", str(e).splitlines()[0])
    # helm validates the merged values against values.schema.json before it renders (template,
    # install, lint): the defaults and the full example pass above; each of these must be refused
    # with helm's schema error naming the offending value.
    schema_error = "values don't meet the specifications of the schema"
    bad_values = {
        "a literal env value": ({"env": [{"name": "KAFKA_PASSWORD", "value": "hunter2"}]}, "/env/0"),
        "a misspelt top-level key": ({"serviceMonitr": {"enabled": False}}, "serviceMonitr"),
        "a writable root filesystem": ({"securityContext": {"readOnlyRootFilesystem": False}}, "/securityContext/readOnlyRootFilesystem"),
        "a grace period as a string": ({"terminationGracePeriodSeconds": "30"}, "/terminationGracePeriodSeconds"),
        "no connection": ({"config": {"connections": []}}, "/config/connections"),
        "a snapshot outside the volume": ({"config": {"snapshot": {"path": "/data/snapshot"}}}, "/config/snapshot/path"),
        "a secret mount outside /var/run/secrets": ({"secretMountPath": "/etc/secrets"}, "/secretMountPath"),
        "an unknown pull policy": ({"image": {"pullPolicy": "Sometimes"}}, "/image/pullPolicy"),
        "replicaCount 0": ({"replicaCount": 0}, "/replicaCount"),
        "a misspelt cluster key": ({"cluster": {"enabled": True, "state_partition": 12}}, "state_partition"),
        "an unknown cluster.delivery": ({"cluster": {"delivery": "exactly_twice"}}, "/cluster/delivery"),
        "an unknown podAntiAffinity.type": ({"podAntiAffinity": {"type": "soft"}}, "/podAntiAffinity/type"),
    }
    for what, (data, where) in bad_values.items():
        bad = values_file("bad.yaml", data)
        rc, _, err = dl.helm_template(values_files=[bad])
        r.check(rc != 0 and schema_error in err and where in err, f"helm template refuses {what} (schema error at {where})",
                f"rc={rc} " + err.strip()[:300])
    # helm lint reports the same through its values rule.
    p = dl.helm("lint", "--strict", dl.CHART_DIR, "-f", values_file("bad.yaml", bad_values["a literal env value"][0]))
    r.check(p.returncode != 0 and schema_error in p.stdout + p.stderr and "/env/0" in p.stdout,
            "helm lint --strict refuses values that break the schema", (p.stdout + p.stderr).strip()[-300:])

    # ---- the templates' own checks -------------------------------------------------------------
    failing = {
        "grace period not above shutdown_grace_s": ({"terminationGracePeriodSeconds": 25}, "must exceed config.shutdown_grace_s"),
        "http.listen on another port": ({"config": {"http": {"listen": "0.0.0.0:9000"}}}, "must use service.port"),
        "snapshot.path outside the volume": ({"config": {"snapshot": {"path": "/tmp/snapshot"}}}, "must lie under /var/lib/ats-connector/"),
        "no connections": ({"config": {"connections": []}}, "at least one connection"),
        "no kafka brokers": ({"config": {"kafka": {"bootstrap_servers": ""}}}, "config.kafka.bootstrap_servers is required"),
    }
    # values.schema.json refuses most of these first; the templates' checks are the guard left
    # for `--skip-schema-validation` (or a parent chart's values), so test them without it.
    for what, (data, message) in failing.items():
        rc, _, err = dl.helm_template(values_files=[values_file("fail.yaml", data)], extra=["--skip-schema-validation"])
        r.check(rc != 0 and message in err, f"helm template --skip-schema-validation fails with a clear message for {what}",
                err.strip()[:200])

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
    for name, docs in (("defaults", default_docs), ("full", full_docs), ("cluster", cluster_docs)):
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
