#!/usr/bin/env python3
"""The cluster proof: real Kafka (scripts/kafka-cluster.sh, 3 brokers: replication factor 3,
min.insync.replicas 2), connector replicas (`ats-connector run`, one group), the simulated fleet
with changes flowing, and the scenarios below; then the fleet is frozen, the replicas catch up,
a read_committed Java consumer reads every event and tests/cluster/verify.py compares it with
the fleet's ground truth. Prints one JSON result line; exit 0 only when every scenario and the
verification passed.

Scenarios (--scenarios, in this order):
  kill     --kill-trials seeded SIGKILLs of a random replica at a random moment while changes
           flow; it is restarted before the next trial. Takeover = from the kill until the
           survivors own its partitions, restored (/status); producing again = until the first
           event of one of its connections (the events' times).
  rolling  SIGTERM each replica in turn (exit 0 within the grace), restart it, wait until ready
  scale    1 -> N -> 1 -> N replicas (kafka mode): the one left owns every partition
  broker   SIGKILL the broker leading the first state partition (the candidate topic's in single
           mode), changes flowing, then start it again
  zombie   SIGSTOP a replica until the others own its partitions and publish, SIGCONT: it must
           be fenced (ats_connector_cluster_producer_fenced_total, or its log), and nothing it
           had in flight may become visible (the verifier)
--mode single runs one replica with cluster.mode single (at-least-once): the plumbing proof;
scale and zombie need a group and are refused there.
"""
import argparse
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import procs  # noqa: E402
import verify  # noqa: E402
from procs import log, wait_until  # noqa: E402

TOPICS = [verify.CANDIDATE_TOPIC, verify.JOB_IMPORTED_TOPIC]
EVENT_TOPICS = [verify.CANDIDATE_TOPIC, verify.JOB_IMPORTED_TOPIC, "ats.job-changed.v1", "ats.dead-letter.v1",
                "ats.connection-status.v1", "ats.candidates.state.v1:compact", "ats.jobs.state.v1:compact"]


def replica_config(args, connections_yaml, bootstrap, keyring):
    text = connections_yaml + (
        f"kafka:\n  bootstrap_servers: {bootstrap}\n  client_id: ats-proof\n"
        f"snapshot:\n  path: @SNAPSHOT@\nhttp:\n  listen: @LISTEN@\n"
        f"secrets:\n  keyring_file: {keyring}\nshutdown_grace_s: {args.grace_s}\nlog_level: debug\n")
    if args.mode == "single":
        text += "cluster:\n  mode: single\n"
    else:
        text += (f"cluster:\n  mode: kafka\n  group_id: ats-proof\n  state_partitions: {args.state_partitions}\n"
                 f"  delivery: {args.delivery}\n  session_timeout_s: {args.session_timeout_s}\n")
    return text


class Proof:
    def __init__(self, args):
        self.args, self.rng = args, random.Random(args.seed)
        self.results = {"kill": [], "scenarios": {}}
        self.tenant_ids = [f"tenant-{i:05d}" for i in range(1, args.tenants + 1)]  # = connection ids
        self.replicas, self.kills = [], []  # kills: (t_kill wall, victim's connections, takeover_s)

    # --- the replicas' view ---
    def running(self):
        return [r for r in self.replicas if r.running()]

    def wait_ready(self, replicas, timeout_s=None):
        timeout_s = timeout_s or self.args.ready_timeout_s

        def ready():
            for r in replicas:
                if not r.running():  # exited: no point in waiting; say why
                    lines = [l for l in r.log_text().splitlines() if l.strip()]
                    lines = [l for l in lines if '"level":"error"' in l] or lines  # its error, if logged
                    raise RuntimeError(f"{r.name} exited ({r.popen.returncode}): {lines[-1][:400] if lines else ''}")
            return all(r.ready(self.args.mode == "kafka") for r in replicas)
        wait_until("replicas " + ",".join(r.name for r in replicas) + " ready", ready, timeout_s)

    def owner_view(self, replicas):
        """Union of (owned, restoring) over `replicas`."""
        owned, restoring = set(), set()
        for r in replicas:
            o, rs, _ = r.owned()
            owned |= o
            restoring |= rs
        return owned, restoring

    def wait_owned(self, replicas, partitions, timeout_s):
        """Until `replicas` own `partitions`, none restoring; returns the seconds it took."""
        if not partitions:  # a /status without the cluster section would make this vacuous
            raise RuntimeError("kafka mode: /status named no partition owned (no \"cluster\" section?)")
        t0 = time.monotonic()

        def covered():
            owned, restoring = self.owner_view(replicas)
            return partitions <= owned and not (partitions & restoring)
        wait_until(f"partitions {sorted(partitions)} owned by {[r.name for r in replicas]}", covered, timeout_s)
        return time.monotonic() - t0

    def connections_of(self, replica):
        """(partitions owned, connection ids they hold): contract §2's partitioning in kafka mode."""
        owned, _, conns = replica.owned()
        if self.args.mode == "kafka":
            conns = {t for t in self.tenant_ids if procs.murmur2_partition(t, self.args.state_partitions) in owned}
        return owned, conns

    def pick_victim(self):
        """A random running replica; in kafka mode one that owns a partition (a fresh member may
        own none until the cooperative rebalance hands it some)."""
        if self.args.mode != "kafka":
            return self.rng.choice(self.running())
        owners = wait_until("a replica owning partitions", lambda: [r for r in self.running() if r.owned()[0]],
                            self.args.ready_timeout_s)
        return self.rng.choice(owners)

    # --- scenarios ---
    def kill_trial(self, n):
        a = self.args
        time.sleep(self.rng.uniform(0.5, a.kill_window_s))  # a random moment, changes flowing
        victim = self.pick_victim()
        owned, conns = self.connections_of(victim)
        # Then, for up to 3 s, aim at a stage in flight: the kill follows the debug line that
        # starts a publication within milliseconds (the commit waits ATS_FAULT_INJECT_COMMIT_DELAY_MS
        # after Kafka's acknowledgement, so the kill lands before it, as in tests/fault).
        in_flight = victim.wait_log('"Publishing events."', victim.log_size(), 3)
        t_kill = time.time()
        victim.signal(signal.SIGKILL)
        victim.wait_exit(10)
        survivors = self.running()
        if a.mode == "kafka" and survivors:
            takeover = self.wait_owned(survivors, owned, a.session_timeout_s + a.ready_timeout_s)
            victim.start()
            self.wait_ready([victim])
        else:  # single: nobody takes over; the restart is the recovery
            victim.start()
            self.wait_ready([victim])
            takeover = time.time() - t_kill
        self.kills.append((t_kill, conns, takeover))
        log(f"kill {n}: {victim.name}{' mid-publish' if in_flight else ''}, {len(conns)} connections, "
            f"partitions {sorted(owned)}: "
            f"taken over in {takeover:.1f} s")
        self.results["kill"].append({"victim": victim.name, "connections": len(conns), "partitions": sorted(owned),
                                     "takeover_s": round(takeover, 2), "mid_publish": in_flight})

    def rolling(self):
        exits = []
        for r in list(self.replicas):
            r.signal(signal.SIGTERM)
            code = r.wait_exit(self.args.grace_s + 15)
            exits.append(code)
            if code is None:
                r.kill_hard()
            r.start()
            self.wait_ready([r])
        ok = all(c == 0 for c in exits)
        self.results["scenarios"]["rolling"] = {"ok": ok, "exit_codes": exits}
        log(f"rolling restart: exit codes {exits}")

    def scale(self):
        a, first, others = self.args, self.replicas[0], self.replicas[1:]
        everything = set(range(a.state_partitions))
        for r in others:
            r.signal(signal.SIGTERM)
        exits = [r.wait_exit(a.grace_s + 15) for r in others]
        down = self.wait_owned([first], everything, a.session_timeout_s + a.ready_timeout_s)
        for r in others:
            r.start()
        self.wait_ready(self.replicas)
        spread = wait_until("every replica owns a partition",
                            lambda: all(r.owned()[0] for r in self.replicas), a.ready_timeout_s)
        for r in others:
            r.signal(signal.SIGTERM)
        exits += [r.wait_exit(a.grace_s + 15) for r in others]
        down2 = self.wait_owned([first], everything, a.session_timeout_s + a.ready_timeout_s)
        for r in others:
            r.start()
        self.wait_ready(self.replicas)
        t0 = time.monotonic()
        try:  # back to N: the work spreads again (a member owning nothing is ready, but idle)
            wait_until("every replica owns a partition again", lambda: all(r.owned()[0] for r in self.replicas),
                       a.ready_timeout_s)
            spread_again = time.monotonic() - t0
        except TimeoutError:
            spread_again = None
        self.results["scenarios"]["scale"] = {"ok": bool(spread) and spread_again is not None and
                                              all(c == 0 for c in exits),
                                              "one_owns_all_s": [round(down, 2), round(down2, 2)],
                                              "spread_again_s": spread_again and round(spread_again, 2),
                                              "exit_codes": exits}
        log(f"scale 1 -> {len(self.replicas)} -> 1 -> {len(self.replicas)}: exit codes {exits}")

    def broker(self, kafka):
        a = self.args
        topic = "ats.connector.state" if a.mode == "kafka" else verify.CANDIDATE_TOPIC
        leader = kafka.leaders(topic)[0]
        t0 = time.monotonic()
        kafka.kill_node(leader)
        time.sleep(a.broker_down_s)  # changes keep flowing on the other two brokers
        moved = kafka.leaders(topic)[0]
        kafka.start_node(leader)
        self.wait_ready(self.running())
        self.results["scenarios"]["broker"] = {"ok": moved not in (leader, -1), "killed_node": leader,
                                               "new_leader": moved, "down_s": round(time.monotonic() - t0, 1)}
        log(f"broker {leader} (leader of {topic}[0]) killed and restarted; leader meanwhile: {moved}")

    def zombie(self):
        a = self.args
        victim = self.pick_victim()
        owned, conns = self.connections_of(victim)
        fenced_before = victim.metric("ats_connector_cluster_producer_fenced_total") or 0
        others = [r for r in self.running() if r is not victim]
        # Stopped right after it started publishing a stage: a transaction open, in flight.
        in_flight = victim.wait_log('"Publishing events."', victim.log_size(), 3)
        victim.signal(signal.SIGSTOP)
        t0 = time.monotonic()
        try:
            moved = self.wait_owned(others, owned, a.session_timeout_s + a.ready_timeout_s)
            committed = sum(r.metric("ats_connector_cluster_transactions_total") or 0 for r in others)
            wait_until("the new owners commit transactions", lambda: sum(
                r.metric("ats_connector_cluster_transactions_total") or 0 for r in others) > committed + 2, 60)
        finally:
            mark = victim.log_size()
            victim.signal(signal.SIGCONT)

        def fenced():
            m = victim.metric("ats_connector_cluster_producer_fenced_total")
            return (m is not None and m > fenced_before) or "fenced" in victim.log_since(mark).lower()
        try:
            wait_until("the zombie is fenced", fenced, 60)
            was_fenced = True
        except TimeoutError:
            was_fenced = False
        fenced_metric = victim.metric("ats_connector_cluster_producer_fenced_total")
        if not victim.running():
            victim.start()
        self.wait_ready(self.replicas)
        self.results["scenarios"]["zombie"] = {"ok": was_fenced, "fenced": was_fenced, "stopped_mid_publish": in_flight,
                                               "fenced_metric": fenced_metric,
                                               "partitions": sorted(owned),
                                               "connections": len(conns), "moved_s": round(moved, 2),
                                               "stopped_s": round(time.monotonic() - t0, 1)}
        log(f"zombie {victim.name}: partitions moved in {moved:.1f} s, fenced: {was_fenced}")

    # --- the end ---
    def first_events(self, dump_path):
        """Per kill: seconds from the kill to the first event of one of the victim's connections."""
        times = {}  # connection -> sorted record timestamps (ms)
        with open(dump_path, encoding="utf-8") as f:
            for e in verify.read_events(f):
                if e["topic"] == verify.CANDIDATE_TOPIC:
                    times.setdefault(e["data"].get("connection"), []).append(e["timestamp"] / 1000)
        out = []
        for t_kill, conns, _ in self.kills:
            after = [t for c in conns for t in times.get(c, []) if t > t_kill]
            if after:
                out.append(min(after) - t_kill)
        return out

    def converge_and_verify(self, kafka, sim, work):
        a = self.args
        changes = sim.freeze()
        log(f"fleet frozen after {changes} changes; waiting for the replicas to publish the final state")
        deadline = time.monotonic() + a.converge_timeout_s
        dump = os.path.join(work, "dump.jsonl")
        while True:
            line = kafka.dump(dump, TOPICS)
            with open(dump, encoding="utf-8") as f:
                summary = verify.verify(verify.load_truth(sim.truth, a.tenants), verify.read_events(f),
                                        verify.load_mutations(sim.mutations), a.delivery)
            if summary["lost"] == 0 or time.monotonic() > deadline:
                break
            log(f"{summary['lost']} not yet published; reading again")
            time.sleep(3)
        summary["changes_applied"] = changes
        log(line)
        return summary, dump

    def final_ownership(self):
        """Kafka mode, at the end: who owns what, and any partition unowned or still restoring
        (a connection nobody runs loses every change made to it)."""
        view = {}
        for r in self.replicas:
            owned, restoring, _ = r.owned()
            view[r.name] = {"owned": sorted(owned), "restoring": sorted(restoring)}
        owned, restoring = self.owner_view(self.replicas)
        missing = sorted(set(range(self.args.state_partitions)) - owned)
        return {"ok": not missing and not restoring, "unowned": missing, "restoring": sorted(restoring),
                "replicas": view}


def percentile(values, q):
    if not values:
        return None
    v = sorted(values)
    return round(v[min(len(v) - 1, max(0, int(round(q * (len(v) - 1)))))], 2)


def main():
    p = argparse.ArgumentParser(description="cluster proof (see the module's docstring)")
    p.add_argument("--connector", required=True)
    p.add_argument("--sim", required=True)
    p.add_argument("--work", required=True, help="directory for everything (emptied first)")
    p.add_argument("--mode", choices=["kafka", "single"], default="kafka")
    p.add_argument("--delivery", choices=["exactly_once", "at_least_once"], default="exactly_once")
    p.add_argument("--brokers", type=int, default=3)
    p.add_argument("--replicas", type=int, default=3)
    p.add_argument("--tenants", type=int, default=30)
    p.add_argument("--state-partitions", type=int, default=12)
    p.add_argument("--session-timeout-s", type=int, default=10)
    p.add_argument("--kill-trials", type=int, default=2)
    p.add_argument("--kill-window-s", type=float, default=4.0, help="a kill lands 0.5 s to this after the last")
    p.add_argument("--scenarios", default="kill,zombie")
    p.add_argument("--seed", type=int, default=20261207)
    p.add_argument("--mutate-every-ms", type=int, default=100)
    p.add_argument("--poll-interval-s", type=int, default=2)
    p.add_argument("--grace-s", type=int, default=10)
    p.add_argument("--broker-down-s", type=float, default=8)
    p.add_argument("--ready-timeout-s", type=int, default=90)
    p.add_argument("--converge-timeout-s", type=int, default=90)
    p.add_argument("--max-s", type=int, default=3600, help="the whole run's bound")
    a = p.parse_args()
    scenarios = [s for s in a.scenarios.split(",") if s]
    if a.mode == "single":
        a.replicas, a.delivery = 1, "at_least_once"
        if {"scale", "zombie"} & set(scenarios):
            p.error("scale and zombie need a group: --mode kafka")
    def over_time(*_):
        raise TimeoutError(f"the run took over --max-s {a.max_s} s")
    signal.signal(signal.SIGALRM, over_time)  # the whole run is bounded; the cleanup still runs
    signal.alarm(a.max_s)
    started = time.monotonic()
    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work)
    proof = Proof(a)
    result = {"mode": a.mode, "delivery": a.delivery, "brokers": a.brokers, "replicas": a.replicas,
              "tenants": a.tenants, "seed": a.seed, "ok": False}
    try:
        kafka = procs.KafkaCluster(a.work, a.brokers)
        log(f"kafka: {a.brokers} broker(s) at {kafka.start()}")
        # The event topics exist before the replicas start, as docs/operations.md asks of a
        # cluster-mode deployment (the replicas create only their own state and connections topics).
        kafka.create_topics(4, min(3, a.brokers), EVENT_TOPICS)
        sim = procs.Sim(a.sim, a.work, a.tenants, a.mutate_every_ms, a.seed, a.poll_interval_s,
                        kafka.bootstrap).start()
        keyring = os.path.join(a.work, "keyring")
        subprocess.run([a.connector, "keygen", "--out", keyring], check=True, capture_output=True, timeout=30)
        text = replica_config(a, sim.connections_yaml(), kafka.bootstrap, keyring)
        ports = procs.free_ports(a.replicas)
        proof.replicas = [procs.Replica(a.connector, a.work, i + 1, ports[i], text) for i in range(a.replicas)]
        for r in proof.replicas:
            r.start()
        proof.wait_ready(proof.replicas, a.ready_timeout_s + 60)
        log(f"{a.replicas} replica(s) ready; {a.tenants} connections")
        for s in scenarios:
            if s == "kill":
                for n in range(1, a.kill_trials + 1):
                    proof.kill_trial(n)
            elif s == "broker":
                proof.broker(kafka)
            else:
                getattr(proof, s)()
        summary, dump = proof.converge_and_verify(kafka, sim, a.work)
        if a.mode == "kafka":
            proof.results["scenarios"]["final_ownership"] = proof.final_ownership()
        takeovers = [k["takeover_s"] for k in proof.results["kill"]]
        firsts = proof.first_events(dump)
        result.update({
            "kill_trials": len(takeovers),
            "kills_mid_publish": sum(1 for k in proof.results["kill"] if k["mid_publish"]),
            "takeover_s": {"p50": percentile(takeovers, 0.5), "p99": percentile(takeovers, 0.99),
                           "max": max(takeovers, default=None), "mean": round(statistics.mean(takeovers), 2)
                           if takeovers else None},
            "first_event_after_kill_s": {"p50": percentile(firsts, 0.5), "p99": percentile(firsts, 0.99),
                                         "samples": len(firsts)},
            "scenarios": proof.results["scenarios"], "kills": proof.results["kill"], "verify": summary})
        result["ok"] = summary["ok"] and all(v["ok"] for v in proof.results["scenarios"].values())
    except Exception as e:  # noqa: BLE001 - every failure ends in the result line
        result["error"] = f"{type(e).__name__}: {e}"
        for r in proof.replicas:
            if not r.running():
                result.setdefault("replica_exits", {})[r.name] = r.popen.returncode if r.popen else None
    finally:
        signal.alarm(0)
        procs._kill_all()
    result["wall_s"] = round(time.monotonic() - started, 1)
    print(json.dumps(result, sort_keys=True), flush=True)
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
