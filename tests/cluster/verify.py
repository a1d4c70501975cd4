#!/usr/bin/env python3
"""Compares what a read_committed consumer read (tests/kafka/consumer-check Dump: one JSON line
per record) with the simulated fleet's ground truth (ats-sim --workable-tenants N --truth-out,
--mutation-log) and prints one JSON summary line. Exit 0 when nothing is wrong, 1 otherwise.

  verify.py --truth T.json --dump D.jsonl [--mutation-log M.log] [--tenants N]
            [--delivery exactly_once|at_least_once]

What counts (docs/guarantees.md, "The checks behind 'no lost change'" and "Cluster mode"):
  lost            a candidate of a published job whose last event (partition order) does not
                  carry its final stage_kind, disqualified and updated_at; one with no `created`
                  event; a published job with no job-imported event
  duplicates      a ce_id read twice (allowed only with --delivery at_least_once, as replays)
  same_change     two events of one candidate carrying the same change (change, updated_at,
                  stage_kind, disqualified) under different ce_ids: never allowed
  id_collisions   one ce_id naming two different events
  order           within a key, in partition order, source_updated_at going back
  excess_changes  a candidate with more distinct changes than the tenant applied to it, plus one
                  for its creation (a doubled change that escaped the other checks)
  phantoms        an event carrying an updated_at the tenant never gave the candidate (its
                  mutation log): a zombie's or a replay's made-up state
Only the first --tenants N tenants (the connections the connector ran) are checked.
"""
import argparse
import collections
import json
import sys

BASE_CLOCK = "2026-01-01T00:00:00Z"  # the simulated clock's start; generated data is older
CANDIDATE_TOPIC = "ats.candidate-changed.v1"
JOB_IMPORTED_TOPIC = "ats.job-imported.v1"


def load_truth(path, tenants):
    with open(path, encoding="utf-8") as f:
        truth = json.load(f)
    out = truth["tenants"]
    return out[:tenants] if tenants else out


def load_mutations(path):
    """(tenant, candidate id, updated_at) -> stage kind it moved to ("" for an addition)."""
    changes = {}
    if not path:
        return None
    with open(path, encoding="utf-8") as f:
        for line in f:
            _, clock, tenant, what = line.rstrip("\n").split(" ", 3)
            words = what.split()
            if words[0] == "moved":
                changes[(tenant, words[1], clock)] = words[3]
            elif words[:2] == ["added", "candidate"]:
                changes[(tenant, words[2], clock)] = ""
    return changes


def read_events(lines):
    """Parses Dump lines into events, sorted by (topic, partition, offset)."""
    events = []
    for n, line in enumerate(lines, 1):
        line = line.strip()
        if not line:
            continue
        rec = json.loads(line)
        if rec.get("value") is None:
            continue  # a tombstone (state topics)
        value = json.loads(rec["value"])
        events.append({
            "topic": rec["topic"], "partition": rec["partition"], "offset": rec["offset"],
            "timestamp": rec.get("timestamp", 0), "key": rec.get("key"),
            "ce_id": rec.get("headers", {}).get("ce_id"), "data": value, "line": n,
        })
    events.sort(key=lambda e: (e["topic"], e["partition"], e["offset"]))
    return events


def fingerprint(data):
    return json.dumps({k: v for k, v in data.items() if k != "detected_at"}, sort_keys=True)


def verify(truth_tenants, events, mutations=None, delivery="exactly_once"):
    wanted = {t["subdomain"] for t in truth_tenants}
    s = collections.Counter()
    problems = []

    def problem(kind, text):
        s[kind] += 1
        if len(problems) < 30:
            problems.append(f"{kind}: {text}")

    by_id = {}  # ce_id -> fingerprint
    ids_by_change = collections.defaultdict(set)  # (conn, cand, change identity) -> ce_ids
    latest = {}  # (conn, cand) -> last event's data
    created = set()
    last_time = {}  # key -> last source_updated_at
    imported = set()  # (conn, shortcode)
    changes_seen = collections.defaultdict(set)
    for e in events:
        d = e["data"]
        conn = d.get("connection")
        if conn not in wanted or e["topic"] not in (CANDIDATE_TOPIC, JOB_IMPORTED_TOPIC):
            continue
        s["events"] += 1
        fp = fingerprint(d)
        if e["ce_id"] in by_id:
            s["duplicates"] += 1
            if by_id[e["ce_id"]] != fp:
                problem("id_collisions", f"ce_id {e['ce_id']} names two different events")
            elif delivery == "exactly_once" and len(problems) < 30:
                problems.append(f"duplicates: ce_id {e['ce_id']} read twice "
                                f"({e['topic']}-{e['partition']}@{e['offset']})")
            continue  # a replay: the rest was counted with its first copy
        by_id[e["ce_id"]] = fp
        if e["topic"] == JOB_IMPORTED_TOPIC:
            imported.add((conn, d.get("job_id") or d.get("job", {}).get("shortcode")))
            continue
        cand = d["candidate_id"]
        c = d.get("candidate") or {}
        identity = (d["change"], c.get("updated_at"), c.get("stage_kind"), c.get("disqualified"))
        ids = ids_by_change[(conn, cand, identity)]
        ids.add(e["ce_id"])
        if len(ids) == 2:
            problem("same_change", f"{conn}/{cand} {identity} under two ce_ids: {sorted(ids)}")
        changes_seen[(conn, cand)].add(identity)
        latest[(conn, cand)] = d
        if d["change"] == "created":
            created.add((conn, cand))
        su = d.get("source_updated_at")
        if su:
            if su < last_time.get(e["key"], ""):
                problem("order", f"key {e['key']}: source_updated_at {last_time[e['key']]} -> {su} "
                        f"({e['topic']}-{e['partition']}@{e['offset']})")
            else:
                last_time[e["key"]] = su
        ua = c.get("updated_at") or ""
        if mutations is not None and ua > BASE_CLOCK and d["change"] != "deleted":
            kind = mutations.get((conn, cand, ua))
            if kind is None or (kind and kind != c.get("stage_kind")):
                problem("phantoms", f"{conn}/{cand}: {d['change']} at {ua} ({c.get('stage_kind')}) "
                        "is no change the tenant made")

    for t in truth_tenants:
        conn = t["subdomain"]
        published = {j["shortcode"] for j in t["jobs"] if j["state"] == "published"}
        for job in sorted(published):
            if (conn, job) not in imported:
                problem("lost", f"{conn}: published job {job} has no job-imported event")
        for c in t["candidates"]:
            if c["job_shortcode"] not in published:
                continue
            s["candidates_checked"] += 1
            key = (conn, c["id"])
            last = latest.get(key)
            if c["deleted"]:
                if last is not None and last["change"] != "deleted":
                    problem("lost", f"{conn}/{c['id']} was deleted; its last event is {last['change']}")
                continue
            if last is None:
                problem("lost", f"{conn}/{c['id']} ({c['stage_kind']} at {c['updated_at']}) has no event")
                continue
            if key not in created:
                problem("lost", f"{conn}/{c['id']} has no created event")
            lc = last.get("candidate") or {}
            if (last["change"] == "deleted" or lc.get("stage_kind") != c["stage_kind"]
                    or lc.get("disqualified") != c["disqualified"] or lc.get("updated_at") != c["updated_at"]):
                problem("lost", f"{conn}/{c['id']}: final {c['stage_kind']} at {c['updated_at']}, last event "
                        f"{last['change']} {lc.get('stage_kind')} at {lc.get('updated_at')}")
            limit = c.get("changes", 0) + 1
            if len(changes_seen[key]) > limit:
                problem("excess_changes", f"{conn}/{c['id']}: {len(changes_seen[key])} distinct changes, "
                        f"the tenant made {c.get('changes', 0)} (+1 creation)")

    failing = ["lost", "same_change", "id_collisions", "order", "excess_changes", "phantoms"]
    if delivery == "exactly_once":
        failing.append("duplicates")
    summary = {k: s[k] for k in ["events", "candidates_checked", "lost", "duplicates", "same_change",
                                 "id_collisions", "order", "excess_changes", "phantoms"]}
    summary["tenants"] = len(truth_tenants)
    summary["delivery"] = delivery
    summary["ok"] = s["candidates_checked"] > 0 and all(s[k] == 0 for k in failing)
    summary["problems"] = problems
    return summary


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--truth", required=True)
    p.add_argument("--dump", required=True)
    p.add_argument("--mutation-log")
    p.add_argument("--tenants", type=int, default=0, help="check only the first N tenants (0 = all)")
    p.add_argument("--delivery", choices=["exactly_once", "at_least_once"], default="exactly_once")
    a = p.parse_args(argv)
    with open(a.dump, encoding="utf-8") as f:
        events = read_events(f)
    summary = verify(load_truth(a.truth, a.tenants), events, load_mutations(a.mutation_log), a.delivery)
    print(json.dumps(summary, sort_keys=True))
    return 0 if summary["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
