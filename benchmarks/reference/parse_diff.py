#!/usr/bin/env python3
"""Parse + diff of Workable candidate pages the way a user would write it in plain Python 3
(stdlib only): json.loads each page, keep the fields the connector keeps, canonical JSON,
SHA-256, compare with a dict snapshot. The C++ side of the comparison is parse_diff_benchmark
(the same three measures, on the same files); benchmarks/ratios.py prints the ratio.

    parse_diff.py PAGES_DIR [--repeat N]      (PAGES_DIR written by build/.../dump_pages)

Prints one JSON object: records_per_s and bytes_per_s of both passes from an empty snapshot
(the headline figure), and the same for the first sync and the re-sync alone.
"""
import argparse
import hashlib
import json
import pathlib
import platform
import sys
import time

# What WorkableSource keeps of a candidate (src/connectors/workable/workable_source.cpp):
# id, job.shortcode and job.title as job_shortcode/job_title, and these when present.
KEPT = ("name", "firstname", "lastname", "headline", "email", "phone", "stage", "stage_kind",
        "disqualified", "disqualification_reason", "withdrew", "hired_at", "sourced",
        "profile_url", "domain", "created_at", "updated_at")


def normalise(c):
    rec = {k: c[k] for k in KEPT if k in c}
    rec["id"] = c["id"]
    job = c["job"]
    rec["job_shortcode"] = job["shortcode"]
    if "title" in job:
        rec["job_title"] = job["title"]
    return rec


def sync(pages, snapshot, store):
    """One pass: returns (records, created, updated)."""
    records = created = updated = 0
    for body in pages:
        page = json.loads(body)
        for candidate in page["candidates"]:
            rec = normalise(candidate)
            records += 1
            canonical = json.dumps(rec, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
            digest = hashlib.sha256(canonical.encode()).digest()
            old = snapshot.get(rec["id"])
            if old is None:
                created += 1
            elif old[0] == digest:
                continue
            else:
                old_fields = old[1]
                changed = sorted(k for k in old_fields.keys() | rec.keys() if old_fields.get(k) != rec.get(k))
                if not changed:
                    continue
                updated += 1
            if store:
                snapshot[rec["id"]] = (digest, rec)
    return records, created, updated


def measure(fn, repeat):
    best = None
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    return best, result


def figures(seconds, records, nbytes):
    return {"seconds": seconds, "records": records, "bytes": nbytes,
            "records_per_s": records / seconds, "bytes_per_s": nbytes / seconds}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("pages_dir", type=pathlib.Path)
    ap.add_argument("--repeat", type=int, default=3, help="runs of each measure; the fastest counts")
    args = ap.parse_args()
    first = [p.read_bytes() for p in sorted((args.pages_dir / "first").glob("*.json"))]
    second = [p.read_bytes() for p in sorted((args.pages_dir / "second").glob("*.json"))]
    if not first or len(first) != len(second):
        sys.exit(f"parse_diff.py: no pages in {args.pages_dir}/first and /second")
    b1, b2 = sum(map(len, first)), sum(map(len, second))

    def both():
        snap = {}
        r1 = sync(first, snap, True)
        r2 = sync(second, snap, True)
        return r1, r2

    t_both, (r1, r2) = measure(both, args.repeat)
    if r1[1] != r1[0] or r2[2] == 0 or r2[1] != 0:
        sys.exit(f"parse_diff.py: unexpected diff result {r1} {r2}")
    t_first, _ = measure(lambda: sync(first, {}, True), args.repeat)
    base = {}
    sync(first, base, True)
    t_resync, r3 = measure(lambda: sync(second, base, False), args.repeat)

    out = {
        "name": "python_parse_diff",
        "python": platform.python_version(),
        "candidates": r1[0],
        "changed": r3[2],
        "both": figures(t_both, r1[0] + r2[0], b1 + b2),
        "first_sync": figures(t_first, r1[0], b1),
        "resync": figures(t_resync, r3[0], b2),
    }
    out["records_per_s"] = out["both"]["records_per_s"]
    out["bytes_per_s"] = out["both"]["bytes_per_s"]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
