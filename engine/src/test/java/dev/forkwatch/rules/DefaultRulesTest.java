package dev.forkwatch.rules;

import static dev.forkwatch.rules.Ev.clock;
import static dev.forkwatch.rules.Ev.exec;
import static dev.forkwatch.rules.Ev.execFromMemory;
import static dev.forkwatch.rules.Ev.exit;
import static dev.forkwatch.rules.Ev.ns;
import static dev.forkwatch.rules.Ev.ret;
import static dev.forkwatch.rules.Ev.vfork;
import static org.assertj.core.api.Assertions.assertThat;

import dev.forkwatch.alert.Alert;
import dev.forkwatch.config.Config;
import dev.forkwatch.event.Event;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The default rule pack, table-driven: a trace, the alerts expected (rule, pid, time), and negative cases.
 * Each case runs in a fresh session on the pseudo clock. Stall threshold 5 s, storm 100 per 1 s (defaults).
 */
class DefaultRulesTest {
    static final String STALLED = "Vfork child stalled";
    static final String NO_EXEC = "Vfork child exited without exec";
    static final String STORM = "Vfork storm";
    static final String BLOCKED = "Vfork parent blocked";
    static final String TMP_EXEC = "Vfork child exec from writable directory";
    static final String MEMORY = "Vfork child exec'd from memory";
    static final String SERVICE_SHELL = "Shell spawned by a service";

    static RulePack pack;

    @BeforeAll
    static void compile() {
        pack = RulePack.compile(RulePack.embedded(), Config.defaults());
    }

    /** An expected alert: rule, proc.pid, event time in ms after T0. */
    record Expect(String rule, int pid, double atMs) {
        @Override
        public String toString() {
            return rule + " pid " + pid + " @" + atMs + "ms";
        }
    }

    record Case(String name, List<Object> trace, List<Expect> expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Case c(String name, List<Object> trace, Expect... expected) {
        return new Case(name, trace, List.of(expected));
    }

    static Expect e(String rule, int pid, double atMs) {
        return new Expect(rule, pid, atMs);
    }

    static Stream<Case> cases() {
        List<Case> cs = new ArrayList<>();
        // --- stalled
        cs.add(c("exec at 4.9 s is not stalled",
                List.of(vfork(0, 101, 100), exec(4900, 101), clock(20_000))));
        cs.add(c("exec at exactly 5 s is not stalled (closed window)",
                List.of(vfork(0, 101, 100), exec(5000, 101), clock(20_000))));
        cs.add(c("exec at 5.001 s is stalled at 5 s",
                List.of(vfork(0, 101, 100), exec(5001, 101), clock(20_000)),
                e(STALLED, 101, 5000)));
        cs.add(c("no exec, no exit: stalled at the threshold, once",
                List.of(vfork(0, 101, 100), clock(60_000)),
                e(STALLED, 101, 5000)));
        cs.add(c("stalled fires from the watermark alone (clock records), not only on later events",
                List.of(vfork(0, 101, 100), clock(5200)),
                e(STALLED, 101, 5000)));
        cs.add(c("not stalled when the trace ends before the threshold",
                List.of(vfork(0, 101, 100), clock(4999))));
        cs.add(c("stalled child that exits later is not also 'exited without exec'",
                List.of(vfork(0, 101, 100), exit(7000, 101, 1), clock(20_000)),
                e(STALLED, 101, 5000)));
        cs.add(c("exit at 4 s is not stalled but exited without exec",
                List.of(vfork(0, 101, 100), exit(4000, 101, 127), clock(20_000)),
                e(NO_EXEC, 101, 4000)));
        // --- exited without exec
        cs.add(c("exit after exec is not 'without exec'",
                List.of(vfork(0, 101, 100), exec(1, 101), exit(30, 101, 0), clock(20_000))));
        cs.add(c("two children, one fails",
                List.of(vfork(0, 101, 100), vfork(1, 102, 100), exec(2, 101), exit(3, 102, 127), exit(10, 101, 0), clock(20_000)),
                e(NO_EXEC, 102, 3)));
        cs.add(c("pid reuse after exit: the second life is judged on its own",
                List.of(vfork(0, 101, 100), exec(1, 101), exit(100, 101, 0),
                        vfork(200, 101, 100), exit(250, 101, 127), clock(20_000)),
                e(NO_EXEC, 101, 250)));
        cs.add(c("pid reuse: a failed first life does not hide a good second one",
                List.of(vfork(0, 101, 100), exit(10, 101, 127),
                        vfork(200, 101, 100), exec(210, 101), exit(300, 101, 0), clock(20_000)),
                e(NO_EXEC, 101, 10)));
        cs.add(c("pid reuse: the second life stalls",
                List.of(vfork(0, 101, 100), exec(1, 101), exit(2, 101, 0), vfork(1000, 101, 100), clock(20_000)),
                e(STALLED, 101, 6000)));
        // --- out of order within the allowance (100 ms)
        cs.add(c("exec delivered before its vfork, within the allowance",
                List.of(exec(5, 101), vfork(0, 101, 100), exit(9, 101, 0), clock(20_000))));
        cs.add(c("exit delivered 80 ms late, still ordered",
                List.of(vfork(0, 101, 100), vfork(50, 102, 100), exec(60, 102), exit(10, 101, 127), clock(20_000)),
                e(NO_EXEC, 101, 10)));
        // --- storm
        cs.add(c("99 children in one second is not a storm", storm(99, 10, 100)));
        cs.add(c("101 children in one second is a storm, raised on the 101st",
                storm(101, 9, 100), e(STORM, 100, 900)));
        cs.add(c("101 children spread over 2 s is not a storm", storm(101, 15, 100)));
        cs.add(c("101 children within 999.9 ms is a storm (window edge)",
                storm(101, 9.999, 100), e(STORM, 100, 999.9)));
        cs.add(c("101 children over exactly 1 s is not (the window is one second, open at its start)",
                storm(101, 10, 100)));
        cs.add(c("a storm that was suppressed is not reported when the suppression ends",
                concat(storm(150, 1, 100), shift(storm(150, 1, 100), 59_000), List.of(clock(70_000))),
                e(STORM, 100, 100)));
        cs.add(c("one storm alert per parent per 60 s",
                concat(storm(300, 1, 100), shift(storm(300, 1, 100), 30_000), shift(storm(300, 1, 100), 61_000)),
                e(STORM, 100, 100), e(STORM, 100, 61_100)));
        cs.add(c("storms of two parents are reported separately",
                concat(storm(101, 1, 100), storm(101, 1, 200)), e(STORM, 100, 100), e(STORM, 200, 100)));
        // --- parent blocked (extra rule)
        cs.add(c("parent blocked 2 s in vfork",
                List.of(vfork(0, 101, 100), exec(2000, 101), ret(2000, 100, 101, 2_000_000_000L), clock(20_000)),
                e(BLOCKED, 100, 2000)));
        cs.add(c("parent blocked 1 ms is fine",
                List.of(vfork(0, 101, 100), exec(1, 101), ret(1, 100, 101, 1_000_000L), clock(20_000))));
        // --- exec from a world-writable directory (extra rule)
        cs.add(c("vfork child execs /dev/shm/x",
                List.of(vfork(0, 101, 100), exec(1, 101, "/dev/shm/x"), clock(20_000)),
                e(TMP_EXEC, 101, 1)));
        cs.add(c("vfork child execs /usr/bin/ls: fine",
                List.of(vfork(0, 101, 100), exec(1, 101, "/usr/bin/ls"), clock(20_000))));
        cs.add(c("a non-vfork process execing /dev/shm/x is not this rule's business",
                List.of(exec(1, 555, "/dev/shm/x"), clock(20_000))));
        cs.add(c("every exec of the child counts: env, then /tmp/x",
                List.of(vfork(0, 101, 100), exec(1, 101, 1, "/usr/bin/env", "env", "/tmp/x"), exec(2, 101, 2, "/tmp/x", "/tmp/x"),
                        clock(20_000)),
                e(TMP_EXEC, 101, 2)));
        cs.add(c("a relative path is judged by the resolved executable path",
                List.of(vfork(0, 101, 100), new dev.forkwatch.event.Exec(ns(1), 101, "x", "./x", List.of("./x"), 1, 1000,
                        false, false, "/var/tmp/x"), clock(20_000)),
                e(TMP_EXEC, 101, 1)));
        cs.add(c("an exec from /tmp after the child exited is another process's",
                List.of(vfork(0, 101, 100), exec(1, 101), exit(2, 101, 0), exec(3, 101, 2, "/tmp/x", "/tmp/x"), clock(20_000))));
        cs.add(c("pid reuse: the second vfork child's exec is reported once, for the second child",
                List.of(vfork(0, 101, 100), vfork(10, 101, 100), exec(11, 101, 1, "/tmp/x", "/tmp/x"), clock(20_000)),
                e(TMP_EXEC, 101, 11)));
        // --- exec'd from memory
        cs.add(c("fexecve of a memfd",
                List.of(vfork(0, 101, 100), execFromMemory(1, 101, true, true, "/memfd:x"), clock(20_000)),
                e(MEMORY, 101, 1)));
        cs.add(c("exec of an unlinked file",
                List.of(vfork(0, 101, 100), exec(1, 101), execFromMemory(2, 101, false, true, "/tmp/gone"), clock(20_000)),
                e(MEMORY, 101, 2), e(TMP_EXEC, 101, 2)));
        cs.add(c("a regular file is not from memory",
                List.of(vfork(0, 101, 100), execFromMemory(1, 101, false, false, "/usr/bin/x"), clock(20_000))));
        cs.add(c("a memfd exec of a non-vfork process is not this rule's business",
                List.of(execFromMemory(1, 555, true, true, "/memfd:x"), clock(20_000))));
        // --- shell spawned by a service
        cs.add(c("nginx's child execs /bin/sh",
                List.of(vfork(0, 101, 100, "/usr/sbin/nginx", "nginx: worker process"),
                        exec(1, 101, 1, "/bin/sh", "sh", "-c", "id"), clock(20_000)),
                e(SERVICE_SHELL, 101, 1)));
        cs.add(c("the shell at the second exec (a wrapper first)",
                List.of(vfork(0, 101, 100, "/usr/lib/postgresql/15/bin/postgres", "postgres"),
                        exec(1, 101, 1, "/usr/bin/env", "env", "bash"), exec(2, 101, 2, "/usr/bin/bash", "bash"), clock(20_000)),
                e(SERVICE_SHELL, 101, 2)));
        cs.add(c("a name pattern: php-fpm* matches php-fpm8.2",
                List.of(vfork(0, 101, 100, "/usr/sbin/php-fpm8.2", "php-fpm: pool www"), exec(1, 101, 1, "/bin/dash", "sh"),
                        clock(20_000)),
                e(SERVICE_SHELL, 101, 1)));
        cs.add(c("nginx's child runs a program that is not a shell",
                List.of(vfork(0, 101, 100, "/usr/sbin/nginx", "nginx"), exec(1, 101, 1, "/usr/bin/convert", "convert"),
                        clock(20_000))));
        cs.add(c("a shell spawned by a program that is not a service",
                List.of(vfork(0, 101, 100, "/usr/bin/make", "make"), exec(1, 101, 1, "/bin/sh", "sh", "-c", "cc"), clock(20_000))));
        cs.add(c("a basename that only contains a service's name is not that service",
                List.of(vfork(0, 101, 100, "/opt/nginx-exporter", "nginx-exporter"), exec(1, 101, 1, "/bin/sh", "sh"),
                        clock(20_000))));
        cs.add(c("parent executable unknown (a trace without parent_exe): the comm is not trusted",
                List.of(new dev.forkwatch.event.Vfork(ns(0), 101, 100, 33, "nginx", "clone3"), exec(1, 101, "/bin/sh"),
                        clock(20_000))));
        cs.add(c("java is not a service by default (add it to vfork.service_parents)",
                List.of(vfork(0, 101, 100, "/usr/lib/jvm/java-17/bin/java", "java", "-jar", "app.jar"),
                        exec(1, 101, 1, "/usr/lib/jvm/java-17/lib/jspawnhelper", "jspawnhelper"),
                        exec(2, 101, 2, "/bin/sh", "/bin/sh", "-c", "id"), clock(20_000))));
        return cs.stream();
    }

    /** n vfork children of {@code ppid}, one every {@code stepMs}, each exec'ing and exiting at once. */
    static List<Object> storm(int n, double stepMs, int ppid) {
        List<Object> t = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int pid = ppid * 1000 + i;
            t.add(vfork(i * stepMs, pid, ppid));
            t.add(exec(i * stepMs, pid));
            t.add(exit(i * stepMs, pid, 0));
        }
        return t;
    }

    static List<Object> shift(List<Object> trace, double ms) {
        long d = Math.round(ms * 1_000_000d);
        List<Object> out = new ArrayList<>();
        for (Object o : trace) {
            if (o instanceof dev.forkwatch.event.Vfork v) {
                out.add(new dev.forkwatch.event.Vfork(v.ts() + d, v.pid() + 100_000, v.ppid(), v.uid(), v.comm(), v.via()));
            } else if (o instanceof dev.forkwatch.event.Exec x) {
                out.add(new dev.forkwatch.event.Exec(x.ts() + d, x.pid() + 100_000, x.comm(), x.filename()));
            } else if (o instanceof dev.forkwatch.event.Exit x) {
                out.add(new dev.forkwatch.event.Exit(x.ts() + d, x.pid() + 100_000, x.exitCode(), x.signal()));
            }
        }
        return out;
    }

    @SafeVarargs
    static List<Object> concat(List<Object>... parts) {
        List<Object> out = new ArrayList<>();
        for (List<Object> p : parts) {
            out.addAll(p);
        }
        out.sort((a, b) -> Long.compare(ts(a), ts(b)));
        return out;
    }

    static long ts(Object o) {
        return o instanceof Event e ? e.ts() : ((Ev.Tick) o).ns();
    }

    static List<Alert> run(RulePack pack, List<Object> trace) {
        List<Alert> alerts = new ArrayList<>();
        try (RuleEngine engine = new RuleEngine(pack, 100_000_000L, 120_000_000_000L, alerts::add)) {
            for (Object o : trace) {
                if (o instanceof Event ev) {
                    engine.event(ev);
                } else {
                    engine.clock(((Ev.Tick) o).ns());
                }
            }
            engine.finish();
        }
        return alerts;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void defaultPack(Case c) {
        List<Alert> alerts = run(pack, c.trace());
        List<Expect> got = alerts.stream()
                .map(a -> new Expect(a.rule(), ((Number) a.outputFields().get("proc.pid")).intValue(),
                        (a.timeNs() - Ev.T0) / 1e6))
                .toList();
        assertThat(got).as(c.name()).containsExactlyInAnyOrderElementsOf(c.expected());
    }

    @Test
    void alertCarriesRuleMetadataAndFields() {
        List<Alert> alerts = run(pack, List.of(vfork(0, 101, 100), clock(10_000)));
        assertThat(alerts).hasSize(1);
        Alert a = alerts.get(0);
        assertThat(a.priority()).isEqualTo(dev.forkwatch.alert.Priority.WARNING);
        assertThat(a.tags()).contains("vfork", "T1499");
        assertThat(a.timeNs()).isEqualTo(ns(5000));
        assertThat(a.outputFields()).containsEntry("proc.pid", 101).containsEntry("proc.ppid", 100)
                .containsEntry("proc.pname", "make").containsEntry("user.uid", 1000)
                .containsEntry("vfork.via", "clone3").containsEntry("vfork.elapsed_ns", 5_000_000_000L);
        assertThat(a.output()).isEqualTo("vfork child 101 of make (pid 100, via clone3) neither exec'd nor exited"
                + " within 5.000s; the parent is blocked (cmdline=<NA> container=<NA>)");
    }

    @Test
    void timersWaitForTheWatermarkNotTheNewestEvent() {
        List<Alert> alerts = new ArrayList<>();
        try (RuleEngine engine = new RuleEngine(pack, 100_000_000L, 120_000_000_000L, alerts::add)) {
            engine.event(vfork(0, 101, 100));
            engine.clock(ns(5050)); // watermark 4950 ms: an exec stamped 4999 ms may still arrive
            assertThat(alerts).isEmpty();
            engine.event(exec(4999, 101));
            engine.clock(ns(6000));
            assertThat(alerts).isEmpty();
            engine.event(vfork(6000, 102, 100));
            engine.clock(ns(11_099));
            assertThat(alerts).isEmpty();
            engine.clock(ns(11_100));
            assertThat(alerts).extracting(Alert::rule).containsExactly(STALLED);
        }
    }

    @Test
    void sameInputSameAlerts() {
        List<Object> trace = concat(storm(250, 2, 100), List.of(vfork(3, 7, 6), exit(4, 7, 1), vfork(5, 8, 6), clock(30_000)));
        List<Alert> a = run(pack, trace);
        List<Alert> b = run(pack, trace);
        assertThat(a).isNotEmpty();
        assertThat(b.stream().map(x -> x.rule() + x.timeNs() + x.output()).toList())
                .isEqualTo(a.stream().map(x -> x.rule() + x.timeNs() + x.output()).toList());
    }

    @Test
    void memoryIsBoundedByRetentionNotTraceLength() {
        List<Alert> alerts = new ArrayList<>();
        try (RuleEngine engine = new RuleEngine(pack, 100_000_000L, 120_000_000_000L, alerts::add)) {
            for (int i = 0; i < 20_000; i++) {
                int pid = 1000 + (i % 30_000);
                engine.event(vfork(i * 50.0, pid, 10)); // one every 50 ms: 1000 s of trace
                engine.event(exec(i * 50.0 + 1, pid));
                engine.event(exit(i * 50.0 + 2, pid, 0));
            }
            engine.finish();
            // 120 s of retention at 20 children/s, three events each: at most ~7200 facts, not 60000.
            assertThat(engine.stats().inSession()).isLessThan(8_000);
            assertThat(engine.stats().events()).isEqualTo(60_000);
        }
        assertThat(alerts).isEmpty();
    }
}
