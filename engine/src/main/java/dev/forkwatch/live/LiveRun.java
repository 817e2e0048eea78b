package dev.forkwatch.live;

import dev.forkwatch.alert.Alert;
import dev.forkwatch.alert.AlertIds;
import dev.forkwatch.alert.Hostname;
import dev.forkwatch.alert.Priority;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Pieces of {@code forkwatch run} that belong to the live side: the "Events dropped" alert. */
public final class LiveRun {
    public static final String DROPPED_RULE = "Events dropped";

    private LiveRun() {
    }

    /**
     * The alert raised, straight to the sinks (not through rules, so custom rule packs cannot silence it),
     * when the kernel counters show records lost or children untracked since the last poll.
     */
    public static Alert droppedAlert(KernelCounters total, KernelCounters delta, long nowNs, String hostname) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("forkwatch.lost", delta.lost());
        f.put("forkwatch.overflow", delta.overflow());
        f.put("forkwatch.lost_total", total.lost());
        f.put("forkwatch.overflow_total", total.overflow());
        f.put("forkwatch.sent_total", total.sent());
        String out = "the kernel dropped " + delta.lost() + " record(s) (ring buffer full) and left " + delta.overflow()
                + " vfork child(ren) untracked (tracking map full) since the last check; alerts may be missing "
                + "(totals: " + total.lost() + " lost, " + total.overflow() + " untracked; raise live.ring_size_bytes "
                + "or lower live.drain_interval)";
        return new Alert(AlertIds.engine(DROPPED_RULE, nowNs, f), nowNs, DROPPED_RULE, Priority.CRITICAL, out, f,
                List.of("forkwatch", "data_loss"), hostname == null ? Hostname.local() : hostname);
    }
}
