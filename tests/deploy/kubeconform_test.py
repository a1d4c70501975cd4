#!/usr/bin/env python3
"""Every manifest we ship, as rendered, validated against the Kubernetes API schemas with a real
validator: kubeconform (strict: unknown fields are errors) with the JSON schemas of Kubernetes
v1.37 (generated from its OpenAPI, shipped in the PyPI wheel kubernetes-validate); both pinned in
scripts/test-tools.versions and installed by scripts/install-test-tools.sh.

Rendered sets: `helm template` with the defaults, with ci/full-values.yaml, with the
credentials/monitoring toggles and in cluster mode; `kubectl kustomize` of the base, the example
and cluster overlays and deploy/monitoring. ServiceMonitor and PrometheusRule (Prometheus Operator CRDs, not in the
Kubernetes OpenAPI) are skipped, by name, and nothing else: an unknown kind is an error.
Broken copies of the rendered objects must be rejected, so each kind of error the validator is
trusted with is shown to fail. What the schemas do not hold (value ranges such as a port above
65535, admission policies) is the API server's, and not claimed here."""
import copy
import os
import sys

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import deploylib as dl  # noqa: E402

r = dl.Reporter()
versions = dl.tool_versions()
work = dl.temp_dir("ats-kubeconform-test-")

try:
    kc, sd = dl.kubeconform_bin(), dl.schema_dir()
    ok = r.check(os.access(kc, os.X_OK), f"kubeconform {versions['KUBECONFORM_VERSION']} installed (scripts/install-test-tools.sh)", kc)
    ok &= r.check(os.path.isfile(os.path.join(sd, "statefulset-apps-v1.json")),
                  f"Kubernetes {versions['KUBERNETES_SCHEMA_VERSION']} schemas from kubernetes-validate "
                  f"{versions['KUBERNETES_VALIDATE_VERSION']} installed", sd)
    ok &= r.check(os.access(dl.helm_bin(), os.X_OK), "helm installed", dl.helm_bin())
    if not ok:
        r.finish()
    p = dl.run([kc, "-v"])
    r.check(p.stdout.strip() == versions["KUBECONFORM_VERSION"], "kubeconform -v is the pinned version", p.stdout.strip())

    toggles = os.path.join(work, "toggles.yaml")
    with open(toggles, "w") as fh:
        yaml.safe_dump({"credentials": {"workable-token": "dummy"}, "prometheusRule": {"enabled": True},
                        "dashboard": {"enabled": True}}, fh)
    cluster = os.path.join(work, "cluster.yaml")
    with open(cluster, "w") as fh:
        yaml.safe_dump({"replicaCount": 3, "cluster": {"enabled": True},
                        "podAntiAffinity": {"type": "required", "topologyKey": "kubernetes.io/hostname"}}, fh)
    full = os.path.join(dl.CHART_DIR, "ci", "full-values.yaml")
    rendered = {}
    for name, (rc, text, err) in {
        "helm defaults": dl.helm_template(),
        "helm ci/full-values.yaml": dl.helm_template("ats", "ats", [full]),
        "helm with credentials, PrometheusRule and dashboard": dl.helm_template(values_files=[toggles]),
        "helm cluster mode (3 replicas, required anti-affinity)": dl.helm_template(values_files=[cluster]),
        "kustomize base": dl.kustomize(dl.BASE_DIR, text=True),
        "kustomize overlays/cluster": dl.kustomize(dl.CLUSTER_OVERLAY_DIR, text=True),
        "kustomize overlays/example": dl.kustomize(dl.OVERLAY_DIR, text=True),
        "kustomize deploy/monitoring": dl.kustomize(dl.MONITORING_DIR, text=True),
    }.items():
        if r.check(rc == 0 and text.strip(), f"{name}: renders", err.strip()[:300]):
            rendered[name] = text

    all_kinds, skipped = set(), set()
    for name, text in rendered.items():
        skipped |= set(dl.check_schemas(r, text, name))
        all_kinds |= {d["kind"] for d in dl.load_docs(text)}
    validated = sorted(all_kinds - set(dl.CRD_KINDS))
    r.check(skipped == set(dl.CRD_KINDS), f"only the CRD kinds {', '.join(dl.CRD_KINDS)} are skipped", str(sorted(skipped)))
    r.check({"StatefulSet", "Service", "ServiceAccount", "ConfigMap", "Secret", "NetworkPolicy", "PodDisruptionBudget"} <= set(validated),
            "every built-in kind we ship was validated: " + ", ".join(validated))

    # ---- broken manifests must be rejected -------------------------------------------------------
    base = dl.load_docs(rendered.get("helm defaults", "")) or [{}]

    def ss(docs):
        return dl.one(docs, "StatefulSet")

    def ctr(docs):
        return ss(docs)["spec"]["template"]["spec"]["containers"][0]

    broken = {
        "replicas as a string": lambda d: ss(d)["spec"].update(replicas="one"),
        "a misspelt field (readOnlyRootFilesytem)": lambda d: ctr(d)["securityContext"].update(readOnlyRootFilesytem=True),
        "a container without a name": lambda d: ctr(d).pop("name"),
        "a label value that is a number": lambda d: dl.one(d, "Service")["metadata"]["labels"].update(tier=1),
        "a probe port of the wrong type": lambda d: ctr(d)["livenessProbe"]["httpGet"].update(port=["http"]),
        "a Service port without a port": lambda d: dl.one(d, "Service")["spec"]["ports"][0].pop("port"),
        "env from a secret without a key": lambda d: ctr(d).update(env=[{"name": "X", "valueFrom": {"secretKeyRef": {"name": "s"}}}]),
        "a removed API (policy/v1beta1 PodDisruptionBudget)": lambda d: dl.one(d, "PodDisruptionBudget").update(apiVersion="policy/v1beta1"),
        "an unknown kind (Configmap)": lambda d: dl.by_kind(d, "ConfigMap")[0].update(kind="Configmap"),
    }
    for what, fn in broken.items():
        docs = copy.deepcopy(base)
        try:
            fn(docs)
        except (KeyError, IndexError, TypeError, AttributeError) as e:
            r.check(False, f"kubeconform rejects {what}", f"could not break the manifest: {e!r}")
            continue
        rc, results, err = dl.kubeconform(docs)
        bad = [x for x in results if x.get("status") in ("statusInvalid", "statusError")]
        r.check(rc != 0 and len(bad) == 1, f"kubeconform rejects {what}",
                f"rc={rc} " + ("; ".join(f"{x['kind']}: {x['status']} {x.get('msg', '')[-160:]}" for x in bad) or err.strip()[:200]))
        if bad:  # what kubeconform said, without the schema's file name
            msg = bad[0].get("msg", "")
            print(f"     {bad[0]['kind']}: {msg[msg.find(' - at ') + 3:] if ' - at ' in msg else msg}")
finally:
    dl.shutil.rmtree(work, ignore_errors=True)
r.finish()
