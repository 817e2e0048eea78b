package dev.forkwatch.rules;

import dev.forkwatch.alert.Alert;
import dev.forkwatch.alert.Priority;
import java.util.function.Consumer;

/**
 * What happens to an event that arrives later than engine.reorder_allowance. It is still inserted while it can
 * be matched both ways: its time plus the longest rule window ({@link RuleWindows}) is after the session
 * clock, so no window it belongs to has closed yet (a late exec of an on-time vfork still cancels its stall).
 * Otherwise it is dropped: inserting it would only let a rule report a window that closed before the event was
 * seen ("neither exec'd nor exited within 1009.9s" for a child whose exit was 100 us later). Dropped events are
 * counted and reported by a {@code Late events} alert.
 */
final class LateEvents {
    static final String RULE = "Late events";

    private long windowMs;
    private final EngineNotice notice;
    private long inserted;

    LateEvents(long windowMs, String hostname, Consumer<Alert> out) {
        this.windowMs = windowMs;
        this.notice = new EngineNotice(RULE, Priority.WARNING, "forkwatch.late_dropped",
                (n, total) -> n + " event(s) arrived too late to be evaluated and were dropped (" + total
                        + " in all): later than engine.reorder_allowance, and older than the longest rule window ("
                        + this.windowMs + "ms) before the session clock; alerts about them may be missing",
                hostname, out);
    }

    /** After a reload: the new pack's longest window. */
    void window(long ms) {
        windowMs = ms;
    }

    /** True if a late event at {@code tsMs} may still be inserted when the session clock is at {@code clockMs}. */
    boolean accept(long tsMs, long clockMs) {
        if (tsMs > clockMs - windowMs) {
            inserted++;
            return true;
        }
        notice.count(1);
        return false;
    }

    void tick(long nowNs) {
        notice.tick(nowNs);
    }

    /** Late events inserted. */
    long inserted() {
        return inserted;
    }

    /** Late events dropped. */
    long dropped() {
        return notice.total();
    }

    long alerts() {
        return notice.raised();
    }
}
