package dev.forkwatch.rules;

import static dev.forkwatch.rules.Ev.exec;
import static dev.forkwatch.rules.Ev.exit;
import static dev.forkwatch.rules.Ev.ns;
import static dev.forkwatch.rules.Ev.vfork;
import static org.assertj.core.api.Assertions.assertThat;

import dev.forkwatch.alert.Alert;
import dev.forkwatch.alert.Priority;
import dev.forkwatch.config.Config;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Events later than the reorder allowance: inserted while they can still match, else dropped and reported. */
class LateEventsTest {
    static RulePack pack;
    final List<Alert> alerts = new ArrayList<>();

    @BeforeAll
    static void compile() {
        pack = RulePack.compile(RulePack.embedded(), Config.defaults());
    }

    RuleEngine engine() {
        return new RuleEngine(pack, new RuleEngine.Settings(100_000_000L, 30_000_000_000L, RuleEngine.UNBOUNDED, "h"), alerts::add);
    }

    List<String> rules() {
        return alerts.stream().map(Alert::rule).toList();
    }

    @Test
    void theDefaultPacksLongestWindowIsTheStallThreshold() {
        assertThat(pack.longestWindowMs()).isEqualTo(5_000);
    }

    @Test
    void aVforkLaterThanItsWindowIsDroppedNotReportedAsStalled() {
        // The reproduction: the vfork arrives when the clock is 1009.9 s past it, its exit 100 us after it.
        try (RuleEngine e = engine()) {
            e.event(vfork(0, 100, 99));
            e.event(exec(1, 100));
            e.clock(ns(1_010_000));
            e.event(vfork(100, 2201, 2200));
            e.event(exit(100.1, 2201, 0));
            e.clock(ns(1_011_000));
            e.finish();
            RuleEngine.Stats s = e.stats();
            assertThat(s.lateDropped()).isEqualTo(2);
            assertThat(s.late()).isZero();
            assertThat(rules()).doesNotContain("Vfork child stalled", "Vfork child exited without exec")
                    .containsExactly(LateEvents.RULE);
            Alert late = alerts.get(0);
            assertThat(late.priority()).isEqualTo(Priority.WARNING);
            assertThat(late.outputFields()).containsEntry("forkwatch.late_dropped", 2L).containsEntry("forkwatch.late_dropped_total", 2L);
            assertThat(late.output()).startsWith("2 event(s) arrived too late");
            assertThat(s.alerts()).isEqualTo(1);
        }
    }

    @Test
    void aLateExecOfAnOnTimeVforkStillCancelsItsStall() {
        try (RuleEngine e = engine()) {
            e.event(vfork(0, 2201, 2200));
            e.clock(ns(3_000));
            e.event(exec(1, 2201)); // 3 s late, but the 5 s stall window is still open
            e.clock(ns(20_000));
            e.finish();
            assertThat(e.stats().late()).isEqualTo(1);
            assertThat(e.stats().lateDropped()).isZero();
            assertThat(alerts).isEmpty();
        }
    }

    @Test
    void aLateVforkWhoseWindowIsOpenIsEvaluatedBothWays() {
        try (RuleEngine e = engine()) {
            e.event(vfork(0, 1, 1));
            e.clock(ns(2_000));
            e.event(vfork(100, 2201, 2200)); // 1.9 s late
            e.event(exit(100.1, 2201, 127));
            e.event(vfork(200, 2301, 2300)); // late too, and never execs: stalls 5 s after its own time
            e.clock(ns(20_000));
            e.finish();
            assertThat(e.stats().late()).isEqualTo(3);
            assertThat(alerts).extracting(Alert::rule, a -> a.outputFields().get("proc.pid"))
                    .contains(org.assertj.core.groups.Tuple.tuple("Vfork child exited without exec", 2201),
                            org.assertj.core.groups.Tuple.tuple("Vfork child stalled", 2301));
            Alert stall = alerts.stream().filter(a -> a.outputFields().get("proc.pid").equals(2301)).findFirst().orElseThrow();
            assertThat(stall.timeNs()).isEqualTo(ns(5_200));
        }
    }

    @Test
    void theLateEventsAlertComesAtMostOncePerMinuteOfEventTime() {
        try (RuleEngine e = engine()) {
            e.event(vfork(0, 1, 1));
            e.event(exec(1, 1));
            e.clock(ns(10_000));
            e.event(exit(0, 7, 0)); // dropped: alert 1 at the next tick
            e.clock(ns(11_000));
            e.event(exit(0, 8, 0)); // dropped, within the minute: waits
            e.clock(ns(12_000));
            e.event(exit(0, 9, 0));
            e.clock(ns(40_000));
            assertThat(rules()).containsExactly(LateEvents.RULE);
            e.clock(ns(71_000)); // a minute after the first alert: the two pending drops
            e.finish();
            assertThat(alerts).extracting(a -> a.outputFields().get("forkwatch.late_dropped")).containsExactly(1L, 2L);
            assertThat(alerts.get(1).outputFields()).containsEntry("forkwatch.late_dropped_total", 3L);
            assertThat(alerts.get(1).timeNs() - alerts.get(0).timeNs()).isGreaterThanOrEqualTo(EngineNotice.PERIOD_NS);
        }
    }

    @Test
    void windowsAreReadFromTemporalOperatorsAndTimeWindows() {
        assertThat(RuleWindows.longestMs("not Exec(this after[0ms, 5000ms] $v)")).isEqualTo(5_000);
        assertThat(RuleWindows.longestMs("Exec(this before[ -1m30s , 10s ] $v)")).isEqualTo(90_000);
        assertThat(RuleWindows.longestMs("Number() from accumulate(Vfork() over window:time( 2h ), count(1))")).isEqualTo(7_200_000);
        assertThat(RuleWindows.longestMs("Exec(this after $v, this meets[250ms] $x)")).isEqualTo(250);
        assertThat(RuleWindows.longestMs("Exec(this after $v)")).isZero();
    }
}
