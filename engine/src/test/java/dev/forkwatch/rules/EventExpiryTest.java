package dev.forkwatch.rules;

import static dev.forkwatch.rules.Ev.clock;
import static dev.forkwatch.rules.Ev.exec;
import static dev.forkwatch.rules.Ev.exit;
import static dev.forkwatch.rules.Ev.vfork;
import static org.assertj.core.api.Assertions.assertThat;

import dev.forkwatch.config.Config;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * forkwatch's events stay in the session until the engine deletes them, whatever the rules would let Drools infer:
 * a pack of one's own with a stall rule and any other rule on {@code Vfork} (which keeps vforks for good) once had
 * Drools expire every exec and exit about 5 s after its time, and the stall's {@code not} fired again for each: every
 * child was reported stalled.
 */
class EventExpiryTest {
    static final String STALL = "rule \"Stalled\" " + RuleIsolationTest.META + "\nwhen\n"
            + "    $v : Vfork()\n"
            + "    not Exec(pid == $v.pid, this after[0ms, 5s] $v)\n"
            + "    not Exit(pid == $v.pid, this after[0ms, 5s] $v)\n"
            + "then\n    alerts.child(drools, $v, \"stalled\");\nend\n";
    static final String ANY_VFORK = "rule \"Vfork of nothing\" " + RuleIsolationTest.META + "\nwhen\n"
            + "    $v : Vfork(comm == \"nothing\")\nthen\n    alerts.child(drools, $v, \"nothing\");\nend\n";

    /** 101 exits 0.2 ms after its vfork, 102 execs 0.1 ms after, 103 exits 2.7 ms after; 104 does neither. */
    static final List<Object> CHILDREN = List.of(vfork(0.4, 101, 100), exit(0.6, 101, 127), vfork(300.4, 102, 100),
            exec(300.5, 102), vfork(600.4, 103, 100), exit(603.1, 103, 1), vfork(900.4, 104, 100), clock(20_000));

    static RulePack own(String... drl) {
        List<RuleSource> src = new java.util.ArrayList<>();
        for (int i = 0; i < drl.length; i++) {
            src.add(new RuleSource("own" + i + ".drl", drl[i]));
        }
        return RulePack.compile(src, Config.defaults());
    }

    @Test
    void aChildThatExitedOrExecdAtOnceIsNotStalledWhateverElseThePackHolds() {
        assertThat(ReloadTest.run(own(STALL), CHILDREN, null, List.of()).alerts()).containsExactly("5900 Stalled 104");
        assertThat(ReloadTest.run(own(STALL, ANY_VFORK), CHILDREN, null, List.of()).alerts()).containsExactly("5900 Stalled 104");
    }

    @Test
    void theSameAfterAReloadThatAddsTheRules() {
        // The first pack has no rule on exec or exit: the reload makes their nodes, and Drools infers their expiry anew.
        ReloadTest.Run r = ReloadTest.run(own(ANY_VFORK), List.of(clock(0)), own(STALL, ANY_VFORK), CHILDREN);
        assertThat(r.reload().applied()).isTrue();
        assertThat(r.alerts()).containsExactly("5900 Stalled 104");
    }

    @Test
    void eventsStayForTheRetentionEvenWhenNoRuleNeedsThemThatLong() {
        // Drools would let every event of this pack go 5 s after its time; the engine keeps them for 30 s.
        ReloadTest.Run r = ReloadTest.run(own(STALL), List.of(vfork(0, 101, 100), exit(1, 101, 0), clock(20_000)), null, List.of());
        assertThat(r.stats().inSession()).isEqualTo(2);
        r = ReloadTest.run(own(STALL), List.of(vfork(0, 101, 100), exit(1, 101, 0), clock(40_000)), null, List.of());
        assertThat(r.stats().inSession()).isZero();
    }
    /** A helper event a rule inserts when a child execs, and a temporal not that waits for it. */
    static final String DONE = "declare Done\n    @role(event)\n    @expires(31s)\n    pid : int\nend\n"
            + "rule \"Mark done\" " + RuleIsolationTest.META + "\nwhen\n    $x : Exec()\nthen\n    insert(new Done($x.pid()));\nend\n"
            + "rule \"Not done\" " + RuleIsolationTest.META + "\nwhen\n    $v : Vfork()\n"
            + "    not Done(pid == $v.pid, this after[0ms, 5s] $v)\nthen\n    alerts.child(drools, $v, \"not done\");\nend\n";

    @Test
    void aBlockerThatOutlivesTheRetentionNeverReopensTheNotEvenAcrossAGapInTheTrace() {
        // Drools fires a temporal not again when its blocker expires while the left event is still in the session.
        // With @expires above engine.event_retention the vfork leaves first, also when the trace jumps from 1 s to
        // 60 s and Drools' expiry of the Done falls in the jump: the retention takes the vfork at its own time.
        List<Object> trace = List.of(vfork(0, 101, 100), exec(0.1, 101), vfork(1, 102, 100), clock(1_000),
                vfork(60_000, 103, 100), exec(60_000.1, 103), clock(70_000));
        assertThat(ReloadTest.run(own(DONE), trace, null, List.of()).alerts()).containsExactly("5001 Not done 102");
    }
}
