#!/usr/bin/env python3
"""Reads the results benchmarks/run.sh wrote (Google Benchmark JSON per executable, the Python
reference's JSON) and prints every micro figure and the ratios the performance issue sets
targets for, as Markdown; writes them to RESULTS/ratios.json and RESULTS/summary.md. Exits 1
when a benchmark failed (SkipWithError: a wrong result, no embedded Kafka, ...).

    ratios.py [RESULTS_DIR=benchmarks/results]
"""
import json
import pathlib
import re
import sys


ERRORS = []  # "executable: benchmark: message" of every benchmark that skipped with an error


def load_gbench(results):
    """{executable: {benchmark name: entry}}; the median when repetitions were run."""
    out = {}
    for path in sorted(results.glob("*_benchmark.json")):
        try:
            doc = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError) as e:
            print(f"ratios.py: skipping {path}: {e}", file=sys.stderr)
            continue
        runs, medians = {}, {}
        for b in doc.get("benchmarks", []):
            if b.get("error_occurred"):
                ERRORS.append(f"{path.stem}: {b.get('name')}: {b.get('error_message', '?')}")
                continue
            name = re.sub(r"/real_time$", "", b.get("run_name", b["name"]))
            if b.get("run_type") == "aggregate":
                if b.get("aggregate_name") == "median":
                    medians[name] = b
            else:
                runs.setdefault(name, b)
        runs.update(medians)
        out[path.stem] = runs
    return out


def rate(entry, key):
    return entry.get(key) if entry else None


def ratio(a, b):
    return a / b if a and b else None


def main():
    results = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "benchmarks/results")
    g = load_gbench(results)
    lines = ["| executable | benchmark | records/s | MB/s |", "|---|---|---|---|"]
    for exe, runs in g.items():
        for name, e in runs.items():
            items, nbytes = e.get("items_per_second"), e.get("bytes_per_second")
            lines.append(f"| {exe} | {name} | {items:,.0f} | {nbytes / 1e6:,.1f} |" if items and nbytes
                         else f"| {exe} | {name} | {items or '-'} | {nbytes or '-'} |")

    ratios = []

    def add(what, num, den, key, target=None):
        r = ratio(rate(num, key), rate(den, key))
        ratios.append({"ratio": what, "value": r, "target": target,
                       "met": (r >= target) if (r is not None and target is not None) else None})

    wp = g.get("workable_parse_benchmark", {})
    add("Workable ParsePage / simdjson DOM parse (bytes/s)", wp.get("BM_WorkableParsePage"),
        wp.get("BM_SimdjsonDomParse"), "bytes_per_second", 0.5)
    add("Workable ParsePage / simdjson On-Demand walk (bytes/s)", wp.get("BM_WorkableParsePage"),
        wp.get("BM_SimdjsonIterateOnly"), "bytes_per_second")
    pd = g.get("parse_diff_benchmark", {})
    add("ParsePage / simdjson DOM parse on the dumped tenant pages (bytes/s)", pd.get("BM_ParsePages"),
        pd.get("BM_SimdjsonDomParsePages"), "bytes_per_second", 0.5)
    rs = g.get("raas_stream_benchmark", {})
    add("RaasStream / simdjson DOM parse (bytes/s)", rs.get("BM_RaasStream"), rs.get("BM_SimdjsonDomParse"),
        "bytes_per_second", 0.5)
    nh = g.get("normalise_hash_benchmark", {})
    add("SerializeFields+ContentHash / memcpy (bytes/s)", nh.get("BM_SerializeFieldsAndHash"), nh.get("BM_Memcpy"),
        "bytes_per_second")
    ev = g.get("event_serialise_benchmark", {})
    add("CandidateChanged created / memcpy (bytes/s)", ev.get("BM_CandidateChangedCreated"),
        ev.get("BM_MemcpyEventBytes"), "bytes_per_second")
    kp = g.get("kafka_publisher_benchmark", {})
    for name in kp:
        m = re.fullmatch(r"BM_Publisher/(\d+)", name)
        if m:
            add(f"Publisher / raw librdkafka, batch {m.group(1)} (events/s)", kp[name],
                kp.get(f"BM_RawLibrdkafka/{m.group(1)}"), "items_per_second", 0.7)
            add(f"Publisher / raw librdkafka waiting with poll, batch {m.group(1)} (events/s)", kp[name],
                kp.get(f"BM_RawLibrdkafkaPollWait/{m.group(1)}"), "items_per_second")
        m = re.fullmatch(r"BM_PublisherPipelined/(\d+)", name)
        if m:
            add(f"Publisher pipelined (as the workers use it) / raw librdkafka, batch {m.group(1)} (events/s)",
                kp[name], kp.get(f"BM_RawLibrdkafka/{m.group(1)}"), "items_per_second", 0.7)

    py_path = results / "python_parse_diff.json"
    py = json.loads(py_path.read_text()) if py_path.exists() else None
    if py:
        for cxx, key in (("BM_ParseDiffBoth", "both"), ("BM_ParseDiffFirstSync", "first_sync"),
                         ("BM_ParseDiffResync", "resync")):
            e = pd.get(cxx)
            r = ratio(rate(e, "items_per_second"), py[key]["records_per_s"])
            same = e is not None and e.get("records") == py[key]["records"]
            ratios.append({"ratio": f"C++ {cxx} / Python reference {key} (records/s)", "value": r,
                           "target": None, "met": None, "same_records": same})
        lines.append(f"| reference/parse_diff.py | both passes | {py['records_per_s']:,.0f} | "
                     f"{py['bytes_per_s'] / 1e6:,.1f} |")

    lines += ["", "| ratio | value | target | met |", "|---|---|---|---|"]
    for r in ratios:
        v = f"{r['value']:.3f}" if r["value"] is not None else "n/a"
        t = f"≥ {r['target']}" if r["target"] is not None else ""
        met = {True: "yes", False: "**no**", None: ""}[r["met"]]
        if r.get("same_records") is False:
            met = "**record counts differ**"
        lines.append(f"| {r['ratio']} | {v} | {t} | {met} |")
    if ERRORS:
        lines += ["", "Benchmarks that failed (no figures):", ""] + [f"- {e}" for e in ERRORS]
    text = "\n".join(lines) + "\n"
    print(text)
    (results / "summary.md").write_text(text)
    (results / "ratios.json").write_text(json.dumps(ratios, indent=1) + "\n")
    return 1 if ERRORS else 0


if __name__ == "__main__":
    sys.exit(main())
