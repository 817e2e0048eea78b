#!/usr/bin/env python3
"""Live benchmark, cold mode: what a freshly started `forkwatch run` costs the host in its first seconds.

    bench/live_cold.py [--rounds N] [--iterations N] [--variant NAME=ENV ...] [--launcher PATH]
    (or FORKWATCH_BENCH=cold bench/live.sh [ROUNDS] [ITERATIONS])

Each round, in an order that rotates every round: the vfork+exec+wait loop (bench/vfork_exec_loop.c) alone
(`none`), and for each variant the same loop watched by a new `forkwatch run` process, started the moment `run`
prints `ready` (it should end within 10 s of it: a warning says when not); then `run` is stopped (SIGTERM). The
default variants are `run` as configured by default (warm-up off) and with `live.warmup: 5s`; a `--variant`
runs the launcher with extra environment instead (e.g. `--variant tiered='FORKWATCH_JIT=tiered'`). Reported per mode:
median, min and max of the loop's wall time and of its own CPU time (itself and its children) per iteration,
the ratios of the medians to `none`, and the CPU `run` used while the loop ran. As root. Results:
docs/performance.md ("Cold start").
"""
import argparse
import os
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import time

from startup import stop, wait_for_background_build

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HZ = os.sysconf("SC_CLK_TCK")


def cpu_s(pid):
    """User + system CPU seconds of a process and its threads (/proc/PID/stat)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / HZ


def loop(binary, iterations):
    out = subprocess.run([binary, str(iterations)], check=True, stdout=subprocess.PIPE).stdout.split()
    return int(out[0]) / 1e9, int(out[1]) / 1e9


def watched(cmd, env, binary, iterations):
    """Starts `run`, waits for ready, times the loop, stops `run`: (wall s, loop CPU s, run's CPU s meanwhile)."""
    p = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seen = []
    try:
        for line in p.stderr:
            seen.append(line)
            if b"ready: " in line:
                break
        else:
            sys.exit("live_cold.py: run never printed ready: %s" % b"".join(seen[-5:]).decode())
        t_ready = time.monotonic()
        c0 = cpu_s(p.pid)
        wall, cpu = loop(binary, iterations)
        c1 = cpu_s(p.pid)
        after = time.monotonic() - t_ready
        if after > 10:
            print("live_cold.py: warning: the loop ended %.1f s after ready (beyond the first 10 s): use fewer "
                  "--iterations" % after, file=sys.stderr)
        return wall, cpu, c1 - c0
    finally:
        stop(p)


def main():
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("live_cold.py: terminated"))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--iterations", type=int, default=4000)
    ap.add_argument("--launcher", default=os.path.join(HERE, "forkwatch"))
    ap.add_argument("--variant", action="append", default=[],
                    help="NAME=ENV: `run` by the launcher with these extra variables (shell words)")
    a = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("live_cold.py: run as root (live probes)")
    tmp = tempfile.mkdtemp()
    try:
        binary = os.path.join(tmp, "vfork_exec_loop")
        subprocess.run(["gcc", "-O2", "-o", binary, os.path.join(HERE, "bench", "vfork_exec_loop.c")], check=True)
        on = os.path.join(tmp, "warmup-on.yaml")
        with open(on, "w") as f:
            f.write("live:\n  warmup: 5s\n")
        os.chmod(on, 0o644)
        variants = [("warmup_off", {}, []), ("warmup_on", {}, ["--config", on])]
        if a.variant:
            variants = []
            for v in a.variant:
                name, _, words = v.partition("=")
                variants.append((name, dict(w.split("=", 1) for w in shlex.split(words)), []))
        # Page cache, the loop binary, and whatever the launcher builds on first use (jar, class-data archive).
        loop(binary, a.iterations // 4)
        subprocess.run([a.launcher, "check"], stdout=subprocess.DEVNULL, check=True)
        wait_for_background_build(os.environ)
        modes = [("none", None)] + [(n, ([a.launcher, "run", "--no-aggregate"] + args, {**os.environ, **env}))
                                    for n, env, args in variants]
        samples = {m: [] for m, _ in modes}
        load_start = open("/proc/loadavg").read().split()[:3]
        for r in range(a.rounds):
            order = modes[r % len(modes):] + modes[:r % len(modes)]
            line = []
            for name, spec in order:
                if spec is None:
                    wall, cpu = loop(binary, a.iterations)
                    mon = 0.0
                else:
                    wall, cpu, mon = watched(spec[0], spec[1], binary, a.iterations)
                samples[name].append((wall, cpu, mon))
                line.append("%s %.0f/%.0f/%.0f" % (name, wall / a.iterations * 1e6, cpu / a.iterations * 1e6,
                                                   mon / a.iterations * 1e6))
            print("round %d (us/iter wall/loop CPU/run CPU): %s" % (r + 1, "  ".join(line)), file=sys.stderr)
        load_end = open("/proc/loadavg").read().split()[:3]
        print("rounds=%d iterations=%d cpus=%d loadavg_start=%s loadavg_end=%s"
              % (a.rounds, a.iterations, os.cpu_count(), "/".join(load_start), "/".join(load_end)))
        base_wall = statistics.median(s[0] for s in samples["none"])
        base_cpu = statistics.median(s[1] for s in samples["none"])
        for name, _ in modes:
            w = [s[0] / a.iterations * 1e6 for s in samples[name]]
            c = [s[1] / a.iterations * 1e6 for s in samples[name]]
            m = [s[2] / a.iterations * 1e6 for s in samples[name]]
            print("mode=%s wall_us_median=%.0f min=%.0f max=%.0f wall_ratio=%.3f loop_cpu_us_median=%.0f min=%.0f "
                  "max=%.0f cpu_ratio=%.3f run_cpu_us_median=%.0f"
                  % (name, statistics.median(w), min(w), max(w), statistics.median(w) / (base_wall / a.iterations * 1e6),
                     statistics.median(c), min(c), max(c), statistics.median(c) / (base_cpu / a.iterations * 1e6),
                     statistics.median(m)))
    finally:
        subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    main()
