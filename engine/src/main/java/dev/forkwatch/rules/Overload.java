package dev.forkwatch.rules;

import dev.forkwatch.alert.Alert;
import dev.forkwatch.alert.Priority;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * engine.max_facts: the most fact slots the session may hold: one per fact, and one more per
 * {@link HeldFacts#CHARS_PER_SLOT} characters of an event's strings. Facts that rules insert themselves count one
 * each. When it is full, the oldest children are evicted early, each with all its events
 * ({@link HeldFacts#evictOldestChild}), counted, and an {@code Engine overloaded} alert (Critical) is raised at
 * most once per minute of event time. With every string field capped (docs/events.md) this bounds the engine's
 * memory for any input (docs/performance.md, "Memory bound").
 */
final class Overload {
    static final String RULE = "Engine overloaded";

    private final long maxFacts;
    private final HeldFacts held;
    private final LongSupplier sessionFacts;
    private final EngineNotice notice;

    /** @param sessionFacts every fact in the session now, the events and what rules inserted */
    Overload(long maxFacts, HeldFacts held, LongSupplier sessionFacts, String hostname, Consumer<Alert> out) {
        if (maxFacts < 1) {
            throw new IllegalArgumentException("engine.max_facts must be at least 1, got " + maxFacts);
        }
        this.maxFacts = maxFacts;
        this.held = held;
        this.sessionFacts = sessionFacts;
        this.notice = new EngineNotice(RULE, Priority.CRITICAL, "forkwatch.evicted",
                (n, total) -> "the rule session was full (engine.max_facts " + maxFacts + " events): " + n
                        + " vfork child(ren) evicted early with all their events (" + total + " in all); alerts "
                        + "about them may be missing (raise engine.max_facts or lower engine.event_retention)",
                hostname, out);
    }

    /** Makes room for {@code incoming} more slots, evicting the oldest children. */
    void makeRoom(long incoming) {
        long evicted = 0;
        while (used() + incoming > maxFacts && held.evictOldestChild() > 0) {
            evicted++;
        }
        if (evicted > 0) {
            notice.count(evicted);
        }
    }

    /** True when {@code buffered} events waiting for the watermark would overfill the session. */
    boolean overfull(int buffered) {
        return used() + buffered > maxFacts;
    }

    /** Slots in use: the events' slots, plus one per fact that rules inserted. */
    private long used() {
        return held.slots() + Math.max(0, sessionFacts.getAsLong() - held.size());
    }

    void tick(long nowNs) {
        notice.tick(nowNs);
    }

    /** Children evicted. */
    long evicted() {
        return notice.total();
    }

    long alerts() {
        return notice.raised();
    }
}
