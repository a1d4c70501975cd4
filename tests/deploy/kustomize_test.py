#!/usr/bin/env python3
"""deploy/kubernetes: the base, the example and cluster overlays and deploy/monitoring build with
`kubectl kustomize` (the kustomize built into kubectl: v2.0.3 in Debian 12's
kubernetes-client 1.20, or a newer one if installed), every rendered object passes the
structural checks, the checks themselves catch broken manifests, and the shipped
connector configs pass `ats-connector validate`."""
import copy
import json
import os
import sys

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import deploylib as dl  # noqa: E402

r = dl.Reporter()
binary = os.environ.get("ATS_CONNECTOR_BIN", "")

p = dl.run(["kubectl", "version", "--client"]) if dl.shutil.which("kubectl") else None
r.check(p is not None and p.returncode == 0, "kubectl is installed", "scripts/install-deps.sh installs kubernetes-client")
if p is not None:
    print("     " + " ".join(p.stdout.split()[:8]))

rc, base, err = dl.kustomize(dl.BASE_DIR)
r.check(rc == 0, "kubectl kustomize deploy/kubernetes/base", err.strip())
rc, overlay, err = dl.kustomize(dl.OVERLAY_DIR)
r.check(rc == 0, "kubectl kustomize deploy/kubernetes/overlays/example", err.strip())
rc, monitoring, err = dl.kustomize(dl.MONITORING_DIR)
r.check(rc == 0, "kubectl kustomize deploy/monitoring", err.strip())
rc, cluster, err = dl.kustomize(dl.CLUSTER_OVERLAY_DIR)
r.check(rc == 0, "kubectl kustomize deploy/kubernetes/overlays/cluster", err.strip())

dl.check_objects(r, base, "base")
dl.check_objects(r, overlay, "overlay", expect_monitoring=True)
dl.check_objects(r, cluster, "cluster overlay")

# The overlay does what its header says.
r.check(all(d["metadata"].get("namespace") == "ats" for d in overlay), "overlay: every object in namespace ats")
ss = dl.one(overlay, "StatefulSet") or {}
r.check(dl.get(ss, "spec", "template", "spec", "containers", 0, "image") == "registry.example.com/platform/ats-connector:0.1.0",
        "overlay: pinned image")
r.check(dl.get(ss, "spec", "volumeClaimTemplates", 0, "spec", "storageClassName") == "standard-rwo", "overlay: storage class patched")
config, _ = dl.connector_config(overlay, ss)
r.check(isinstance(config, dict) and [c["id"] for c in config.get("connections", [])] == ["acme-workable", "globex-workable"],
        "overlay: its connector.yaml replaced the base's")
base_names = {(d["kind"], dl.HASHED.sub(r"\1", d["metadata"]["name"])) for d in base}
overlay_names = {(d["kind"], dl.HASHED.sub(r"\1", d["metadata"]["name"])) for d in overlay}
r.check(base_names <= overlay_names and {k for k, _ in overlay_names - base_names} == {"PrometheusRule", "ConfigMap"},
        "overlay: the base's objects plus deploy/monitoring's", str(overlay_names ^ base_names))

# The cluster overlay: the base's objects, 3 replicas in cluster mode (its own checks are in
# check_objects: Parallel, podAntiAffinity, PodDisruptionBudget).
css = dl.one(cluster, "StatefulSet") or {}
ccfg, _ = dl.connector_config(cluster, css)
r.check(dl.get(css, "spec", "replicas") == 3, "cluster overlay: 3 replicas", str(dl.get(css, "spec", "replicas")))
r.check(isinstance(ccfg, dict) and dl.get(ccfg, "cluster", "mode") == "kafka" and dl.get(ccfg, "cluster", "state_partitions") == 12
        and dl.get(ccfg, "cluster", "replication_factor") == 3 and dl.get(ccfg, "cluster", "min_insync_replicas") == 2,
        "cluster overlay: connector.yaml has cluster.mode kafka, 12 state partitions, RF 3, min.insync 2", str(dl.get(ccfg, "cluster")))
cluster_names = {(d["kind"], dl.HASHED.sub(r"\1", d["metadata"]["name"])) for d in cluster}
r.check(cluster_names == base_names, "cluster overlay: the base's objects", str(cluster_names ^ base_names))

# deploy/monitoring: the PrometheusRule is alerts.yaml, the dashboard ConfigMap holds the JSON.
_, alerts_doc = dl.alert_rules()
pr = dl.one(monitoring, "PrometheusRule")
r.check(pr is not None and pr.get("spec") == alerts_doc["spec"], "monitoring: PrometheusRule = deploy/monitoring/alerts.yaml")
with open(os.path.join(dl.MONITORING_DIR, "grafana-dashboard.json")) as fh:
    dashboard = json.load(fh)
cm = dl.one(monitoring, "ConfigMap") or {}
r.check(dl.labels_of(cm).get("grafana_dashboard") == "1"
        and json.loads(dl.get(cm, "data", "grafana-dashboard.json", default="null")) == dashboard,
        "monitoring: dashboard ConfigMap (grafana_dashboard: \"1\") = grafana-dashboard.json")

# The checks catch what they claim to: each broken copy of the base must fail at least one.
def mutated(fn, source=None):
    docs = copy.deepcopy(base if source is None else source)
    fn(docs)
    col = dl.Collector()
    dl.check_objects(col, docs, "mutant")
    return col.failures

def ctr(docs):
    return dl.one(docs, "StatefulSet")["spec"]["template"]["spec"]["containers"][0]

mutations = {
    "writable root filesystem": lambda d: ctr(d)["securityContext"].update(readOnlyRootFilesystem=False),
    "grace period 10 s": lambda d: dl.one(d, "StatefulSet")["spec"]["template"]["spec"].update(terminationGracePeriodSeconds=10),
    "no readiness probe": lambda d: ctr(d).pop("readinessProbe"),
    "liveness on /readyz": lambda d: ctr(d)["livenessProbe"]["httpGet"].update(path="/readyz"),
    "no PVC template": lambda d: dl.one(d, "StatefulSet")["spec"].pop("volumeClaimTemplates"),
    "password as a literal env value": lambda d: ctr(d).update(env=[{"name": "KAFKA_PASSWORD", "value": "hunter2"}]),
    "Service selects another instance": lambda d: dl.one(d, "Service")["spec"]["selector"].update({"app.kubernetes.io/instance": "other"}),
    "no DNS egress": lambda d: dl.one(d, "NetworkPolicy")["spec"]["egress"].pop(0),
    "egress to any port": lambda d: dl.one(d, "NetworkPolicy")["spec"]["egress"][2].pop("ports"),
    "no memory limit": lambda d: ctr(d)["resources"].pop("limits"),
    "runs as root": lambda d: dl.one(d, "StatefulSet")["spec"]["template"]["spec"]["securityContext"].update(runAsNonRoot=False, runAsUser=0),
    "boolean label value (YAML 1.1 'y')": lambda d: dl.one(d, "Service")["metadata"]["labels"].update(tier=True),
    "two replicas": lambda d: dl.one(d, "StatefulSet")["spec"].update(replicas=2),
    "snapshot outside the volume": lambda d: [cm["data"].update({"connector.yaml": cm["data"]["connector.yaml"].replace(
        "/var/lib/ats-connector/snapshot", "/data/snapshot")}) for cm in dl.by_kind(d, "ConfigMap")],
}
for what, fn in mutations.items():
    failures = mutated(fn)
    r.check(bool(failures), f"the checks reject a base with {what}", "no check failed")

def cpod(docs):
    return dl.one(docs, "StatefulSet")["spec"]["template"]["spec"]

cluster_mutations = {
    "no podAntiAffinity": lambda d: cpod(d).pop("affinity"),
    "an anti-affinity selecting other pods": lambda d: cpod(d)["affinity"]["podAntiAffinity"][
        "preferredDuringSchedulingIgnoredDuringExecution"][0]["podAffinityTerm"]["labelSelector"]["matchLabels"].update(
        {"app.kubernetes.io/instance": "other"}),
    "OrderedReady pod management": lambda d: dl.one(d, "StatefulSet")["spec"].update(podManagementPolicy="OrderedReady"),
    "no PodDisruptionBudget": lambda d: d.remove(dl.one(d, "PodDisruptionBudget")),
    "the cluster section dropped from its config (3 writers of one snapshot)": lambda d: [
        cm["data"].update({"connector.yaml": cm["data"]["connector.yaml"].split("\ncluster:")[0] + "\n"})
        for cm in dl.by_kind(d, "ConfigMap")],
}
for what, fn in cluster_mutations.items():
    failures = mutated(fn, cluster)
    r.check(bool(failures), f"the checks reject a cluster overlay with {what}", "no check failed")

# The shipped configs are valid for this binary.
for name, docs in (("base", base), ("overlay", overlay), ("cluster overlay", cluster)):
    cfg, _ = dl.connector_config(docs, dl.one(docs, "StatefulSet") or {})
    if not r.check(bool(binary) and os.access(binary, os.X_OK), f"{name}: connector binary available", binary):
        continue
    work = dl.temp_dir(f"ats-deploy-{name}-")
    try:
        p = dl.validate_config_with_binary(binary, cfg, work)
        r.check(p.returncode == 0, f"{name}: ats-connector validate accepts its connector.yaml", (p.stdout + p.stderr).strip())
    finally:
        dl.shutil.rmtree(work, ignore_errors=True)

r.finish()
