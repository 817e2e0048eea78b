package dev.forkwatch.rules;

import static dev.forkwatch.rules.Ev.clock;
import static dev.forkwatch.rules.Ev.exec;
import static dev.forkwatch.rules.Ev.exit;
import static dev.forkwatch.rules.Ev.ns;
import static dev.forkwatch.rules.Ev.vfork;
import static org.assertj.core.api.Assertions.assertThat;

import dev.forkwatch.alert.Alert;
import dev.forkwatch.config.Config;
import dev.forkwatch.event.Event;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The engine machinery under the default pack: alert fields, watermark timing, determinism, bounded memory. What
 * each rule detects is tested by the case files in rules/tests/ (DefaultRuleCasesTest runs them through
 * forkwatch test-rules).
 */
class DefaultRulesTest {
    static final String STALLED = "Vfork child stalled";

    static RulePack pack;

    @BeforeAll
    static void compile() {
        pack = RulePack.compile(RulePack.embedded(), Config.defaults());
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
                + " within 5s; the parent is blocked (cmdline=<NA> container=<NA>)");
    }

    @Test
    void messagesSayDurationsAsTheConfigDoesAndSignalsAsSignals() {
        List<Alert> alerts = run(pack, concat(storm(150, 1, 100), List.of(vfork(0, 7, 6),
                new dev.forkwatch.event.Exit(ns(1), 7, -1, 9), clock(10_000))));
        assertThat(alerts).filteredOn(a -> a.rule().equals("Vfork storm")).singleElement()
                .satisfies(a -> assertThat(a.output()).contains("vfork children within 1s "));
        assertThat(alerts).filteredOn(a -> a.rule().equals("Vfork child exited without exec")).singleElement()
                .satisfies(a -> assertThat(a.output()).contains("vfork child 7 of make (pid 6) was killed by signal 9 without exec")
                        .doesNotContain("code -1"));
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
