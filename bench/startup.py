#!/usr/bin/env python3
"""Start-up benchmark: wall time of whole `forkwatch` processes against a bare `java -version` in the same run.

    bench/startup.py [--rounds N] [--variant NAME=ENV ...] [--launcher PATH]

Measured per round, in an order that rotates every round: `forkwatch check` (default pack), `forkwatch replay
samples/traces/mixed.jsonl` (16 lines) and, as root, `forkwatch run` until its `ready` line on stderr (then
SIGTERM), each right after a bare `java -version`. Reported: the median time of each command over the median
`java -version`, and the median and range of the per-pair ratios, so that numbers stay comparable on a loaded
machine. A variant runs the launcher with extra environment (LAUNCHER=PATH picks another launcher), e.g.
`--variant before='FORKWATCH_JIT=tiered FORKWATCH_CDS=off'`. Results and method: docs/performance.md.
"""
import argparse
import os
import shlex
import signal
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRACE = os.path.join(HERE, "samples", "traces", "mixed.jsonl")


def timed(cmd, env):
    t0 = time.monotonic()
    p = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    t = time.monotonic() - t0
    if p.returncode != 0:
        sys.exit("bench/startup.py: %s exited %d: %s" % (" ".join(cmd), p.returncode, p.stderr.decode()[-500:]))
    return t


def timed_ready(cmd, env):
    """Seconds from start until a stderr line containing 'ready: ', then stops the process."""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    t = None
    seen = []
    try:
        for line in p.stderr:
            seen.append(line)
            if b"ready: " in line:
                t = time.monotonic() - t0
                break
    finally:
        stop(p)
    if t is None:
        sys.exit("bench/startup.py: run never printed ready: %s" % b"".join(seen[-5:]).decode())
    return t


def stop(p):
    """SIGTERM (as systemd stops `run`), then SIGKILL if it has not exited within 30 s."""
    p.send_signal(signal.SIGTERM)
    try:
        p.wait(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


def wait_for_background_build(env):
    """The launcher builds the class-data archive in the background, holding CACHE_DIR/.build.lock."""
    d = env.get("FORKWATCH_CACHE_DIR") or os.path.join(
        env.get("XDG_CACHE_HOME") or os.path.join(env.get("HOME", "/"), ".cache"), "forkwatch")
    lock = os.path.join(d, ".build.lock")
    if os.path.exists(lock):
        subprocess.run(["flock", "-w", "600", lock, "true"], check=False)


def main():
    # Stopped by a signal: unwind, so that a `run` being measured is stopped too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("bench/startup.py: terminated"))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--launcher", default=os.path.join(HERE, "forkwatch"))
    ap.add_argument("--variant", action="append", default=[],
                    help="NAME=ENV: run the launcher with these extra variables (shell words)")
    ap.add_argument("--no-run", action="store_true", help="skip `run` (needs root and BPF)")
    a = ap.parse_args()
    variants = [("default", {})]
    if a.variant:
        variants = []
        for v in a.variant:
            name, _, words = v.partition("=")
            variants.append((name, dict(w.split("=", 1) for w in shlex.split(words))))
    def commands(launcher):
        c = [("check", [launcher, "check"], timed), ("replay", [launcher, "replay", TRACE], timed)]
        if os.geteuid() == 0 and not a.no_run:
            c.append(("run_ready", [launcher, "run"], timed_ready))
        return c

    def launcher_env(extra):
        env = {**os.environ, **extra}
        return env.pop("LAUNCHER", a.launcher), env

    # Warm the page cache and build whatever the launcher builds on first use (jar, CDS archive, compiled pack).
    for _, extra in variants:
        launcher, env = launcher_env(extra)
        timed([launcher, "--version"], env)
        timed([launcher, "check"], env)
        wait_for_background_build(env)
    jobs = []
    for vname, extra in variants:
        launcher, env = launcher_env(extra)
        for cname, cmd, fn in commands(launcher):
            jobs.append((cname, vname, cmd, fn, env))
    times = {}
    ratios = {}
    base_times = []
    for r in range(a.rounds):
        order = jobs[r % len(jobs):] + jobs[:r % len(jobs)]
        line = []
        for cname, vname, cmd, fn, env in order:
            # Each command right after its own `java -version`: the pair sees the same load.
            base = timed(["java", "-version"], os.environ)
            t = fn(cmd, env)
            base_times.append(base)
            times.setdefault((cname, vname), []).append(t)
            ratios.setdefault((cname, vname), []).append(t / base)
            line.append("%s/%s=%.2fs(java %.2fs)" % (cname, vname, t, base))
        print("round %d: %s" % (r + 1, " ".join(line)), file=sys.stderr)
    load = open("/proc/loadavg").read().split()[:3]
    base_median = statistics.median(base_times)
    print("rounds=%d cpus=%d loadavg=%s java_version_median_s=%.3f java_version_min_s=%.3f java_version_max_s=%.3f"
          % (a.rounds, os.cpu_count(), "/".join(load), base_median, min(base_times), max(base_times)))
    for (c, v), ts in times.items():
        rs = ratios[(c, v)]
        print("command=%s variant=%s median_s=%.2f min_s=%.2f max_s=%.2f ratio_of_medians=%.0f"
              " pair_ratio_median=%.0f pair_ratio_min=%.0f pair_ratio_max=%.0f"
              % (c, v, statistics.median(ts), min(ts), max(ts), statistics.median(ts) / base_median,
                 statistics.median(rs), min(rs), max(rs)))


if __name__ == "__main__":
    main()
