#!/bin/sh
# Live-probe benchmark: overhead on a vfork+exec+wait loop (none / forkwatch / bpftrace peer, interleaved
# rounds) and the record rate drained without loss. Run as root from anywhere; results: docs/performance.md.
#   bench/live.sh [ROUNDS] [ITERATIONS]      (FORKWATCH_BENCH=overhead|tax|rate: one part only)
# FORKWATCH_BENCH=cold: the cold mode instead, a new `forkwatch run` per round (bench/live_cold.py).
# The driver is `forkwatch bench live` (bench/src/main/java/dev/forkwatch/bench/LiveBench.java); the launcher
# builds the bench jar when it is missing or stale.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
[ "$(id -u)" -eq 0 ] || { echo "bench/live.sh: run as root (live probes)" >&2; exit 3; }
if [ "${FORKWATCH_BENCH:-}" = cold ]; then
    exec python3 bench/live_cold.py --rounds "${1:-7}" --iterations "${2:-4000}"
fi
bin=$(mktemp -d)
mounted=""
cleanup() {
    rm -rf "$bin"
    # Unmount tracefs only if this script mounted it (for the bpftrace peer).
    [ -z "$mounted" ] || umount /sys/kernel/tracing
}
trap cleanup EXIT INT TERM
gcc -O2 -o "$bin/vfork_exec_loop" bench/vfork_exec_loop.c
gcc -O2 -o "$bin/syscall_loop" bench/syscall_loop.c
if command -v bpftrace >/dev/null 2>&1 && [ ! -d /sys/kernel/tracing/events ]; then
    mount -t tracefs nodev /sys/kernel/tracing && mounted=1 || echo "bench/live.sh: cannot mount tracefs: no bpftrace peer" >&2
fi
ulimit -l unlimited 2>/dev/null || true
./forkwatch bench live "$bin" "${1:-10}" "${2:-2000}" bench/peer.bt
