package dev.forkwatch.rules;

import dev.forkwatch.event.Event;
import dev.forkwatch.event.Exec;
import dev.forkwatch.event.Exit;
import dev.forkwatch.event.Vfork;
import dev.forkwatch.event.VforkReturn;
import java.util.List;

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

    /** A vfork with every context field: parent {@code parentExe} run as {@code parentArgs}, in a container. */
    static Vfork vfork(double ms, int pid, int ppid, String parentExe, String... parentArgs) {
        return new Vfork(ns(ms), pid, ppid, 1000, parentExe.substring(parentExe.lastIndexOf('/') + 1), "clone3",
                parentExe, List.of(parentArgs), 1000, List.of("bash", "sshd", "systemd"), "3f4a5b6c7d8e", "alice");
    }

    /** Exec number {@code index} of a vfork child, with its argument vector and resolved path. */
    static Exec exec(double ms, int pid, int index, String filename, String... args) {
        return new Exec(ns(ms), pid, filename.substring(filename.lastIndexOf('/') + 1), filename, List.of(args), index,
                1000, false, false, filename);
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
