package dev.forkwatch.live;

import dev.forkwatch.event.Event;
import dev.forkwatch.event.EventReceiver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** Runs a {@link LiveSource} on its own thread and keeps every event it delivers. */
final class Collector implements EventReceiver, AutoCloseable {
    private final List<Event> events = new ArrayList<>();
    private long lastClock;
    private long clocks;
    final LiveSource source;
    private final Thread thread;
    private volatile Throwable failure;

    private final EventReceiver downstream;

    Collector(LiveSource source) {
        this(source, null);
    }

    /** Also forwards every event and clock call to {@code downstream}, on the source thread. */
    Collector(LiveSource source, EventReceiver downstream) {
        this.source = source;
        this.downstream = downstream;
        this.thread = new Thread(() -> {
            try {
                source.run(this);
            } catch (Throwable t) {
                failure = t;
            }
        }, "live-source-test");
        thread.start();
    }

    @Override
    public synchronized void event(Event e) {
        events.add(e);
        if (downstream != null) {
            downstream.event(e);
        }
        notifyAll();
    }

    @Override
    public synchronized void clock(long nowNs) {
        lastClock = nowNs;
        clocks++;
        if (downstream != null) {
            downstream.clock(nowNs);
        }
        notifyAll();
    }

    synchronized long clocks() {
        return clocks;
    }

    synchronized long lastClock() {
        return lastClock;
    }

    synchronized List<Event> events() {
        return List.copyOf(events);
    }

    /** Events matching {@code p}, waiting up to 5 s until there are at least {@code n}. */
    synchronized List<Event> await(Predicate<Event> p, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (true) {
            List<Event> m = events.stream().filter(p).toList();
            long left = deadline - System.nanoTime();
            if (m.size() >= n || left <= 0 || failure != null) {
                return m;
            }
            wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        }
    }

    /** Events about the given pids (vfork/exec/exit of a child, vfork_return of a parent), after a short settle. */
    List<Event> about(Triggers.Run r) throws InterruptedException {
        Thread.sleep(100); // two drain intervals: anything the kernel still had is delivered
        return events().stream().filter(e -> {
            // The trigger's own pid also appears as a vfork child of the JVM (ProcessBuilder uses vfork): skip that.
            if (e instanceof dev.forkwatch.event.Vfork v) {
                return v.ppid() == r.parent() && r.children().contains(v.pid());
            }
            if (e instanceof dev.forkwatch.event.VforkReturn v) {
                return v.pid() == r.parent();
            }
            return r.children().contains(e.pid());
        }).toList();
    }

    @Override
    public void close() throws InterruptedException {
        source.stop();
        thread.join(5000);
        if (thread.isAlive()) {
            throw new IllegalStateException("live source did not stop within 5 s");
        }
        if (failure != null) {
            throw new IllegalStateException("live source failed", failure);
        }
    }
}
