package dev.forkwatch.rules;

import static dev.forkwatch.rules.Ev.clock;
import static dev.forkwatch.rules.Ev.exec;
import static dev.forkwatch.rules.Ev.exit;
import static dev.forkwatch.rules.Ev.ret;
import static dev.forkwatch.rules.Ev.vfork;
import static org.assertj.core.api.Assertions.assertThat;

import dev.forkwatch.alert.Alert;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The {@code events} global: a child's events looked up by pid, as rules see them. */
class SessionEventsTest {
    /** On an exec of /tmp/x: the newest vfork of the pid before it, and how many events of that pid are in. */
    static final String PAST = "rule \"Past of the child\" " + RuleIsolationTest.META + "\nwhen\n"
            + "    $x : Exec(filename == \"/tmp/x\")\n"
            + "    $v : Vfork(ts <= $x.ts) from events.ofChild($x.pid)\n"
            + "    not Vfork(ts > $v.ts, ts <= $x.ts) from events.ofChild($x.pid)\n"
            + "    $n : Number() from accumulate($e : Event() from events.ofChild($x.pid), count($e))\n"
            + "then\n    alerts.child(drools, $v, \"seen %vfork.n\", \"vfork.n\", $n.longValue());\nend\n";

    static List<String> past(List<Object> trace) {
        List<Alert> alerts = RuleIsolationTest.run(RuleIsolationTest.packWith(PAST), trace);
        return alerts.stream().filter(a -> a.rule().equals("Past of the child"))
                .map(a -> a.outputFields().get("vfork.n") + " events, vfork at " + (a.outputFields().get("proc.pid")) + "/"
                        + (a.timeNs() - Ev.T0) / 1_000_000).toList();
    }

    @Test
    void aChildsEventsInTheSessionOldestFirstEveryLifeOfThePid() {
        // Pid 101 lives twice; the parent's vfork_return counts as the child's (its childPid); pid 102 is another child.
        List<String> seen = past(List.of(vfork(0, 101, 100), exec(1, 101), ret(1, 100, 101, 1_000_000L), exit(2, 101, 0),
                vfork(3, 102, 100), vfork(5, 101, 100), exec(6, 101, "/tmp/x"), clock(100)));
        assertThat(seen).containsExactly("6 events, vfork at 101/6");
    }

    @Test
    void eventsLeaveTheLookupWithTheSession() {
        // Past engine.event_retention (30 s) the first life has left: only the second vfork and the exec remain.
        List<String> seen = past(List.of(vfork(0, 101, 100), exec(1, 101), exit(2, 101, 0), clock(35_000),
                vfork(40_000, 101, 100), exec(40_001, 101, "/tmp/x"), clock(40_100)));
        assertThat(seen).containsExactly("2 events, vfork at 101/40001");
    }

    @Test
    void aLookupIsNotReEvaluatedWhenLaterEventsArrive() {
        // An exec of /tmp/x with no vfork of its pid in the session matches nothing, and a vfork that comes later
        // does not make it match: lookups are for the past.
        List<String> seen = past(List.of(exec(0, 101, "/tmp/x"), vfork(1, 101, 100), clock(100)));
        assertThat(seen).isEmpty();
    }
}
