package dev.forkwatch.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.forkwatch.event.Event;
import dev.forkwatch.event.Exec;
import dev.forkwatch.event.Exit;
import dev.forkwatch.event.Vfork;
import dev.forkwatch.event.VforkReturn;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The real probes on the running kernel: every event the triggers cause, exactly, by pid. */
class LiveSourceTest {
    static final long MS = 1_000_000L;

    static final Triggers triggers = Triggers.shared();
    static Collector live;
    static final List<String> log = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        live = new Collector(LiveSource.open(settings(ProbeMode.TRACEPOINT), log::add));
    }

    @AfterAll
    static void stop() throws Exception {
        if (live != null) {
            live.close();
        }
    }

    static LiveSource.Settings settings(ProbeMode mode) {
        return new LiveSource.Settings(mode, 4L << 20, 20 * MS, 200 * MS, null);
    }

    @ParameterizedTest
    @ValueSource(strings = {"vfork", "clone", "clone3"})
    void vforkThenExecGivesVforkExecAndReturn(String via) throws Exception {
        long before = System.currentTimeMillis() * MS;
        Triggers.Run r = triggers.run("vforker", via, "exec:/bin/true");
        int child = r.child();
        live.await(e -> e instanceof VforkReturn v && v.childPid() == child, 1);
        List<Event> ev = live.about(r);

        Vfork v = only(ev, Vfork.class);
        assertThat(withoutContext(v)).isEqualTo(new Vfork(v.ts(), child, r.parent(), 0, "vforker", via));
        assertThat(v.ts()).isCloseTo(before, within(5_000 * MS));
        // The context read in the kernel: the parent's executable and argv, its ancestors (the test JVM spawned it).
        String vforker = triggers.path("vforker").toString();
        assertThat(v.parentExe()).isEqualTo(vforker);
        assertThat(v.parentArgs()).containsExactly(vforker, via, "exec:/bin/true");
        assertThat(v.ancestors()).hasSizeBetween(1, 4).startsWith("java");
        assertThat(v.userName()).isEqualTo("root");
        assertThat(v.containerId()).isNotEmpty();
        Exec x = only(ev, Exec.class);
        assertThat(withoutContext(x)).isEqualTo(new Exec(x.ts(), child, "true", "/bin/true"));
        assertThat(x.args()).containsExactly("/bin/true");
        assertThat(x.exePath()).isEqualTo(Path.of("/bin/true").toRealPath().toString());
        assertThat(x.euid()).isZero();
        assertThat(x.exeFromMemfd()).isFalse();
        assertThat(x.exeDeleted()).isFalse();
        assertThat(x.argsTruncated()).isFalse();
        VforkReturn ret = only(ev, VforkReturn.class);
        assertThat(ret.pid()).isEqualTo(r.parent());
        assertThat(ret.childPid()).isEqualTo(child);
        assertThat(ret.blockedNs()).isPositive().isLessThan(ret.ts() - v.ts() + MS);
        assertThat(x.ts()).isGreaterThanOrEqualTo(v.ts());
        // The child is followed to its exec only: its later exit is not reported.
        assertThat(ev).filteredOn(e -> e instanceof Exit).isEmpty();
    }

    @Test
    void posixSpawnIsSeenAsClone3() throws Exception {
        Triggers.Run r = triggers.run("posix_spawn", "/bin/true");
        int child = r.child();
        live.await(e -> e instanceof VforkReturn v && v.childPid() == child, 1);
        List<Event> ev = live.about(r);
        Vfork v = only(ev, Vfork.class);
        // glibc 2.34+ posix_spawn: clone3(CLONE_VM | CLONE_VFORK); older glibc: clone.
        assertThat(v.via()).isIn("clone3", "clone");
        assertThat(v.ppid()).isEqualTo(r.parent());
        assertThat(v.pid()).isEqualTo(child);
        assertThat(only(ev, Exec.class).filename()).isEqualTo("/bin/true");
        assertThat(only(ev, VforkReturn.class).pid()).isEqualTo(r.parent());
    }

    @Test
    void childThatExitsWithoutExecGivesItsExitCode() throws Exception {
        Triggers.Run r = triggers.run("vforker", "vfork", "exit:127");
        int child = r.child();
        live.await(e -> e instanceof VforkReturn v && v.childPid() == child, 1);
        List<Event> ev = live.about(r);
        Exit x = only(ev, Exit.class);
        assertThat(x).isEqualTo(new Exit(x.ts(), child, 127, 0));
        assertThat(ev).filteredOn(e -> e instanceof Exec).isEmpty();
        assertThat(only(ev, Vfork.class).pid()).isEqualTo(child);
    }

    @Test
    void sleepingChildBlocksTheParentThatLong() throws Exception {
        Triggers.Run r = triggers.run("vforker", "vfork", "sleep:300");
        int child = r.child();
        live.await(e -> e instanceof VforkReturn v && v.childPid() == child, 1);
        List<Event> ev = live.about(r);
        Vfork v = only(ev, Vfork.class);
        Exit x = only(ev, Exit.class);
        VforkReturn ret = only(ev, VforkReturn.class);
        assertThat(x).isEqualTo(new Exit(x.ts(), child, 0, 0));
        assertThat(ret.blockedNs()).isBetween(300 * MS, 2_000 * MS);
        assertThat(x.ts() - v.ts()).isBetween(300 * MS, 2_000 * MS);
    }

    @Test
    void stormOfVforksIsReportedInFull() throws Exception {
        Triggers.Run r = triggers.run("vforker", "vfork", "exec:/bin/true", "150");
        assertThat(r.children()).hasSize(150);
        int last = r.children().get(149);
        live.await(e -> e instanceof VforkReturn v && v.childPid() == last, 1);
        List<Event> ev = live.about(r);
        assertThat(ev).filteredOn(e -> e instanceof Vfork).extracting(Event::pid)
                .containsExactlyInAnyOrderElementsOf(r.children());
        assertThat(ev).filteredOn(e -> e instanceof Vfork).extracting(e -> ((Vfork) e).ppid()).containsOnly(r.parent());
        assertThat(ev).filteredOn(e -> e instanceof Exec).extracting(Event::pid)
                .containsExactlyInAnyOrderElementsOf(r.children());
        assertThat(ev).filteredOn(e -> e instanceof VforkReturn).hasSize(150);
        assertThat(live.source.counters().lost()).isZero();
    }

    @Test
    void failedExecIsAnExitWithoutExec() throws Exception {
        Triggers.Run r = triggers.run("vforker", "vfork", "exec:/nonexistent/prog");
        int child = r.child();
        live.await(e -> e instanceof VforkReturn v && v.childPid() == child, 1);
        List<Event> ev = live.about(r);
        assertThat(ev).filteredOn(e -> e instanceof Exec).isEmpty();
        Exit x = only(ev, Exit.class);
        assertThat(x).isEqualTo(new Exit(x.ts(), child, 126, 0));
    }

    @Test
    void concurrentVforksFromThreadsOfOneProcessAreToldApart() throws Exception {
        // 4 threads x 25 vfork+exec, concurrently: pending parents are keyed by thread, not by process.
        Triggers.Run r = triggers.run("vfork_threads", "/bin/true", "4", "25");
        assertThat(r.children()).hasSize(100).doesNotHaveDuplicates();
        for (int c : r.children()) {
            live.await(e -> e instanceof VforkReturn v && v.childPid() == c, 1);
        }
        List<Event> ev = live.about(r);
        assertThat(ev).filteredOn(e -> e instanceof Vfork).extracting(Event::pid)
                .containsExactlyInAnyOrderElementsOf(r.children());
        assertThat(ev).filteredOn(e -> e instanceof Exec).extracting(Event::pid)
                .containsExactlyInAnyOrderElementsOf(r.children());
        // Each return names the process (tgid) and exactly the child its thread waited for.
        assertThat(ev).filteredOn(e -> e instanceof VforkReturn).extracting(e -> ((VforkReturn) e).childPid())
                .containsExactlyInAnyOrderElementsOf(r.children());
        assertThat(ev).filteredOn(e -> e instanceof VforkReturn).extracting(Event::pid).containsOnly(r.parent());
    }

    /** A 64 KiB ring and ~160 KiB of records: the reader wraps around the ring several times, losing nothing. */
    @Test
    void smallRingWrapsAroundWithoutLoss(@TempDir Path unused) throws Exception {
        LiveSource.Settings small = new LiveSource.Settings(ProbeMode.TRACEPOINT, 64 * 1024, 20 * MS, 200 * MS, null);
        try (Collector c = new Collector(LiveSource.open(small, m -> { }))) {
            Triggers.Run r = triggers.run("vforker", "vfork", "exec:/bin/true", "400");
            int last = r.children().get(399);
            c.await(e -> e instanceof VforkReturn v && v.childPid() == last, 1);
            List<Event> ev = c.about(r);
            assertThat(c.source.readCounters().lost()).isZero();
            assertThat(ev).filteredOn(e -> e instanceof Exec).extracting(Event::pid)
                    .containsExactlyInAnyOrderElementsOf(r.children());
            assertThat(ev).filteredOn(e -> e instanceof Exec).extracting(e -> ((Exec) e).filename()).containsOnly("/bin/true");
            assertThat(ev).filteredOn(e -> e instanceof Vfork).hasSize(400);
            assertThat(ev).filteredOn(e -> e instanceof VforkReturn).hasSize(400);
        }
    }

    @Test
    void plainForkIsNotReported() throws Exception {
        // Python's os.fork() is a plain fork (clone without CLONE_VFORK).
        Triggers.Run r = Triggers.parse(Triggers.exec(10, "python3", "-c",
                "import os\nprint('parent', os.getpid())\npid = os.fork()\nif pid == 0: os._exit(0)\n"
                        + "print('child', pid, flush=True)\nos.waitpid(pid, 0)"));
        assertThat(r.children()).hasSize(1);
        Thread.sleep(100);
        assertThat(live.events()).filteredOn(e -> e instanceof Vfork v && v.ppid() == r.parent()).isEmpty();
        assertThat(live.events()).filteredOn(e -> e.pid() == r.child()).isEmpty();
    }

    @Test
    void clockIsCalledAfterEachDrainWithWallTime() throws Exception {
        long c0 = live.clocks();
        Thread.sleep(200);
        assertThat(live.clocks() - c0).isBetween(3L, 15L); // 20 ms drain interval: ~10, with scheduling slack
        assertThat(live.lastClock()).isCloseTo(System.currentTimeMillis() * MS, within(1_000 * MS));
    }

    @Test
    void countersCountWhatWasSent() throws Exception {
        KernelCounters before = live.source.readCounters();
        Triggers.Run r = triggers.run("vforker", "vfork", "exec:/bin/true", "3");
        live.await(e -> e instanceof VforkReturn v && v.childPid() == r.children().get(2), 1);
        KernelCounters after = live.source.readCounters();
        // 3 x (vfork, exec, vfork_return), plus whatever else on the host used vfork meanwhile.
        assertThat(after.sent() - before.sent()).isGreaterThanOrEqualTo(9);
        assertThat(after.lost()).isZero();
        assertThat(after.overflow()).isZero();
    }

    static Vfork withoutContext(Vfork v) {
        return new Vfork(v.ts(), v.pid(), v.ppid(), v.uid(), v.comm(), v.via());
    }

    static Exec withoutContext(Exec x) {
        return new Exec(x.ts(), x.pid(), x.comm(), x.filename());
    }

    static <T extends Event> T only(List<Event> ev, Class<T> type) {
        List<T> m = ev.stream().filter(type::isInstance).map(type::cast).toList();
        assertThat(m).as("%s events in %s", type.getSimpleName(), ev).hasSize(1);
        return m.get(0);
    }
}
