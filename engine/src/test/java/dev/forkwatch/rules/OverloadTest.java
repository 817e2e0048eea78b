package dev.forkwatch.rules;

import static dev.forkwatch.rules.Ev.exec;
import static dev.forkwatch.rules.Ev.ns;
import static dev.forkwatch.rules.Ev.ret;
import static dev.forkwatch.rules.Ev.vfork;
import static org.assertj.core.api.Assertions.assertThat;

import dev.forkwatch.alert.Alert;
import dev.forkwatch.alert.Priority;
import dev.forkwatch.config.Config;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** engine.max_facts: the oldest children leave early, whole, and the engine says so; never a false alert. */
class OverloadTest {
    static final String STALLED = "Vfork child stalled";
    static RulePack pack;
    final List<Alert> alerts = new ArrayList<>();

    @BeforeAll
    static void compile() {
        pack = RulePack.compile(RulePack.embedded(), Config.defaults());
    }

    RuleEngine engine(long maxFacts) {
        return new RuleEngine(pack, new RuleEngine.Settings(100_000_000L, 30_000_000_000L, maxFacts, "h"), alerts::add);
    }

    @Test
    void theOldestChildrenAreEvictedAndTheOverloadIsReported() {
        // Each child takes two slots: its Vfork and the StormParent fact of its parent (one parent each), which leaves with it.
        try (RuleEngine e = engine(20)) {
            for (int i = 0; i < 100; i++) { // never exec: each would stall 5 s later
                e.event(vfork(i * 10, 1000 + i, 1000 + i + 500)); // one parent each: no storm
            }
            e.clock(ns(20_000));
            e.finish();
            RuleEngine.Stats s = e.stats();
            assertThat(s.evicted()).isEqualTo(90);
            List<Object> stalled = alerts.stream().filter(a -> a.rule().equals(STALLED)).map(a -> a.outputFields().get("proc.pid")).toList();
            assertThat(stalled).as("only the 10 newest children were kept").hasSize(10).allMatch(p -> (Integer) p >= 1090);
            List<Alert> overloaded = alerts.stream().filter(a -> a.rule().equals(Overload.RULE)).toList();
            assertThat(overloaded).hasSize(1); // all within one minute of event time
            assertThat(overloaded.get(0).priority()).isEqualTo(Priority.CRITICAL);
            assertThat(overloaded.get(0).outputFields().get("forkwatch.evicted_total")).isEqualTo((long) overloaded.get(0).outputFields().get("forkwatch.evicted"));
            assertThat(s.alerts()).isEqualTo(alerts.size());
        }
    }

    @Test
    void evictionNeverSeparatesAnExecFromItsVfork() {
        // Every child execs 1 ms after its vfork; the parent returns 2 ms after. A session of 5 events keeps
        // evicting, and must never hold a vfork without its exec: no false "stalled", whatever is evicted.
        try (RuleEngine e = engine(5)) {
            for (int i = 0; i < 2_000; i++) {
                int child = 10_000 + i;
                e.event(vfork(i * 3, child, 9));
                e.event(exec(i * 3 + 1, child));
                e.event(ret(i * 3 + 2, 9, child, 2_000_000));
            }
            e.clock(ns(6_000 + 20_000));
            e.finish();
            assertThat(e.stats().evicted()).isPositive();
            assertThat(alerts).extracting(Alert::rule).doesNotContain(STALLED, "Vfork child exited without exec");
        }
    }

    @Test
    void aBurstWithinTheReorderAllowanceCannotOverfillTheSession() {
        try (RuleEngine e = engine(50)) {
            for (int i = 0; i < 1_000; i++) { // all in the same millisecond: none is released by the watermark
                e.event(vfork(0, 20_000 + i, 20_000 + i));
                assertThat(e.stats().buffered()).isLessThanOrEqualTo(51);
            }
            e.finish();
            assertThat(e.stats().evicted()).isGreaterThanOrEqualTo(950);
        }
    }
}
