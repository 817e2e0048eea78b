package dev.forkwatch.live;

import static dev.forkwatch.live.LiveSourceTest.only;
import static org.assertj.core.api.Assertions.assertThat;

import dev.forkwatch.event.Event;
import dev.forkwatch.event.Exec;
import dev.forkwatch.event.Text;
import dev.forkwatch.event.Vfork;
import dev.forkwatch.event.VforkReturn;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The context the probes read in the kernel, on the real kernel: argv, paths, euid, memfd, cgroups, races. */
class LiveContextTest {
    static final Triggers triggers = Triggers.shared();
    static Collector live;

    @BeforeAll
    static void start() throws Exception {
        live = new Collector(LiveSource.open(LiveSourceTest.settings(ProbeMode.TRACEPOINT), m -> { }));
    }

    @AfterAll
    static void stop() throws Exception {
        if (live != null) {
            live.close();
        }
    }

    static List<Event> aboutChild(int child) throws InterruptedException {
        live.await(e -> e instanceof VforkReturn v && v.childPid() == child, 1);
        Thread.sleep(100); // two drain intervals
        return live.events().stream().filter(e -> e instanceof VforkReturn v ? v.childPid() == child : e.pid() == child).toList();
    }

    static List<Exec> execs(List<Event> ev) {
        return ev.stream().filter(e -> e instanceof Exec).map(e -> (Exec) e).toList();
    }

    @Test
    void javaProcessBuilderChildIsTwoExecsOfOneChild() throws Exception {
        String marker = "fw-marker-" + UUID.randomUUID();
        int child = Triggers.markedShell(marker);
        live.await(e -> e instanceof Exec x && x.pid() == child && x.execIndex() == 2, 1);
        List<Event> ev = aboutChild(child);
        Vfork v = only(ev, Vfork.class);
        assertThat(v.ppid()).isEqualTo((int) ProcessHandle.current().pid());
        String java = Path.of(ProcessHandle.current().info().command().orElseThrow()).toRealPath().toString();
        assertThat(v.parentExe()).isEqualTo(java);
        assertThat(v.comm()).isEqualTo("java");
        List<Exec> x = execs(ev);
        assertThat(x).extracting(Exec::execIndex).containsExactly(1, 2);
        assertThat(x.get(0).comm()).isEqualTo("jspawnhelper");
        assertThat(x.get(0).exePath()).endsWith("/lib/jspawnhelper");
        assertThat(x.get(1).filename()).isEqualTo("/bin/sh");
        assertThat(x.get(1).exePath()).isEqualTo(Path.of("/bin/sh").toRealPath().toString());
        assertThat(x.get(1).args()).containsExactly("/bin/sh", "-c", ": " + marker);
        assertThat(x.get(1).cmdline()).contains(marker);
        // One vfork_return, when the first exec released the parent.
        assertThat(only(ev, VforkReturn.class).ts()).isLessThanOrEqualTo(x.get(1).ts());
    }

    @Test
    void withoutCaptureArgsNoArgumentVectorIsRead() throws Exception {
        LiveSource.Settings noArgs = LiveSourceTest.settings(ProbeMode.TRACEPOINT).withCaptureArgs(false);
        Triggers.Run r;
        try (Collector c = new Collector(LiveSource.open(noArgs, m -> { }))) {
            r = triggers.run("vforker", "vfork", "exec:/bin/true");
            List<Event> ev = c.await(e -> e.pid() == r.child(), 2);
            Vfork v = only(ev, Vfork.class);
            Exec x = only(ev, Exec.class);
            assertThat(v.parentArgs()).isEmpty();
            assertThat(x.args()).isEmpty();
            assertThat(x.exePath()).isEqualTo(Path.of("/bin/true").toRealPath().toString()); // the rest is still read
            assertThat(v.parentExe()).isEqualTo(triggers.path("vforker").toString());
        }
        // The class's source, loaded with the default, read them for the same child.
        assertThat(only(aboutChild(r.child()), Exec.class).args()).containsExactly("/bin/true");
    }

    @Test
    void memfdExecIsFlaggedAndAFileExecIsNot() throws Exception {
        Triggers.Run mem = triggers.run("memfd_exec", "memfd", "/bin/true");
        Triggers.Run file = triggers.run("memfd_exec", "file", "/bin/true");
        Exec m = only(aboutChild(mem.child()), Exec.class);
        assertThat(m.exeFromMemfd()).isTrue();
        assertThat(m.exeDeleted()).as("a memfd has no name left").isTrue();
        assertThat(m.exePath()).isEqualTo("/memfd:payload");
        assertThat(m.args()).containsExactly("/bin/true");
        Exec f = only(aboutChild(file.child()), Exec.class);
        assertThat(f.exeFromMemfd()).isFalse();
        assertThat(f.exeDeleted()).isFalse();
        assertThat(f.exePath()).isEqualTo(Path.of("/bin/true").toRealPath().toString());
    }

    @Test
    void setuidExecShowsItsEffectiveUid() throws Exception {
        Path prog = Triggers.binDir().resolve("setuid-true-" + ProcessHandle.current().pid());
        try {
            Files.copy(Path.of("/bin/true"), prog);
            Files.setAttribute(prog, "unix:uid", 65534);
            Files.setPosixFilePermissions(prog, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.setAttribute(prog, "unix:mode", 04755); // after chown, which clears the setuid bit
            Triggers.Run r = triggers.run("vforker", "vfork", "exec:" + prog);
            Exec x = only(aboutChild(r.child()), Exec.class);
            assertThat(x.euid()).isEqualTo(65534);
            assertThat(only(aboutChild(r.child()), Vfork.class).uid()).isZero();

            Triggers.Run plain = triggers.run("vforker", "vfork", "exec:/bin/true");
            assertThat(only(aboutChild(plain.child()), Exec.class).euid()).isZero();
        } finally {
            Files.deleteIfExists(prog);
        }
    }

    @Test
    void nonUtf8ArgumentsAreEscapedAndLongArgvIsCut() throws Exception {
        String script = """
                import os, subprocess, sys
                print('parent', os.getpid(), flush=True)
                subprocess.run([b'/bin/true', b'caf\\xe9', b'back\\\\slash', b'x' * 5000], check=True)
                subprocess.run([b'/bin/true'] + [b'a'] * 300, check=True)
                """;
        Triggers.Run r = Triggers.parse(Triggers.exec(20, "python3", "-c", script));
        List<Integer> children = live.await(e -> e instanceof Vfork v && v.ppid() == r.parent(), 2).stream()
                .map(Event::pid).toList();
        assertThat(children).hasSize(2);
        Exec cut = only(aboutChild(children.get(0)), Exec.class);
        assertThat(cut.args()).hasSize(4);
        assertThat(cut.args().subList(0, 3)).containsExactly("/bin/true", "caf\\xe9", "back\\\\slash");
        // The kernel copies 4096 bytes of argv: the rest of the last argument is cut.
        int before = "/bin/true\0caf\u00e9\0back\\slash\0".length();
        assertThat(cut.args().get(3)).isEqualTo("x".repeat(RecordLayout.ARGS_LEN - before));
        assertThat(cut.argsTruncated()).isTrue();
        Exec many = only(aboutChild(children.get(1)), Exec.class);
        assertThat(many.args()).hasSize(RecordDecoder.ARGS_COUNT_MAX);
        assertThat(many.argsTruncated()).isTrue();
        // The parent's argv is read too (python3 -c SCRIPT).
        Vfork v = only(aboutChild(children.get(0)), Vfork.class);
        assertThat(v.parentArgs()).hasSize(3).contains("-c", Text.fromBytes(script.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aChildInAContainersCgroupReportsItsId() throws Exception {
        Path cgroup2 = cgroup2Mount();
        Assumptions.assumeTrue(cgroup2 != null, "no cgroup2 hierarchy mounted");
        byte[] raw = new byte[32];
        ThreadLocalRandom.current().nextBytes(raw);
        String id = HexFormat.of().formatHex(raw);
        Path cg = cgroup2.resolve("docker-" + id + ".scope");
        String script = """
                import os, subprocess, sys
                if sys.argv[1]:
                    with open(sys.argv[1] + '/cgroup.procs', 'w') as f:
                        f.write(str(os.getpid()))
                print('parent', os.getpid(), flush=True)
                subprocess.run(['/bin/true'], check=True)
                """;
        Files.createDirectory(cg);
        try {
            Triggers.Run in = Triggers.parse(Triggers.exec(20, "python3", "-c", script, cg.toString()));
            Triggers.Run out = Triggers.parse(Triggers.exec(20, "python3", "-c", script, ""));
            Vfork inside = (Vfork) live.await(e -> e instanceof Vfork v && v.ppid() == in.parent(), 1).get(0);
            Vfork outside = (Vfork) live.await(e -> e instanceof Vfork v && v.ppid() == out.parent(), 1).get(0);
            assertThat(inside.containerId()).isEqualTo(id.substring(0, 12));
            assertThat(outside.containerId()).isEqualTo(ContainerIds.HOST);
        } finally {
            Files.delete(cg); // empty again: its only process exited
        }
    }

    /** Where the cgroup v2 hierarchy is mounted (/sys/fs/cgroup, or /sys/fs/cgroup/unified on a hybrid host). */
    static Path cgroup2Mount() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/mounts"))) {
            String[] f = line.split(" ");
            if (f.length > 2 && f[2].equals("cgroup2")) {
                return Path.of(f[1]);
            }
        }
        return null;
    }

    @Test
    void clone3ArgumentsRewrittenByAnotherThreadDoNotHideTheChild() throws Exception {
        Triggers.Result res = Triggers.exec(30, triggers.path("clone3_race").toString(), "20");
        int parent = -1;
        List<Integer> vforked = new ArrayList<>();
        List<Integer> forked = new ArrayList<>();
        for (String line : res.stdout().split("\n")) {
            String[] f = line.split(" ");
            switch (f[0]) {
                case "parent" -> parent = Integer.parseInt(f[1]);
                case "vfork" -> vforked.add(Integer.parseInt(f[1]));
                case "fork" -> forked.add(Integer.parseInt(f[1]));
                default -> { }
            }
        }
        assertThat(vforked.size() + forked.size()).isEqualTo(20);
        // Each flag value stays about half the time: both kinds come (all 20 alike: about 1 in 500,000).
        assertThat(vforked).as("children created with CLONE_VFORK").isNotEmpty();
        assertThat(forked).as("children created without").isNotEmpty();
        int p = parent;
        List<Integer> seen = live.await(e -> e instanceof Vfork v && v.ppid() == p, vforked.size()).stream()
                .map(Event::pid).toList();
        // Exactly the children the kernel created with CLONE_VFORK, whatever the user memory said meanwhile.
        assertThat(seen).containsExactlyInAnyOrderElementsOf(vforked);
        assertThat(live.events()).filteredOn(e -> e instanceof Vfork v && v.ppid() == p).extracting(e -> ((Vfork) e).via())
                .containsOnly("clone3");
    }

    /**
     * A followed-children map of 64 entries and 100 children alive after their exec: the LRU pushes out the
     * oldest, and each one pushed out is counted (overflow) when it exits, so nothing is lost silently.
     */
    @Test
    void childrenPushedOutOfTheFollowedMapAreCounted() throws Exception {
        Path script = Files.writeString(Triggers.binDir().resolve("linger-" + ProcessHandle.current().pid()),
                "#!/bin/sh\nread x\n"); // waits until its stdin closes
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        int n = 100;
        List<Process> ps = new ArrayList<>();
        try (Collector c = new Collector(LiveSource.open(LiveSourceTest.settings(ProbeMode.TRACEPOINT), 64, m -> { }))) {
            KernelCounters before = c.source.readCounters();
            for (int i = 0; i < n; i++) {
                ps.add(new ProcessBuilder(script.toString()).start()); // a vfork child of this JVM: 2 execs
            }
            Set<Integer> pids = ps.stream().map(p -> (int) p.pid()).collect(java.util.stream.Collectors.toSet());
            assertThat(c.await(e -> e instanceof Exec x && x.execIndex() == 2 && pids.contains(x.pid()), n)).hasSize(n);
            for (Process p : ps) {
                p.getOutputStream().close();
                assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
            }
            Thread.sleep(100);
            long pushedOut = c.source.readCounters().overflow() - before.overflow();
            // 100 children through 64 entries: at least 36 pushed out, each counted when it exited. (No upper
            // bound: other processes on the host go through the same small map meanwhile.)
            assertThat(pushedOut).isGreaterThanOrEqualTo(n - 64);
        } finally {
            ps.forEach(Process::destroyForcibly);
            Files.deleteIfExists(script);
        }
    }
}
