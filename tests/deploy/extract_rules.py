#!/usr/bin/env python3
"""Prints the rule file inside a PrometheusRule (its spec): extract_rules.py alerts.yaml"""
import sys

import yaml

with open(sys.argv[1]) as fh:
    doc = yaml.safe_load(fh)
if doc.get("kind") != "PrometheusRule" or "groups" not in (doc.get("spec") or {}):
    sys.exit(f"{sys.argv[1]}: not a PrometheusRule with spec.groups")
yaml.safe_dump(doc["spec"], sys.stdout, sort_keys=False, width=1000)
