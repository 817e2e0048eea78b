package dev.forkwatch.rules;

import dev.forkwatch.event.Event;
import dev.forkwatch.event.Exec;
import dev.forkwatch.event.Exit;
import dev.forkwatch.event.Vfork;
import dev.forkwatch.event.VforkReturn;

/** Short event constructors for rule tests; times are milliseconds after a fixed epoch time. */
final class Ev {
    static final long T0 = 1_764_300_000_000_000_000L;

    private Ev() {
    }

    static long ns(double ms) {
        return T0 + Math.round(ms * 1_000_000d);
    }

    static Vfork vfork(double ms, int pid, int ppid) {
        return new Vfork(ns(ms), pid, ppid, 1000, "make", "clone3");
    }

    static Exec exec(double ms, int pid) {
        return new Exec(ns(ms), pid, "cc", "/usr/bin/cc");
    }

    static Exec exec(double ms, int pid, String filename) {
        return new Exec(ns(ms), pid, filename.substring(filename.lastIndexOf('/') + 1), filename);
    }

    static Exit exit(double ms, int pid, int code) {
        return new Exit(ns(ms), pid, code, 0);
    }

    static VforkReturn ret(double ms, int parent, int child, long blockedNs) {
        return new VforkReturn(ns(ms), parent, child, blockedNs);
    }

    /** A "time passed" marker, as a clock record in a trace: the test calls RuleEngine.clock(). */
    static Tick clock(double ms) {
        return new Tick(ns(ms));
    }

    record Tick(long ns) {
    }
}
