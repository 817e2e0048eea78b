package dev.forkwatch.live;

/**
 * The BPF programs' per-CPU counters, summed over CPUs.
 *
 * @param sent     records submitted to the ring buffer
 * @param lost     records dropped because the ring buffer was full
 * @param overflow vfork children not followed: a map was full, or the LRU of children that exec'd pushed one out
 */
public record KernelCounters(long sent, long lost, long overflow) {
    public static final KernelCounters ZERO = new KernelCounters(0, 0, 0);

    public KernelCounters minus(KernelCounters o) {
        return new KernelCounters(sent - o.sent, lost - o.lost, overflow - o.overflow);
    }

    /** True when records were lost or children went untracked since {@code before}. */
    public boolean droppedSince(KernelCounters before) {
        return lost > before.lost || overflow > before.overflow;
    }
}
