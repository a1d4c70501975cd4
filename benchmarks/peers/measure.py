"""Runs one Airbyte source command and measures it as a destination would see it.

  measure.py [--state-out FILE] -- COMMAND...

Reads the command's stdout (Airbyte protocol, one JSON message a line) as a destination would:
counts RECORD messages per stream, keeps the last STATE message of each stream (written to
--state-out as the JSON list that `read --state` takes), counts LOG and TRACE messages and keeps
error traces. Meanwhile samples VmHWM of the command's process tree (the command and all its
descendants) every 0.1 s. At exit: CPU seconds (user + system) of the command and the
descendants it waited for (wait4), wall seconds from start to exit, peak RSS = the larger of
the summed VmHWM samples and wait4's ru_maxrss. Prints one JSON object on stdout; the command's
stderr goes to this script's stderr. Standard library only (runs with the system python3).
"""
import json
import os
import sys
import threading
import time


def tree(pid):
    """pid and its descendants (from /proc/<pid>/task/*/children)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in os.listdir("/proc/%d/task" % p):
                with open("/proc/%d/task/%s/children" % (p, task)) as f:
                    todo.extend(int(c) for c in f.read().split())
        except OSError:
            pass
    return out


def hwm_kib(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def main():
    args = sys.argv[1:]
    state_out = None
    if args[:1] == ["--state-out"]:
        state_out, args = args[1], args[2:]
    if args[:1] == ["--"]:
        args = args[1:]
    if not args:
        sys.exit(__doc__)

    read_fd, write_fd = os.pipe()
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        os.dup2(write_fd, 1)
        os.close(read_fd)
        os.close(write_fd)
        try:
            os.execvp(args[0], args)
        finally:
            os._exit(127)
    os.close(write_fd)

    peak = [0]
    done = threading.Event()

    def sample():
        while not done.is_set():
            # A process's VmHWM is its own peak; their sum bounds the tree's peak from above.
            peak[0] = max(peak[0], sum(hwm_kib(p) for p in tree(pid)))
            done.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()

    records, states, counts, errors = {}, {}, {}, []
    first_record_s = None
    with os.fdopen(read_fd, "rb", buffering=1 << 20) as stdout:
        for line in stdout:
            try:
                msg = json.loads(line)
            except ValueError:
                counts["not_json"] = counts.get("not_json", 0) + 1
                continue
            kind = msg.get("type")
            counts[kind] = counts.get(kind, 0) + 1
            if kind == "RECORD":
                stream = msg["record"]["stream"]
                records[stream] = records.get(stream, 0) + 1
                if first_record_s is None:
                    first_record_s = time.monotonic() - start
            elif kind == "STATE":
                state = msg["state"]
                key = state.get("stream", {}).get("stream_descriptor", {}).get("name", state.get("type", "?"))
                states[key] = state
            elif kind == "TRACE" and msg.get("trace", {}).get("type") == "ERROR":
                errors.append(msg["trace"]["error"].get("message", ""))
    _, status, usage = os.wait4(pid, 0)
    wall = time.monotonic() - start
    done.set()
    sampler.join()
    if state_out:
        with open(state_out, "w") as f:
            json.dump(list(states.values()), f)
    print(json.dumps({
        "exit_code": os.waitstatus_to_exitcode(status),
        "wall_s": round(wall, 3),
        "first_record_s": None if first_record_s is None else round(first_record_s, 3),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 3),
        "peak_rss_kib": max(peak[0], usage.ru_maxrss),
        "records": records,
        "messages": counts,
        "states": len(states),
        "errors": errors[:5],
    }))


if __name__ == "__main__":
    main()
