#!/usr/bin/env python3
"""Validates consumed events against schemas/ with python3-jsonschema (an independent
validator: the connector's own code is not involved).

usage: validate_events.py SCHEMA_DIR EVENTS.tsv
EVENTS.tsv has one event per line: <ce_type>\t<JSON value>. The ce_type
com.ats-connector.<name>.v<N> selects SCHEMA_DIR/<name>.v<N>.schema.json.
Exit 0 when every event is valid; 1 with one line per problem otherwise.
"""
import json
import pathlib
import sys

import jsonschema


def main() -> int:
    schema_dir = pathlib.Path(sys.argv[1])
    validators = {}
    problems = []
    count = 0
    for lineno, line in enumerate(open(sys.argv[2], encoding="utf-8"), 1):
        line = line.rstrip("\n")
        if not line:
            continue
        count += 1
        ce_type, _, value = line.partition("\t")
        prefix = "com.ats-connector."
        if not ce_type.startswith(prefix):
            problems.append(f"event {lineno}: unexpected ce_type {ce_type!r}")
            continue
        name = ce_type[len(prefix):]
        if name not in validators:
            path = schema_dir / f"{name}.schema.json"
            if not path.exists():
                problems.append(f"event {lineno}: no schema {path.name} for ce_type {ce_type}")
                continue
            schema = json.loads(path.read_text(encoding="utf-8"))
            cls = jsonschema.validators.validator_for(schema)
            cls.check_schema(schema)
            validators[name] = cls(schema, format_checker=cls.FORMAT_CHECKER)
        try:
            doc = json.loads(value)
        except json.JSONDecodeError as e:
            problems.append(f"event {lineno} ({ce_type}): not JSON: {e}")
            continue
        for err in validators[name].iter_errors(doc):
            where = "/".join(str(p) for p in err.absolute_path) or "(root)"
            problems.append(f"event {lineno} ({ce_type}) at {where}: {err.message}")
    if count == 0:
        problems.append("no events to validate")
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
