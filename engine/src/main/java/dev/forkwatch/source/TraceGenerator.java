package dev.forkwatch.source;

import dev.forkwatch.event.Event;
import dev.forkwatch.event.Exec;
import dev.forkwatch.event.Exit;
import dev.forkwatch.event.Vfork;
import dev.forkwatch.event.VforkReturn;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.PriorityQueue;
import java.util.SplittableRandom;

/**
 * A synthetic trace with the shape of a busy build host, as the probes record it: many parents spawning children
 * through vfork semantics, each child exec'ing (the probes report no exit of a child that exec'd: events.md), with a
 * few misbehaving ones (failed exec: an exit without exec; stalls) and an occasional storm. Deterministic for a seed.
 * Used by the benchmarks, by tests that need volume, and by {@code run}'s warm-up (as an endless iterator, stopped by
 * its reader).
 */
public final class TraceGenerator implements Iterator<Event> {
    public static final long T0 = 1_764_300_000_000_000_000L;
    private static final int PID_MAX = 4_194_304;

    private final long events;
    private final int parents;
    private final long stepNs;
    private final SplittableRandom rnd;
    private final boolean execExits;
    /** Events generated but not yet handed out, in time order. */
    private final ArrayDeque<Event> ready = new ArrayDeque<>();
    /** Exec/exit/return events of children already created: they wait here until the clock reaches them. */
    private final PriorityQueue<Event> later = new PriorityQueue<>(Comparator.comparingLong(Event::ts));
    private long t = T0;
    private int nextPid = 1000;
    private long written;
    private long failed;
    private long stalls;
    private long storms;
    private long lastStormNs;
    private boolean drained;

    /**
     * About {@code events} events (whole children only; {@code Long.MAX_VALUE}: endless) at {@code ratePerSec}
     * events per second of event time, the children spread over {@code parents} parents: few parents at a high
     * rate give busy parents (hundreds of children a second each), one gives a permanent storm.
     */
    public TraceGenerator(long events, long ratePerSec, int parents, long seed) {
        this(events, ratePerSec, parents, seed, false);
    }

    /**
     * As {@link #TraceGenerator(long, long, int, long)}; with {@code execExits}, also an exit for each child that
     * exec'd, which the probes do not report: the shape of a trace from another recorder (and of this generator's
     * traces before 2026-12-06).
     */
    public TraceGenerator(long events, long ratePerSec, int parents, long seed, boolean execExits) {
        this.execExits = execExits;
        this.events = events;
        this.parents = parents;
        this.stepNs = 1_000_000_000L / Math.max(1, ratePerSec);
        this.rnd = new SplittableRandom(seed);
    }

    /** What a generated trace holds: events written, and the misbehaviour put in on purpose. */
    public record Counts(long events, long failedExecs, long stalls, long storms) {
    }

    /** Writes about {@code events} events (whole children only) at {@code ratePerSec} events per second. */
    public static Counts write(Path file, long events, long ratePerSec, long seed) throws IOException {
        return write(file, events, ratePerSec, 1024, seed);
    }

    /** As {@link #write(Path, long, long, long)} with the children spread over {@code parents} parents. */
    public static Counts write(Path file, long events, long ratePerSec, int parents, long seed) throws IOException {
        return write(file, new TraceGenerator(events, ratePerSec, parents, seed));
    }

    /** Writes what {@code g} generates. */
    public static Counts write(Path file, TraceGenerator g) throws IOException {
        try (TraceWriter w = new TraceWriter(file, Long.MAX_VALUE)) {
            while (g.hasNext()) {
                w.event(g.next());
            }
            w.close(g.t);
        }
        return g.counts();
    }

    /** What was generated so far. */
    public Counts counts() {
        return new Counts(written, failed, stalls, storms);
    }

    @Override
    public boolean hasNext() {
        while (ready.isEmpty() && !drained) {
            step();
        }
        return !ready.isEmpty();
    }

    @Override
    public Event next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        return ready.poll();
    }

    /** One parent's turn: due events of earlier children, then one child (a storm: 150); at the end, the rest. */
    private void step() {
        if (written >= events) {
            while (!later.isEmpty()) {
                Event e = later.poll();
                ready.add(e);
                t = Math.max(t, e.ts());
            }
            drained = true;
            return;
        }
        while (!later.isEmpty() && later.peek().ts() <= t) {
            ready.add(later.poll());
        }
        int ppid = 300 + rnd.nextInt(parents);
        // at most one storm a minute, so each is reported once (vfork.storm_suppress is 60 s per parent)
        boolean storm = rnd.nextInt(5_000) == 0 && (storms == 0 || t - lastStormNs > 61_000_000_000L);
        if (storm) {
            storms++;
            lastStormNs = t;
        }
        int children = storm ? 150 : 1;
        for (int c = 0; c < children && written < events; c++) {
            int pid = nextPid;
            nextPid = nextPid + 1 >= PID_MAX ? 1000 : nextPid + 1; // pids wrap and are reused
            ready.add(new Vfork(t, pid, ppid, 1000, "make", "clone3"));
            final long t1 = t;
            int fate = rnd.nextInt(10_000);
            long n; // this child's events: time moves on by as many steps, so that the rate holds
            if (fate < 10 && !storm) { // failed exec
                failed++;
                later.add(new Exit(t1 + 200_000, pid, 127, 0));
                later.add(new VforkReturn(t1 + 210_000, ppid, pid, 210_000));
                n = 3;
            } else if (fate < 12 && !storm) { // stall: exec only after 6 s
                stalls++;
                later.add(new Exec(t1 + 6_000_000_000L, pid, "sleep", "/usr/bin/sleep"));
                n = 2;
            } else {
                later.add(new Exec(t1 + 150_000, pid, "cc", "/usr/bin/cc"));
                later.add(new VforkReturn(t1 + 160_000, ppid, pid, 160_000));
                int exitAfter = 300_000 + rnd.nextInt(1_000_000); // drawn either way: the same trace but for the exits
                if (execExits) {
                    later.add(new Exit(t1 + exitAfter, pid, 0, 0));
                }
                n = execExits ? 4 : 3;
            }
            written += n;
            // with execExits, four steps a child whatever its fate, as before: the same trace as then
            t += storm ? stepNs / 4 : stepNs * (execExits ? 4 : n);
        }
    }
}
