package dev.forkwatch.rules;

import dev.forkwatch.event.Event;
import dev.forkwatch.event.Exec;
import dev.forkwatch.event.Vfork;
import dev.forkwatch.event.VforkReturn;
import java.util.AbstractList;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.drools.core.common.InternalFactHandle;
import org.kie.api.runtime.KieSession;
import org.kie.api.runtime.rule.FactHandle;

/**
 * The events the engine inserted into the session, oldest first, grouped by vfork child (the child's pid: the
 * vfork, its exec and exit, and the parent's vfork_return for it). Events leave by age ({@link #expire}) or, when
 * the session is full, a whole child at a time ({@link #evictOldestChild}): a child's exec or exit never leaves
 * while its vfork stays, so eviction can hide an alert but never cause a false "stalled".
 */
final class HeldFacts {
    /** Characters of strings one fact slot pays for: an event with longer strings takes more slots. */
    static final int CHARS_PER_SLOT = 2048;
    /** What a list item costs beyond its characters, in characters: a String object is about 64 bytes. */
    private static final int CHARS_PER_ITEM = 32;

    private static final class Held {
        FactHandle handle;
        final Event event;
        final int child;
        final int slots;
        boolean gone;

        Held(Event event, int child, int slots) {
            this.event = event;
            this.child = child;
            this.slots = slots;
        }
    }

    private final KieSession session;
    private final ArrayDeque<Held> order = new ArrayDeque<>();
    private final Map<Integer, List<Held>> byChild = new HashMap<>();
    private int size;
    private long slots;

    HeldFacts(KieSession session) {
        this.session = session;
    }

    /** The child an event belongs to: the pid of the vfork child it is about. */
    static int childOf(Event e) {
        return e instanceof VforkReturn r ? r.childPid() : e.pid();
    }

    /**
     * The fact slots an event takes: 1, plus 1 per {@link #CHARS_PER_SLOT} characters of its strings (a list item
     * counts {@value #CHARS_PER_ITEM} more, for its object). With every
     * string capped (docs/events.md) this makes engine.max_facts a bound in bytes too (docs/performance.md).
     */
    static int slots(Event e) {
        long chars = 0;
        if (e instanceof Vfork v) {
            chars = v.comm().length() + v.parentExe().length() + chars(v.parentArgs()) + chars(v.ancestors())
                    + v.containerId().length() + v.userName().length();
        } else if (e instanceof Exec x) {
            chars = x.comm().length() + x.filename().length() + x.exePath().length() + chars(x.args());
        }
        return (int) (1 + chars / CHARS_PER_SLOT);
    }

    private static long chars(List<String> l) {
        long n = 0;
        for (String s : l) {
            n += s.length() + CHARS_PER_ITEM;
        }
        return n;
    }

    /**
     * Holds {@code e}, which {@code insert} puts into the session: it is in its child's list first, so that rules
     * evaluated during the insert find it there ({@link SessionEvents}).
     */
    void add(Event e, int slots, Supplier<FactHandle> insert) {
        Held h = new Held(e, childOf(e), slots);
        List<Held> siblings = byChild.computeIfAbsent(h.child, k -> new ArrayList<>(2));
        siblings.add(h);
        try {
            h.handle = insert.get();
        } catch (RuntimeException ex) {
            siblings.remove(h);
            if (siblings.isEmpty()) {
                byChild.remove(h.child);
            }
            throw ex;
        }
        order.addLast(h);
        size++;
        this.slots += slots;
    }

    /**
     * The events of the vfork child with pid {@code pid} in the session, in the order they were inserted (time
     * order, but for late events): every child that had that pid within the retention, so rules tell them apart by
     * time ({@link SessionEvents}).
     */
    List<Event> child(int pid) {
        List<Held> l = byChild.get(pid);
        if (l == null) {
            return List.of();
        }
        // A read-only view, not a copy: a rule reads it at once, before the session changes (RuleEngine's thread).
        return new AbstractList<>() {
            @Override
            public Event get(int i) {
                return l.get(i).event;
            }

            @Override
            public int size() {
                return l.size();
            }
        };
    }

    /** Events in the session. */
    int size() {
        return size;
    }

    /** Fact slots the events in the session take ({@link #slots(Event)}). */
    long slots() {
        return slots;
    }

    /** Deletes events older than {@code cutoffMs} (the engine's own expiry may already have done so). */
    void expire(long cutoffMs) {
        while (!order.isEmpty() && (order.peekFirst().gone || order.peekFirst().event.tsMillis() < cutoffMs)) {
            Held h = order.pollFirst();
            if (!h.gone) {
                delete(h);
                List<Held> siblings = byChild.get(h.child);
                siblings.remove(h);
                if (siblings.isEmpty()) {
                    byChild.remove(h.child);
                }
            }
        }
    }

    /** Deletes every event of the child whose event is oldest; returns how many events left (0 if none held). */
    int evictOldestChild() {
        while (!order.isEmpty() && order.peekFirst().gone) {
            order.pollFirst();
        }
        if (order.isEmpty()) {
            return 0;
        }
        List<Held> all = byChild.remove(order.peekFirst().child);
        for (Held h : all) {
            delete(h);
        }
        return all.size();
    }

    private void delete(Held h) {
        h.gone = true;
        size--;
        slots -= h.slots;
        // Gone already when a rule deleted it or Drools expired it. isValid(), not getObject(): that looks the
        // handle up in the session's object store.
        if (((InternalFactHandle) h.handle).isValid()) {
            session.delete(h.handle);
        }
    }
}
