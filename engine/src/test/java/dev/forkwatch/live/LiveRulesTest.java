package dev.forkwatch.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.forkwatch.alert.Alert;
import dev.forkwatch.event.VforkReturn;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The default rules over the live probes: the alerts each trigger raises, exactly, by pid. */
class LiveRulesTest {
    static final long MS = 1_000_000L;
    static final String CONFIG = """
            params:
              vfork:
                stall_threshold: 1s
                parent_blocked_threshold: 1s
            """;

    static LiveRuleHarness harness;
    static Triggers triggers;
    static Collector live;

    @BeforeAll
    static void start() throws Exception {
        harness = new LiveRuleHarness(CONFIG);
        triggers = harness.triggers;
        live = harness.live;
    }

    @AfterAll
    static void stop() throws Exception {
        if (harness != null) {
            harness.close();
        }
    }

    /** Alerts about any of {@code pids} (as proc.pid or proc.ppid). */
    static List<Alert> alertsAbout(Set<Integer> pids) {
        return harness.matching(about(pids));
    }

    static Predicate<Alert> about(Set<Integer> pids) {
        return a -> pids.contains(num(a, "proc.pid")) || pids.contains(num(a, "proc.ppid"));
    }

    static Integer num(Alert a, String field) {
        Object o = a.outputFields().get(field);
        return o instanceof Number n ? n.intValue() : null;
    }

    /** Waits until {@code n} alerts about the pids arrived (max 6 s), plus a settle time for any extra ones. */
    static List<Alert> awaitAlerts(Set<Integer> pids, int n, long settleMs) throws InterruptedException {
        return harness.await(about(pids), n, settleMs);
    }

    static Set<Integer> pids(Triggers.Run r) {
        Set<Integer> s = new java.util.HashSet<>(r.children());
        s.add(r.parent());
        return s;
    }

    @Test
    void stalledChildRaisesStalledAndParentBlocked() throws Exception {
        Triggers.Run r = triggers.run("vforker", "vfork", "sleep:1500");
        List<Alert> a = awaitAlerts(pids(r), 2, 300);
        assertThat(a).extracting(Alert::rule).containsExactlyInAnyOrder("Vfork child stalled", "Vfork parent blocked");
        Alert stalled = a.stream().filter(x -> x.rule().equals("Vfork child stalled")).findFirst().orElseThrow();
        assertThat(num(stalled, "proc.pid")).isEqualTo(r.child());
        assertThat(num(stalled, "proc.ppid")).isEqualTo(r.parent());
        assertThat(stalled.outputFields()).containsEntry("vfork.via", "vfork").containsEntry("proc.name", "vforker");
        Alert blocked = a.stream().filter(x -> x.rule().equals("Vfork parent blocked")).findFirst().orElseThrow();
        assertThat(num(blocked, "proc.pid")).isEqualTo(r.parent());
        assertThat(((Number) blocked.outputFields().get("vfork.blocked_ns")).longValue()).isBetween(1_500 * MS, 3_000 * MS);
    }

    @Test
    void childExitingWithoutExecRaisesOneNotice() throws Exception {
        Triggers.Run r = triggers.run("vforker", "vfork", "exit:127");
        List<Alert> a = awaitAlerts(pids(r), 1, 1_300); // past the stall threshold: no stall alert either
        assertThat(a).extracting(Alert::rule).containsExactly("Vfork child exited without exec");
        assertThat(num(a.get(0), "proc.pid")).isEqualTo(r.child());
        assertThat(a.get(0).outputFields()).containsEntry("proc.exit_code", 127);
    }

    @Test
    void stormRaisesOneStormAlertForTheParent() throws Exception {
        Triggers.Run r = triggers.run("vforker", "vfork", "exec:/bin/true", "150");
        List<Alert> a = awaitAlerts(pids(r), 1, 300);
        assertThat(a).extracting(Alert::rule).containsExactly("Vfork storm");
        assertThat(num(a.get(0), "proc.pid")).isEqualTo(r.parent());
        assertThat(((Number) a.get(0).outputFields().get("vfork.count")).intValue()).isGreaterThan(100);
    }

    @Test
    void wellBehavedProgramsRaiseNothing() throws Exception {
        List<Triggers.Run> runs = new ArrayList<>();
        runs.add(triggers.run("vforker", "vfork", "exec:/bin/true", "3"));
        runs.add(triggers.run("vforker", "clone", "exec:/bin/true"));
        runs.add(triggers.run("vforker", "clone3", "exec:/bin/true"));
        runs.add(triggers.run("posix_spawn", "/bin/true", "3"));
        Triggers.Result py = Triggers.exec(20, "python3", "-c",
                "import os, subprocess\nprint('parent', os.getpid(), flush=True)\nsubprocess.run(['/bin/true'], check=True)");
        runs.add(Triggers.parse(py));
        Set<Integer> pids = new java.util.HashSet<>();
        runs.forEach(r -> pids.addAll(pids(r)));
        // Python's child pid is not printed: it is found as the vfork child of the python process.
        int pyParent = runs.get(runs.size() - 1).parent();
        List<Integer> pyChildren = live.await(e -> e instanceof dev.forkwatch.event.Vfork v && v.ppid() == pyParent, 1)
                .stream().map(e -> e.pid()).toList();
        assertThat(pyChildren).as("python subprocess.run uses vfork semantics").hasSize(1);
        pids.addAll(pyChildren);
        int lastSpawn = runs.get(3).children().get(2);
        assertThat(live.await(e -> e instanceof VforkReturn v && v.childPid() == lastSpawn, 1)).hasSize(1);
        // Wait past the stall threshold plus the reorder allowance so a stall alert would have fired.
        assertThat(awaitAlerts(pids, 1, 1_500)).isEmpty();
    }
}
