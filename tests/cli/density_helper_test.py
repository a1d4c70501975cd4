#!/usr/bin/env python3
"""benchmarks/density.py's parsing, on hand-made inputs: the lateness p99 from two /metrics
scrapes, a missing metric read as null (not 0), restarted connections from two /status cycle
maps, and changes matched to the events that published them."""
import json
import os
import pathlib
import sys
import tempfile
import unittest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "benchmarks"))
import density  # noqa: E402

NAME = density.LATENESS


def scrape(counts):
    bounds = ["0.01", "0.1", "1", "2", "+Inf"]
    lines = ["# TYPE %s histogram" % NAME]
    lines += ['%s_bucket{le="%s"} %d' % (NAME, b, c) for b, c in zip(bounds, counts)]
    lines.append("%s_count %d" % (NAME, counts[-1]))
    return "\n".join(lines) + "\n"


class Lateness(unittest.TestCase):
    def p99(self, before, after):
        return density.quantile(density.histogram(scrape(before), NAME), density.histogram(scrape(after), NAME), 0.99)

    def test_interpolates_within_the_bucket_of_the_window_only(self):
        # Before the window: 1000 cycles all late by > 2 s; they must not count.
        before = [0, 0, 0, 0, 1000]
        # In the window: 90 within 10 ms, 10 more within 100 ms: rank 99 is 9/10 into (0.01, 0.1].
        after = [90, 100, 100, 100, 1100]
        self.assertAlmostEqual(self.p99(before, after), 0.01 + 0.09 * 0.9)

    def test_beyond_the_last_bound_reads_as_that_bound(self):
        self.assertEqual(self.p99([0] * 5, [0, 0, 0, 0, 10]), 2.0)

    def test_missing_metric_or_no_cycles_is_null(self):
        self.assertIsNone(density.histogram("ats_connector_other_total 3\n", NAME))
        self.assertIsNone(density.quantile(None, None, 0.99))
        self.assertIsNone(self.p99([1, 2, 3, 4, 5], [1, 2, 3, 4, 5]))


class Runs(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_restarted_is_a_counter_that_went_down_or_a_connection_gone(self):
        before = self.write("c0.json", json.dumps({"a": 3, "b": 5, "c": 1, "d": 2}))
        after = self.write("c1.json", json.dumps({"a": 4, "b": 1, "d": 2, "new": 1}))
        self.assertEqual(density.restarted(before, after), ["b", "c"])

    def test_changes_in_the_window_matched_by_connection_candidate_and_updated_at(self):
        log = self.write("m.log", "\n".join([
            "999 2026-01-01T00:00:01Z tenant-00001 moved c1 to interview",  # before the window
            "1000 2026-01-01T00:00:02Z tenant-00001 moved c1 to offer",  # published
            "1001 2026-01-01T00:00:01Z tenant-00002 added candidate n1 to job J1",  # published
            "1002 2026-01-01T00:00:03Z tenant-00001 moved c2 to offer",  # overtaken by c2's next change
            "1003 2026-01-01T00:00:04Z tenant-00001 moved c2 to hired",  # published
            "1004 2026-01-01T00:00:05Z tenant-00001 moved c3 to hired",  # no event
            "1005 2026-01-01T00:00:02Z tenant-00002 moved c1 to hired",  # only tenant-00001's c1 has an event
            "2001 2026-01-01T00:00:06Z tenant-00001 moved c4 to hired",  # after the window
        ]) + "\n")
        events = self.write("e.txt", "\n".join([
            "tenant-00001 c1 2026-01-01T00:00:02Z",
            "tenant-00002 n1 2026-01-01T00:00:01Z",
            "tenant-00001 c2 2026-01-01T00:00:04Z",
            "tenant-00001 c3 2026-01-01T00:00:04Z",  # older than the change
            "tenant-00001 c4 2026-01-01T00:00:06Z",
        ]) + "\n")
        self.assertEqual(density.changes(log, events, 1000, 2000), (6, 4))


if __name__ == "__main__":
    unittest.main()
