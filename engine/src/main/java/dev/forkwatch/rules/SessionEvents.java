package dev.forkwatch.rules;

import dev.forkwatch.event.Event;
import java.util.List;

/**
 * The {@code events} global of every rule file: the events in the session looked up by vfork child, for rules
 * that check a child's past after a rare trigger. {@code not Exit(ts < $x.ts) from events.ofChild($x.pid)} reads
 * a short list when the pattern before it matched, where {@code not Exit(pid == $x.pid, ...)} keeps every exit of
 * the session in a memory of its own and updates it on every exit, whether the rule ever matches or not (the cost
 * behind docs/performance.md "A cheaper event path"). A lookup is not reactive: events inserted later do not change
 * a match it made, so use it only for events older than the trigger (docs/rules.md "Looking up a child's events").
 */
public final class SessionEvents {
    private final HeldFacts held;

    SessionEvents(HeldFacts held) {
        this.held = held;
    }

    /**
     * The events in the session about the vfork child with pid {@code pid}: its vfork, execs and exit, and its
     * parent's vfork_return, oldest first, the event being inserted included. Children that had the same pid
     * earlier in the retention are there too: compare {@code ts} to tell them apart. A read-only view: read it
     * within the rule's condition.
     */
    public List<Event> ofChild(int pid) {
        return held.child(pid);
    }
}
