package dev.forkwatch.rules;

import static dev.forkwatch.rules.Ev.clock;
import static dev.forkwatch.rules.Ev.exec;
import static dev.forkwatch.rules.Ev.ns;
import static dev.forkwatch.rules.Ev.vfork;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.forkwatch.alert.Alert;
import dev.forkwatch.alert.Priority;
import dev.forkwatch.config.Config;
import dev.forkwatch.event.Event;
import dev.forkwatch.event.Vfork;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A rule that throws never stops the engine and never hides an event from the other rules: each case runs a
 * broken rule beside the default pack, on an event that makes it throw, and expects the default alert that the
 * same event raises.
 */
class RuleIsolationTest {
    static final String STALLED = "Vfork child stalled";
    static final String META = "@priority(\"Warning\") @tags(\"test\") @description(\"d\")";

    static RulePack packWith(String drl) {
        return packWith(drl, Config.defaults());
    }

    static RulePack packWith(String drl, Config config) {
        List<RuleSource> src = new ArrayList<>(RulePack.embedded());
        src.add(new RuleSource("broken.drl", drl));
        return RulePack.compile(src, config);
    }

    static List<Alert> run(RulePack pack, List<Object> trace) {
        List<Alert> alerts = new ArrayList<>();
        try (RuleEngine engine = new RuleEngine(pack, 100_000_000L, 30_000_000_000L, alerts::add)) {
            feed(engine, trace);
            engine.finish();
        }
        return alerts;
    }

    static void feed(RuleEngine engine, List<Object> trace) {
        for (Object o : trace) {
            if (o instanceof Event e) {
                engine.event(e);
            } else {
                engine.clock(((Ev.Tick) o).ns());
            }
        }
    }

    static Vfork vforkComm(double ms, int pid, String comm) {
        return new Vfork(ns(ms), pid, 100, 1000, comm, "vfork");
    }

    static List<Alert> failures(List<Alert> alerts) {
        return alerts.stream().filter(a -> a.rule().equals(RuleFailures.RULE)).toList();
    }

    @Test
    void aConditionThatThrowsIsDisabledAndTheEventStillReachesTheOtherRules() {
        // Throws only for a comm shorter than 3 characters: "sh" does, "make" does not.
        RulePack pack = packWith("rule \"Short comm\" " + META + "\nwhen\n    $v : Vfork(comm.substring(3) == \"e\")\n"
                + "then\n    alerts.child(drools, $v, \"make child\");\nend\n");
        List<Alert> alerts = run(pack, List.of(vfork(0, 101, 100), vforkComm(10, 102, "sh"), vforkComm(20, 103, "make"),
                clock(20_000)));
        List<Alert> failed = failures(alerts);
        assertThat(failed).hasSize(1);
        Alert f = failed.get(0);
        assertThat(f.priority()).isEqualTo(Priority.CRITICAL);
        assertThat(f.timeNs()).isEqualTo(ns(10)); // the "sh" vfork
        assertThat(f.outputFields()).containsEntry("rule.name", "Short comm").containsEntry("rule.location", "broken.drl:1")
                .containsEntry("rule.failure", "condition").containsEntry("rule.disabled", true);
        assertThat(f.output()).contains("Short comm", "broken.drl:1", "StringIndexOutOfBoundsException")
                .doesNotContain("\n", "\tat ");
        // The event that made the rule throw (pid 102) still stalls, as do the others.
        assertThat(alerts).filteredOn(a -> a.rule().equals(STALLED)).extracting(a -> a.outputFields().get("proc.pid"))
                .containsExactlyInAnyOrder(101, 102, 103);
        // The rule matched the first vfork before it was disabled, and nothing after.
        assertThat(alerts).filteredOn(a -> a.rule().equals("Short comm")).hasSize(1);
    }

    @Test
    void theConditionFailureIsAtTheEventThatCausedIt() {
        RulePack pack = packWith("rule \"Short comm\" " + META + "\nwhen\n    $v : Vfork(comm.substring(3) == \"e\")\n"
                + "then\nend\n");
        List<Alert> failed = failures(run(pack, List.of(vforkComm(10, 102, "sh"), clock(100))));
        assertThat(failed).singleElement().satisfies(f -> assertThat(f.timeNs()).isEqualTo(ns(10)));
    }

    @Test
    void aConditionSharedByTwoRulesNamesBoth() {
        RulePack pack = packWith("rule \"Root A\" " + META + "\nwhen\n    Vfork(uid == \"root\")\nthen\nend\n"
                + "rule \"Root B\" " + META + "\nwhen\n    Vfork(uid == \"root\")\nthen\nend\n");
        List<Alert> alerts = run(pack, List.of(vfork(0, 101, 100), clock(10_000)));
        assertThat(failures(alerts)).singleElement().satisfies(f -> {
            assertThat(f.outputFields()).containsEntry("rule.name", "Root A, Root B")
                    .containsEntry("rule.location", "broken.drl:1, broken.drl:6");
            assertThat(f.output()).contains("NumberFormatException");
        });
        assertThat(alerts).extracting(Alert::rule).contains(STALLED);
    }

    @Test
    void aJoinConditionThatThrowsIsDisabled() {
        RulePack pack = packWith("rule \"Exec suffix\" " + META + "\nwhen\n    $v : Vfork()\n"
                + "    $x : Exec(pid == $v.pid, comm.substring(10) == \"x\")\nthen\nend\n");
        List<Alert> alerts = run(pack, List.of(vfork(0, 101, 100), exec(1, 101, "/tmp/x"), vfork(2, 102, 100), clock(20_000)));
        assertThat(failures(alerts)).singleElement().satisfies(f ->
                assertThat(f.outputFields()).containsEntry("rule.name", "Exec suffix").containsEntry("rule.failure", "condition"));
        // The exec that made the join throw is still seen by the default pack.
        assertThat(alerts).extracting(Alert::rule)
                .contains("Vfork child exec from writable directory", STALLED);
    }

    @Test
    void aConsequenceThatThrowsSkipsTheMatchAndIsReportedOncePerMinuteWithTheCount() {
        RulePack pack = packWith("rule \"Divide\" " + META + "\nwhen\n    $v : Vfork()\n"
                + "then\n    alerts.child(drools, $v, \"ratio \" + (1000 / ($v.uid() - 1000)));\nend\n");
        List<Object> trace = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            trace.add(vfork(i * 1000, 101 + i, 100)); // uid 1000: division by zero
        }
        trace.add(new Vfork(ns(6000), 200, 100, 1010, "make", "vfork")); // uid 1010: fine
        trace.add(vfork(70_000, 300, 100)); // a minute after the first report
        trace.add(clock(80_000));
        List<Alert> alerts = run(pack, trace);
        List<Alert> failed = failures(alerts);
        // Reported at the first failure, then with the count at the first failure a minute later.
        assertThat(failed).extracting(a -> a.outputFields().get("rule.failures")).containsExactly(1L, 5L);
        assertThat(failed).extracting(Alert::timeNs).containsExactly(ns(0), ns(70_000));
        assertThat(failed.get(0).outputFields()).containsEntry("rule.failure", "consequence").containsEntry("rule.disabled", false);
        assertThat(failed.get(0).output()).contains("Divide", "broken.drl:1", "ArithmeticException: / by zero");
        assertThat(failed.get(1).output()).contains("5 times since the last report");
        // The rule stayed on: the good match raised its alert; every vfork still stalls.
        assertThat(alerts).filteredOn(a -> a.rule().equals("Divide")).singleElement()
                .satisfies(a -> assertThat(a.output()).isEqualTo("ratio 100"));
        assertThat(alerts).filteredOn(a -> a.rule().equals(STALLED)).hasSize(7);
    }

    @Test
    void aRunawayRuleIsStoppedAndItsFactsDeleted() {
        RulePack pack = packWith("declare Echo\n    @role(event)\n    n : long\nend\n"
                + "rule \"Echo\" " + META + "\nwhen\n    Vfork() or Echo()\nthen\n    insert(new Echo(1));\nend\n");
        List<Alert> alerts = new ArrayList<>();
        try (RuleEngine engine = new RuleEngine(pack, 100_000_000L, 30_000_000_000L, alerts::add)) {
            feed(engine, List.of(vfork(0, 101, 100), clock(10_000)));
            engine.finish();
            assertThat(engine.disabledRules()).containsExactly("Echo");
            assertThat(engine.stats().inSession()).isLessThan(100);
        }
        assertThat(failures(alerts)).singleElement().satisfies(f ->
                assertThat(f.outputFields()).containsEntry("rule.name", "Echo").containsEntry("rule.failure", "runaway"));
        assertThat(alerts).extracting(Alert::rule).contains(STALLED);
    }

    @Test
    void aBurstOfVforksNeverLooksLikeARunaway() {
        // 20,000 children of 200 parents in one millisecond, all stalling in the same millisecond 5 s later:
        // the default rules fire once per child, in one round. (Parents with 100 children each: a storm of one
        // parent costs the storm rule time quadratic in the children of one millisecond, whatever the guard.)
        List<Object> trace = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            trace.add(new Vfork(ns(0) + i, 1000 + i, 100 + i % 200, 1000, "make", "vfork"));
        }
        trace.add(clock(10_000));
        List<Alert> alerts = new ArrayList<>();
        try (RuleEngine engine = new RuleEngine(RulePack.compile(RulePack.embedded(), Config.defaults()), 100_000_000L,
                30_000_000_000L, alerts::add)) {
            feed(engine, trace);
            engine.finish();
            assertThat(engine.disabledRules()).isEmpty();
        }
        assertThat(failures(alerts)).isEmpty();
        assertThat(alerts).filteredOn(a -> a.rule().equals(STALLED)).hasSize(20_000);
    }

    @Test
    void rulesDisabledInTheConfigDoNotRun() {
        Config cfg = Config.defaults().overlay(Config.parse("rules:\n  disabled: [\"Vfork child stalled\"]\n", "my.yaml"));
        RulePack pack = RulePack.compile(RulePack.embedded(), cfg);
        List<Alert> alerts = run(pack, List.of(vfork(0, 101, 100), clock(10_000)));
        assertThat(alerts).isEmpty();
        assertThat(pack.disabled()).containsExactly(STALLED);
    }

    @Test
    void anUnknownRuleInRulesDisabledIsAnErrorAtItsLine() {
        Config cfg = Config.defaults().overlay(Config.parse("output:\n  format: text\nrules:\n  disabled: [\"vfork child stalled\"]\n", "my.yaml"));
        assertThatThrownBy(() -> RulePack.compile(RulePack.embedded(), cfg))
                .hasMessageContaining("my.yaml:4:1: rules.disabled: no rule named 'vfork child stalled' (did you mean 'Vfork child stalled'?)");
    }
}
