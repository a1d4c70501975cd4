#!/usr/bin/env python3
"""The cluster proof's verifier on synthetic input: a clean history passes, and each planted
fault (a duplicate, a loss, a reorder, a change under a second ce_id, a made-up state, a missing
creation, a missing job import) is caught and counted under its name. Run by ctest
(cli.cluster_verify) with no Kafka: it proves the checker can fail."""
import copy
import json
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import verify  # noqa: E402

T = "tenant-00001"


def truth():
    return [{
        "subdomain": T, "changes": 2,
        "jobs": [{"shortcode": "J1", "state": "published", "updated_at": "2025-01-01T00:00:00Z"},
                 {"shortcode": "J2", "state": "draft", "updated_at": "2025-01-01T00:00:00Z"}],
        "candidates": [
            {"id": "a1", "job_shortcode": "J1", "stage": "Interview", "stage_kind": "interview",
             "disqualified": False, "updated_at": "2026-01-01T00:00:02Z", "deleted": False, "changes": 2},
            {"id": "b2", "job_shortcode": "J1", "stage": "Applied", "stage_kind": "applied",
             "disqualified": False, "updated_at": "2025-06-01T00:00:00Z", "deleted": False, "changes": 0},
            {"id": "c3", "job_shortcode": "J2", "stage": "Applied", "stage_kind": "applied",
             "disqualified": False, "updated_at": "2025-06-01T00:00:00Z", "deleted": False, "changes": 0},
        ]}]


MUTATIONS = {(T, "a1", "2026-01-01T00:00:01Z"): "phone-screen", (T, "a1", "2026-01-01T00:00:02Z"): "interview"}


def candidate_event(offset, ce_id, cand, change, kind, updated_at, partition=0):
    data = {"connection": T, "source": "workable", "change": change, "candidate_id": cand, "job_id": "J1",
            "candidate": {"id": cand, "stage_kind": kind, "disqualified": False, "updated_at": updated_at},
            "source_updated_at": updated_at, "detected_at": f"2026-12-07T00:00:0{offset}.000Z"}
    return {"topic": verify.CANDIDATE_TOPIC, "partition": partition, "offset": offset,
            "key": f"{T}/{cand}", "headers": {"ce_id": ce_id}, "value": json.dumps(data)}


def clean():
    job = {"topic": verify.JOB_IMPORTED_TOPIC, "partition": 0, "offset": 0, "key": f"{T}/J1",
           "headers": {"ce_id": "j" * 32}, "value": json.dumps({"connection": T, "job_id": "J1"})}
    return [job,
            candidate_event(0, "1" * 32, "a1", "created", "applied", "2025-06-01T00:00:00Z"),
            candidate_event(1, "2" * 32, "b2", "created", "applied", "2025-06-01T00:00:00Z", partition=1),
            candidate_event(2, "3" * 32, "a1", "updated", "phone-screen", "2026-01-01T00:00:01Z"),
            candidate_event(3, "4" * 32, "a1", "updated", "interview", "2026-01-01T00:00:02Z")]


def run(records, delivery="exactly_once"):
    events = verify.read_events(json.dumps(r) for r in records)
    return verify.verify(truth(), events, MUTATIONS, delivery)


class VerifyTest(unittest.TestCase):
    def test_a_clean_history_passes(self):
        s = run(clean())
        self.assertTrue(s["ok"], s)
        self.assertEqual((s["events"], s["candidates_checked"]), (5, 2))  # c3's job is a draft

    def test_a_ce_id_read_twice_fails_exactly_once_and_is_a_replay_at_least_once(self):
        records = clean() + [dict(clean()[3], offset=9)]
        s = run(records)
        self.assertFalse(s["ok"])
        self.assertEqual(s["duplicates"], 1)
        s = run(records, "at_least_once")
        self.assertTrue(s["ok"], s)
        self.assertEqual(s["duplicates"], 1)

    def test_a_lost_last_change_fails(self):
        s = run(clean()[:-1])
        self.assertFalse(s["ok"])
        self.assertEqual(s["lost"], 1)
        self.assertIn("a1: final interview", " ".join(s["problems"]))

    def test_a_candidate_without_its_created_event_fails(self):
        records = [r for r in clean() if not (r["key"].endswith("/b2"))]
        self.assertEqual(run(records)["lost"], 1)
        records = clean()
        records[1] = candidate_event(0, "1" * 32, "a1", "updated", "applied", "2025-06-01T00:00:00Z")
        s = run(records)
        self.assertEqual(s["lost"], 1)
        self.assertIn("no created event", " ".join(s["problems"]))

    def test_a_missing_job_import_fails(self):
        s = run(clean()[1:])
        self.assertFalse(s["ok"])
        self.assertEqual(s["lost"], 1)

    def test_a_reorder_within_a_partition_fails(self):
        records = clean()
        records[3]["offset"], records[4]["offset"] = 4, 3  # the later change first
        s = run(records)
        self.assertFalse(s["ok"])
        self.assertEqual(s["order"], 1)
        self.assertGreaterEqual(s["lost"], 1)  # and the last event is the older state

    def test_the_same_change_under_a_second_ce_id_fails_in_both_modes(self):
        twin = candidate_event(9, "5" * 32, "a1", "updated", "interview", "2026-01-01T00:00:02Z")
        for delivery in ("exactly_once", "at_least_once"):
            s = run(clean() + [twin], delivery)
            self.assertFalse(s["ok"])
            self.assertEqual(s["same_change"], 1)

    def test_one_ce_id_naming_two_events_fails(self):
        other = candidate_event(9, "3" * 32, "a1", "updated", "offer", "2026-01-01T00:00:02Z")
        s = run(clean() + [other], "at_least_once")
        self.assertFalse(s["ok"])
        self.assertEqual(s["id_collisions"], 1)

    def test_a_state_the_tenant_never_made_is_a_phantom(self):
        records = clean()
        records.insert(4, candidate_event(3, "6" * 32, "a1", "updated", "offer", "2026-01-01T00:00:01Z"))
        records[-1]["offset"] = 4
        s = run(records)
        self.assertFalse(s["ok"])
        self.assertEqual(s["phantoms"], 1)

    def test_more_changes_than_the_tenant_made_fails(self):
        t = truth()
        t[0]["candidates"][0]["changes"] = 1
        s = verify.verify(t, verify.read_events(json.dumps(r) for r in clean()), None)
        self.assertFalse(s["ok"])
        self.assertEqual(s["excess_changes"], 1)

    def test_tombstones_and_other_tenants_are_ignored(self):
        records = clean() + [
            {"topic": "ats.candidates.state.v1", "partition": 0, "offset": 0, "key": f"{T}/a1", "headers": {},
             "value": None},
            dict(candidate_event(5, "7" * 32, "x9", "created", "applied", "2025-01-01T00:00:00Z"),
                 value=json.dumps({"connection": "tenant-00002", "change": "created", "candidate_id": "x9"}))]
        self.assertTrue(run(records)["ok"])

    def test_nothing_checked_is_not_a_pass(self):
        self.assertFalse(verify.verify([], [], None)["ok"])

    def test_the_command_line_prints_one_json_line_and_exits_1_on_a_fault(self):
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "truth.json"), "w") as f:
                json.dump({"tenants": truth()}, f)
            with open(os.path.join(d, "mutations.log"), "w") as f:
                for (tenant, cand, clock), kind in MUTATIONS.items():
                    f.write(f"1765000000000 {clock} {tenant} moved {cand} to {kind}\n")
            for records, rc in ((clean(), 0), (clean()[:-1], 1)):
                with open(os.path.join(d, "dump.jsonl"), "w") as f:
                    f.writelines(json.dumps(r) + "\n" for r in records)
                p = subprocess.run([sys.executable, verify.__file__, "--truth", f"{d}/truth.json", "--dump",
                                    f"{d}/dump.jsonl", "--mutation-log", f"{d}/mutations.log", "--tenants", "1"],
                                   capture_output=True, text=True, check=False)
                self.assertEqual(p.returncode, rc, p.stdout + p.stderr)
                summary = json.loads(p.stdout)
                self.assertEqual(summary["ok"], rc == 0)


class Murmur2Test(unittest.TestCase):
    def test_kafkas_own_vectors(self):
        import procs  # Kafka's UtilsTest.testMurmur2: the partition of a connection (contract §2)
        cases = {"21": -973932308, "foobar": -790332482, "a-little-bit-long-string": -985981536,
                 "a-little-bit-longer-string": -1486304829, "abc": 479470107,
                 "lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8": -58897971}
        for text, signed in cases.items():
            self.assertEqual(procs.murmur2(text.encode()), signed & 0xFFFFFFFF, text)
        self.assertEqual(procs.murmur2_partition("foobar", 12), (-790332482 & 0x7FFFFFFF) % 12)


if __name__ == "__main__":
    unittest.main()
