package dev.forkwatch.rules;

import static dev.forkwatch.rules.Ev.clock;
import static dev.forkwatch.rules.Ev.exit;
import static dev.forkwatch.rules.Ev.ns;
import static dev.forkwatch.rules.Ev.vfork;
import static org.assertj.core.api.Assertions.assertThat;

import dev.forkwatch.alert.Alert;
import dev.forkwatch.alert.Priority;
import dev.forkwatch.config.Config;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A reload in the middle of a trace, in event time: the trace is fed up to the reload, the new pack is put in place
 * in the same session, and the rest of the trace follows. Alerts are compared as exact lists ("ms rule pid").
 */
class ReloadTest {
    static final String ANY = "rule \"Any vfork\" @priority(\"Notice\") @tags(\"test\") @description(\"d\")\n"
            + "when\n    $v : Vfork()\nthen\n    alerts.child(drools, $v, \"vfork %proc.pid\");\nend\n";

    /** A child that stalls (101) and one that exits without exec at 150 ms (102), before a reload at 2 s. */
    static final List<Object> BEFORE = List.of(vfork(0, 101, 100), vfork(100, 102, 100), exit(150, 102, 127), clock(2000));
    static final List<Object> AFTER = List.of(vfork(4000, 103, 100), clock(12_000));

    static RulePack pack(Config config, String... extra) {
        List<RuleSource> src = new ArrayList<>(RulePack.embedded());
        for (int i = 0; i < extra.length; i++) {
            src.add(new RuleSource("extra" + i + ".drl", extra[i]));
        }
        return RulePack.compile(src, config);
    }

    static Config with(String yaml) {
        return Config.defaults().overlay(Config.parse(yaml, "reload.yaml"));
    }

    /** Runs {@code before}, reloads {@code next} (if not null), runs {@code after}; the alerts as "ms rule pid". */
    record Run(List<String> alerts, List<Alert> raw, Reload reload, RuleEngine.Stats stats) {
    }

    static Run run(RulePack first, List<Object> before, RulePack next, List<Object> after) {
        List<Alert> alerts = new ArrayList<>();
        Reload r = null;
        RuleEngine.Stats stats;
        try (RuleEngine engine = new RuleEngine(first, 100_000_000L, 30_000_000_000L, alerts::add)) {
            RuleIsolationTest.feed(engine, before);
            if (next != null) {
                r = engine.reload(next, List.of());
            }
            RuleIsolationTest.feed(engine, after);
            engine.finish();
            stats = engine.stats();
        }
        return new Run(alerts.stream().map(a -> (a.timeNs() - Ev.T0) / 1_000_000 + " " + a.rule() + " "
                + a.outputFields().getOrDefault("proc.pid", "-")).toList(), alerts, r, stats);
    }

    @Test
    void aNewRuleSeesTheFactsInTheSessionAndUnchangedRulesRaiseNothingTwice() {
        Run without = run(pack(Config.defaults()), BEFORE, null, AFTER);
        assertThat(without.alerts()).containsExactly("150 Vfork child exited without exec 102", "5000 Vfork child stalled 101",
                "9000 Vfork child stalled 103");

        Run r = run(pack(Config.defaults()), BEFORE, pack(Config.defaults(), ANY), AFTER);
        assertThat(r.reload().applied()).isTrue();
        assertThat(r.reload().added()).containsExactly("Any vfork");
        assertThat(r.reload().changed()).isEmpty();
        assertThat(r.reload().removed()).isEmpty();
        assertThat(r.reload().unchanged()).isEqualTo(9); // seven alert rules and the storm's two helpers
        // At the reload (clock 1900 ms: 2000 minus the allowance) the new rule matches both children already in
        // (in the order Drools fires them).
        assertThat(r.alerts()).containsExactlyInAnyOrder("150 Vfork child exited without exec 102", "1900 Any vfork 101",
                "1900 Any vfork 102", "4000 Any vfork 103", "5000 Vfork child stalled 101", "9000 Vfork child stalled 103");
        assertThat(r.stats().alerts()).isEqualTo(6);
    }

    @Test
    void aChangedStallRuleReportsAChildCreatedBeforeTheReloadAtItsOwnTime() {
        // stall_threshold 3s changes both rules that use it; "exited without exec" then matches child 102 again,
        // with the same facts and message: not raised twice.
        Run r = run(pack(Config.defaults()), BEFORE, pack(with("params:\n  vfork:\n    stall_threshold: 3s\n")), AFTER);
        assertThat(r.reload().changed()).containsExactly("Vfork child exited without exec", "Vfork child stalled");
        assertThat(r.reload().added()).isEmpty();
        assertThat(r.alerts()).containsExactly("150 Vfork child exited without exec 102", "3000 Vfork child stalled 101",
                "7000 Vfork child stalled 103");
        assertThat(r.raw().get(1).output()).contains("within 3s");
    }

    @Test
    void aStormWindowKeepsItsCountAcrossAReload() {
        // Parent 500: 60 children before the reload, 41 after; the 101st (at 340 ms) makes the storm.
        List<Object> before = new ArrayList<>();
        List<Object> after = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            before.add(vfork(i, 1000 + i, 500));
            before.add(exit(i, 1000 + i, 0));
        }
        before.add(clock(200));
        for (int i = 0; i < 41; i++) {
            after.add(vfork(300 + i, 2000 + i, 500));
            after.add(exit(300 + i, 2000 + i, 0));
        }
        after.add(clock(2000));
        Run without = run(pack(Config.defaults()), before, null, after);
        List<String> storms = without.alerts().stream().filter(a -> a.contains("storm")).toList();
        assertThat(storms).containsExactly("340 Vfork storm 500");
        // Unchanged storm rules (the reload adds an unrelated rule): the count goes on.
        Run kept = run(pack(Config.defaults()), before, pack(Config.defaults(), ANY.replace("Vfork()", "Vfork(pid == 1)")), after);
        assertThat(kept.reload().added()).containsExactly("Any vfork");
        assertThat(kept.alerts().stream().filter(a -> a.contains("storm")).toList()).isEqualTo(storms);
        // A changed storm rule (threshold 50) counts the children already in the window: it fires at the reload.
        Run changed = run(pack(Config.defaults()), before, pack(with("params:\n  vfork:\n    storm_threshold: 50\n")), after);
        assertThat(changed.reload().changed()).containsExactly("Vfork storm");
        assertThat(changed.alerts().stream().filter(a -> a.contains("storm")).toList()).containsExactly("100 Vfork storm 500");
    }

    @Test
    void aPackThatChangesADeclaredTypeIsRefusedAndTheOldRulesGoOn() {
        // A param in a declared type's @expires: facts of the old type may be in the session.
        String seen = "declare Seen\n    @role(event)\n    @expires(${vfork.storm_window})\n    pid : int\nend\n";
        Run r = run(pack(Config.defaults(), seen), BEFORE, pack(with("params:\n  vfork:\n    storm_window: 2s\n"), seen, ANY),
                AFTER);
        assertThat(r.reload().applied()).isFalse();
        assertThat(r.reload().refusal()).contains("declared type forkwatch.rules.Seen (extra0.drl:", "changed", "restart");
        assertThat(r.alerts()).containsExactly("150 Vfork child exited without exec 102", "1900 Rules not reloaded -",
                "5000 Vfork child stalled 101", "9000 Vfork child stalled 103");
        Alert refused = r.raw().get(1);
        assertThat(refused.priority()).isEqualTo(Priority.ERROR);
        assertThat(refused.output()).startsWith("declared type forkwatch.rules.Seen")
                .endsWith("the running rules go on unchanged");
        assertThat(refused.outputFields()).containsKey("reload.error");
    }

    @Test
    void aRuleDisabledForFailingComesBackOnceTheFactsItFailedOnAreGone() {
        // Throws for a comm shorter than 3 characters.
        String shortComm = "rule \"Short comm\" " + RuleIsolationTest.META + "\nwhen\n    $v : Vfork(comm.substring(3) == \"e\")\n"
                + "then\n    alerts.child(drools, $v, \"make child\");\nend\n";
        // The "sh" child is still in the session at the reload: the rule would throw on it again, so it stays off.
        List<Object> before = List.of(RuleIsolationTest.vforkComm(0, 101, "sh"), exit(1, 101, 0), clock(2000));
        List<Object> after = List.of(RuleIsolationTest.vforkComm(3000, 102, "make"), exit(3001, 102, 0), clock(12_000));
        Run soon = run(pack(Config.defaults(), shortComm), before, pack(Config.defaults(), shortComm), after);
        assertThat(soon.alerts()).containsExactly("0 Rule failed -", "1 Vfork child exited without exec 101",
                "1900 Rule failed -", "3001 Vfork child exited without exec 102");
        assertThat(soon.raw().get(2).output()).contains("\"Short comm\"", "failed in a condition", "StringIndexOutOfBounds");

        // Past engine.event_retention (30 s) the "sh" child has left: the rule is back and fires for "make"; the
        // stall rule, turned off in the new config, is gone (no alert for 103).
        before = List.of(RuleIsolationTest.vforkComm(0, 101, "sh"), exit(1, 101, 0), clock(40_000));
        after = List.of(RuleIsolationTest.vforkComm(41_000, 102, "make"), exit(41_001, 102, 0), vfork(42_000, 103, 100),
                clock(60_000));
        Run later = run(pack(Config.defaults(), shortComm), before,
                pack(with("rules:\n  disabled: [\"Vfork child stalled\"]\n"), shortComm), after);
        assertThat(later.reload().added()).containsExactly("Short comm");
        assertThat(later.reload().removed()).containsExactly("Vfork child stalled");
        assertThat(later.alerts()).containsExactly("0 Rule failed -", "1 Vfork child exited without exec 101",
                "41000 Short comm 102", "41001 Vfork child exited without exec 102", "42000 Short comm 103");
    }
}
