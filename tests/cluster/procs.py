"""The processes of the cluster proof (tests/cluster/trials.py): a real Kafka cluster
(scripts/kafka-cluster.sh), the simulated fleet (ats-sim) and connector replicas
(ats-connector run), each in a session of its own so that a signal reaches exactly it, all on
127.0.0.1, every wait bounded, and everything killed at exit (even on failure or a signal)."""
import atexit
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KAFKA_CLUSTER = os.path.join(REPO, "scripts", "kafka-cluster.sh")
JAVA_TOOLS = os.path.join(REPO, "tests", "kafka", "consumer-check", "run.sh")

_live = []  # processes to kill at exit


def _kill_all():
    for p in reversed(_live):
        p.kill_hard()


atexit.register(_kill_all)
for _sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(_sig, lambda signum, frame: (_kill_all(), os._exit(128 + signum)))


def log(*args):
    print(time.strftime("%H:%M:%S"), *args, file=sys.stderr, flush=True)


def wait_until(what, predicate, timeout_s, interval_s=0.2):
    """Polls `predicate` until it returns a true value (returned) or `timeout_s` passed (raises)."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {timeout_s:.0f} s")
        time.sleep(interval_s)


def free_ports(n):
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def http_get(port, path, timeout_s=3.0):
    """(status, body text), or (None, reason) when nothing answered."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout_s) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")
    except (OSError, ValueError) as e:
        return None, str(e)


def murmur2_partition(key, partitions):
    """Java's Utils.toPositive(Utils.murmur2(bytes)) % partitions (contract §2)."""
    return (murmur2(key.encode("utf-8")) & 0x7FFFFFFF) % partitions


def murmur2(data):
    """Kafka's Utils.murmur2 as an unsigned 32-bit value."""
    m, length = 0x5BD1E995, len(data)
    h = (0x9747B28C ^ length) & 0xFFFFFFFF
    for i in range(0, length - length % 4, 4):
        k = data[i] | data[i + 1] << 8 | data[i + 2] << 16 | data[i + 3] << 24
        k = (k * m) & 0xFFFFFFFF
        k ^= k >> 24
        k = (k * m) & 0xFFFFFFFF
        h = ((h * m) & 0xFFFFFFFF) ^ k
    tail, rest = length % 4, length - length % 4
    if tail >= 3:
        h ^= data[rest + 2] << 16
    if tail >= 2:
        h ^= data[rest + 1] << 8
    if tail >= 1:
        h ^= data[rest]
        h = (h * m) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * m) & 0xFFFFFFFF
    h ^= h >> 15
    return h


class Proc:
    """A child in a session of its own, its output appended to `log_path`."""

    def __init__(self, name, argv, log_path, env=None):
        self.name, self.argv, self.log_path, self.env = name, argv, log_path, env
        self.popen = None

    def start(self):
        out = open(self.log_path, "ab")
        out.write(f"\n===== {time.strftime('%H:%M:%S')} start {' '.join(self.argv)}\n".encode())
        out.flush()
        self.popen = subprocess.Popen(self.argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                      start_new_session=True, env=self.env)
        out.close()
        if self not in _live:
            _live.append(self)
        return self

    @property
    def pid(self):
        return self.popen.pid if self.popen else None

    def running(self):
        return self.popen is not None and self.popen.poll() is None

    def signal(self, sig):
        if self.running():
            os.kill(self.popen.pid, sig)

    def wait_exit(self, timeout_s):
        """The exit code, or None if it still runs after `timeout_s`."""
        try:
            return self.popen.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            return None

    def kill_hard(self):
        if self.running():
            try:
                os.kill(self.popen.pid, signal.SIGCONT)  # a stopped process dies only once resumed
                os.kill(self.popen.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.popen.wait()

    def log_size(self):
        return os.path.getsize(self.log_path)

    def wait_log(self, needle, offset, timeout_s):
        """True as soon as `needle` appears in the log past byte `offset` (polled every 5 ms)."""
        deadline = time.monotonic() + timeout_s
        with open(self.log_path, "rb") as f:
            f.seek(offset)
            pending = b""
            while time.monotonic() < deadline:
                chunk = f.read()
                if chunk:
                    pending = (pending + chunk)[-4096:]
                    if needle.encode() in pending:
                        return True
                else:
                    time.sleep(0.005)
        return False

    def log_since(self, offset):
        with open(self.log_path, "rb") as f:
            f.seek(offset)
            return f.read().decode("utf-8", "replace")

    def log_text(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")


class KafkaCluster:
    def __init__(self, work, brokers):
        self.dir, self.brokers, self.bootstrap = os.path.join(work, "kafka"), brokers, None
        self.env = dict(os.environ, KAFKA_HEAP=os.environ.get("KAFKA_HEAP", "-Xms96m -Xmx320m"))

    def _run(self, *args, timeout_s=240):
        return subprocess.run(["bash", KAFKA_CLUSTER, *args, "--dir", self.dir], capture_output=True, text=True,
                              timeout=timeout_s, env=self.env, check=True).stdout

    def start(self):
        out = self._run("start", "--brokers", str(self.brokers), "--owner-pid", str(os.getpid()))
        self.bootstrap = out.strip().splitlines()[-1]
        atexit.register(self.stop)
        return self.bootstrap

    def create_topics(self, partitions, rf, topics):
        """Creates the missing `topics` ("name" or "name:compact"), as an operator would (Topics.java)."""
        subprocess.run(["bash", JAVA_TOOLS, "--topics", self.bootstrap, str(partitions), str(rf), *topics],
                       capture_output=True, text=True, timeout=120, check=True)

    def stop(self):
        subprocess.run(["bash", KAFKA_CLUSTER, "stop", "--signal", "KILL", "--dir", self.dir], capture_output=True,
                       timeout=60, check=False)

    def kill_node(self, node):
        self._run("kill-node", str(node), "--signal", "KILL", timeout_s=60)

    def start_node(self, node):
        self._run("start-node", str(node))

    def leaders(self, topic):
        """{partition: leader node id} from the cluster's metadata (Leaders.java)."""
        out = subprocess.run(["bash", JAVA_TOOLS, "--leaders", self.bootstrap, topic], capture_output=True, text=True,
                             timeout=90, check=True).stdout
        return {int(p): int(n) for p, n in (line.split() for line in out.splitlines() if line.strip())}

    def dump(self, path, topics, timeout_s=120):
        """Every committed record of `topics` into `path` (Dump.java, read_committed)."""
        r = subprocess.run(["bash", JAVA_TOOLS, "--dump", self.bootstrap, path, str(timeout_s), *topics],
                           capture_output=True, text=True, timeout=timeout_s + 60, check=False)
        if r.returncode != 0:
            raise RuntimeError(f"Dump failed ({r.returncode}): {r.stderr[-2000:]}")
        return r.stderr.strip().splitlines()[-1]


class Sim(Proc):
    """ats-sim serving a fleet of Workable tenants with changes flowing."""

    def __init__(self, binary, work, tenants, mutate_every_ms, seed, poll_interval_s, bootstrap):
        self.config, self.truth = os.path.join(work, "sim.yaml"), os.path.join(work, "truth.json")
        self.mutations = os.path.join(work, "mutations.log")
        argv = [binary, "--workable-tenants", str(tenants), "--workable-jobs", "2", "--workable-candidates", "5",
                "--workable-rate-limit", "0", "--workday-postings", "0", "--workable-seed", str(seed),
                "--poll-interval-s", str(poll_interval_s), "--mutate-every-ms", str(mutate_every_ms),
                "--mutations", "1", "--mutation-log", self.mutations, "--truth-out", self.truth,
                "--config-out", self.config, "--kafka-bootstrap", bootstrap]
        super().__init__("sim", argv, os.path.join(work, "sim.log"))

    def start(self):
        super().start()
        wait_until("ats-sim ready", lambda: "Connector config:" in self.log_text(), 60)
        return self

    def connections_yaml(self):
        """The `connections:` section of the config ats-sim wrote."""
        with open(self.config, encoding="utf-8") as f:
            text = f.read()
        return text[text.index("connections:"):text.index("\nkafka:") + 1]

    def freeze(self):
        """SIGUSR1: no more changes; waits for the ground truth. Returns the changes applied."""
        self.signal(signal.SIGUSR1)
        line = wait_until("ground truth written", lambda: re.search(r"Ground truth written: .* \((\d+) changes",
                                                                    self.log_text()), 30)
        return int(line.group(1))


class Replica(Proc):
    """One `ats-connector run` with its own snapshot directory and http.listen port."""

    def __init__(self, binary, work, index, port, config_text):
        self.index, self.port, self.dir = index, port, os.path.join(work, f"replica-{index}")
        os.makedirs(self.dir, exist_ok=True)
        self.config = os.path.join(self.dir, "config.yaml")
        with open(self.config, "w", encoding="utf-8") as f:
            f.write(config_text.replace("@SNAPSHOT@", os.path.join(self.dir, "snapshot")).replace(
                "@LISTEN@", f"127.0.0.1:{port}"))
        # The test hook of docs/guarantees.md: 40 ms between Kafka's acknowledgement and the
        # commit, so that a kill aimed at a publication lands before its commit.
        env = dict(os.environ, ATS_FAULT_INJECT_COMMIT_DELAY_MS="40")
        super().__init__(f"replica-{index}", [binary, "run", "--config", self.config],
                         os.path.join(self.dir, "connector.log"), env)

    def ready(self, kafka_mode=False):
        """/readyz answers 200; in kafka mode /status must also say the replica joined the group
        and restores nothing (a /readyz asked in the first instant after start-up said "ready"
        before the cluster section existed: docs/guarantees.md, "Cluster mode")."""
        if not self.running() or http_get(self.port, "/readyz", 2)[0] != 200:
            return False
        if not kafka_mode:
            return True
        cluster = (self.status() or {}).get("cluster") or {}
        return cluster.get("mode") == "kafka" and cluster.get("joined") is True and not cluster.get(
            "partitions_restoring")

    def status(self):
        code, body = http_get(self.port, "/status", 3)
        if code != 200:
            return None
        try:
            return json.loads(body)
        except ValueError:
            return None

    def metric(self, name):
        """The sum of every sample of metric `name` (0 when absent; None when nothing answered)."""
        code, body = http_get(self.port, "/metrics", 3)
        if code != 200:
            return None
        total = 0.0
        for line in body.splitlines():
            if line.startswith(name) and (line[len(name)] in " {"):
                total += float(line.rsplit(" ", 1)[1])
        return total

    def owned(self):
        """(partitions owned, partitions restoring, connection ids run), from /status."""
        s = self.status() or {}
        cluster = s.get("cluster") or {}
        conns = {c.get("id") for c in s.get("connections", []) if c.get("id")}
        return set(cluster.get("partitions_owned", [])), set(cluster.get("partitions_restoring", [])), conns
