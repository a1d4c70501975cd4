#!/usr/bin/env python3
"""Draws density.png for docs/performance.md: connector CPU (cores, average) and peak RSS (MiB)
against the number of connections, from the density-<connections>.json files that
benchmarks/density_scaling.sh writes (each one JSON object per line, e2e_density.sh's result;
the last line of a file is the run drawn).

    plot_density.py [RESULTS_DIR=benchmarks/results] [OUT_DIR=docs/img]
Needs python3-matplotlib (scripts/install-deps.sh); no display needed (Agg backend).
"""
import json
import pathlib
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def runs(results):
    rows = []
    for path in sorted(results.glob("density-*.json")):
        lines = [line for line in path.read_text().splitlines() if line.strip()]
        if not lines:
            continue
        try:
            rows.append(json.loads(lines[-1]))
        except json.JSONDecodeError:
            print(f"plot_density.py: {path}: last line is not JSON; skipped", file=sys.stderr)
    return sorted((r for r in rows if "connections" in r), key=lambda r: r["connections"])


def main():
    results = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "benchmarks/results")
    out = pathlib.Path(sys.argv[2] if len(sys.argv) > 2 else "docs/img")
    rows = runs(results)
    if not rows:
        print(f"plot_density.py: no density-*.json in {results}; nothing drawn")
        return 1
    out.mkdir(parents=True, exist_ok=True)
    x = [r["connections"] for r in rows]
    fig, (cpu, rss) = plt.subplots(1, 2, figsize=(11, 4.2))
    cpu.plot(x, [r["cpu_cores_avg"] for r in rows], marker="o")
    cpu.axhline(1.0, color="grey", linestyle="--", label="target: 1 core")
    cpu.set_ylabel("connector CPU (cores, average)")
    rss.plot(x, [r["peak_rss_mib"] for r in rows], marker="o", color="tab:orange")
    rss.axhline(1024, color="grey", linestyle="--", label="target: 1 GiB")
    rss.set_ylabel("connector peak RSS (MiB)")
    for ax, title in ((cpu, "CPU vs connections"), (rss, "Peak RSS vs connections")):
        ax.set_xlabel("Workable connections (one process)")
        ax.set_ylim(bottom=0)
        ax.set_title(title)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    path = out / "density.png"
    fig.savefig(path, dpi=110)
    print(f"plot_density.py: wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
