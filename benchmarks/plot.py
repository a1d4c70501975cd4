#!/usr/bin/env python3
"""Draws the figures of docs/performance.md from the result files in benchmarks/results:
  micro_throughput.png   every micro benchmark's MB/s, each stage beside its limits, and the
                         Python reference (Google Benchmark JSON: *_benchmark.json;
                         python_parse_diff.json)
  kafka_publisher.png    events/s vs batch size, runtime::Publisher vs raw librdkafka
  e2e_throughput.png     records/s vs size (tenant size / report rows), one line per scenario
  e2e_rss.png            peak RSS vs size, one line per scenario
The e2e figures read e2e_*.json: one JSON object per line (or a JSON array) of
{"name", "size", "records_per_s", "peak_rss_mib", "cpu_s_per_million"}; they are skipped when
there are none.

    plot.py [RESULTS_DIR=benchmarks/results] [OUT_DIR=docs/img]
Needs python3-matplotlib (scripts/install-deps.sh); no display needed (Agg backend).
"""
import json
import pathlib
import re
import sys

import matplotlib

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from ratios import load_gbench  # noqa: E402  (the one reader of the Google Benchmark JSON)

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

LIMIT = re.compile(r"Simdjson|Memcpy|HashOnly|RawLibrdkafka")


def gbench(results):
    """Google Benchmark results by executable without the _benchmark suffix (ratios.load_gbench)."""
    return {name.replace("_benchmark", ""): runs for name, runs in load_gbench(results).items()}


def e2e_rows(results):
    rows = []
    for path in sorted(results.glob("e2e_*.json")):
        text = path.read_text().strip()
        if not text:
            continue
        try:
            doc = json.loads(text)
            rows.extend(doc if isinstance(doc, list) else [doc])
        except json.JSONDecodeError:
            for line in text.splitlines():
                line = line.strip()
                if line:
                    try:
                        rows.append(json.loads(line))
                    except json.JSONDecodeError:
                        print(f"plot.py: {path}: skipping a line that is not JSON", file=sys.stderr)
    return [r for r in rows if isinstance(r, dict) and "size" in r and "name" in r]


def micro(g, py, out):
    labels, values, colors = [], [], []
    for exe, runs in g.items():
        if exe == "kafka_publisher":
            continue
        for name, e in runs.items():
            if not e.get("bytes_per_second"):
                continue
            labels.append(f"{exe}: {name.removeprefix('BM_')}")
            values.append(e["bytes_per_second"] / 1e6)
            colors.append("#bbbbbb" if LIMIT.search(name) else "#1f77b4")
    if py:
        labels.append("Python reference: parse + diff (both passes)")
        values.append(py["bytes_per_s"] / 1e6)
        colors.append("#d62728")
    if not values:
        return None
    fig, ax = plt.subplots(figsize=(10, 0.32 * len(values) + 1.5))
    y = range(len(values))
    ax.barh(list(y), values, color=colors)
    ax.set_yticks(list(y), labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("MB/s (log scale); blue: connector stage, grey: its limits, red: Python")
    ax.set_title("Micro benchmarks: throughput of each stage on the same bytes as its limits")
    for i, v in enumerate(values):
        ax.text(v, i, f" {v:,.0f}", va="center", fontsize=7)
    fig.tight_layout()
    path = out / "micro_throughput.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def kafka(g, out):
    runs = g.get("kafka_publisher", {})
    series = {}
    for name, e in runs.items():
        m = re.fullmatch(r"BM_(\w+)/(\d+)", name)
        if m and e.get("items_per_second"):
            series.setdefault(m.group(1), []).append((int(m.group(2)), e["items_per_second"]))
    if not series:
        return None
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for label, pts in sorted(series.items()):
        pts.sort()
        ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o",
                label={"Publisher": "runtime::Publisher::PublishAndAwait",
                       "RawLibrdkafka": "raw rd_kafka_producev + flush",
                       "RawLibrdkafkaPollWait": "raw rd_kafka_producev + poll until reported"}.get(label, label))
    ax.set_xscale("log")
    ax.set_yscale("log")  # small batches are 100 x slower: both ends readable
    ax.set_xlabel("events per batch (each batch waits for acks=all)")
    ax.set_ylabel("events/s (log scale)")
    ax.set_title("Publishing ~1 KB candidate-changed events to the embedded Kafka")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    path = out / "kafka_publisher.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def e2e(rows, out, key, ylabel, title, filename):
    series = {}
    for r in rows:
        if r.get(key) is not None:
            series.setdefault(r["name"], []).append((float(r["size"]), float(r[key])))
    if not series:
        return None
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name, pts in sorted(series.items()):
        pts.sort()
        ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=name)
    ax.set_xscale("log")
    ax.set_xlabel("size (candidates in the tenant / rows in the report)")
    ax.set_ylabel(ylabel)
    ax.set_ylim(bottom=0)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    path = out / filename
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def main():
    results = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "benchmarks/results")
    out = pathlib.Path(sys.argv[2] if len(sys.argv) > 2 else "docs/img")
    out.mkdir(parents=True, exist_ok=True)
    g = gbench(results)
    py_path = results / "python_parse_diff.json"
    py = json.loads(py_path.read_text()) if py_path.exists() else None
    # Full syncs only: how throughput, memory and CPU per record grow with the tenant or report.
    rows = [r for r in e2e_rows(results) if r["name"] in ("workable", "workday")]
    written = [micro(g, py, out), kafka(g, out),
               e2e(rows, out, "records_per_s", "records/s", "End to end: throughput vs size", "e2e_throughput.png"),
               e2e(rows, out, "peak_rss_mib", "peak RSS (MiB)", "End to end: peak RSS vs size", "e2e_rss.png"),
               e2e(rows, out, "cpu_s_per_million", "connector CPU s per million records",
                   "End to end: CPU cost per record vs size", "e2e_cpu.png")]
    for p in written:
        if p:
            print(f"plot.py: wrote {p}")
    if not rows:
        print("plot.py: no e2e_*.json results; e2e figures not drawn")


if __name__ == "__main__":
    main()
