package dev.forkwatch.live;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.forkwatch.cli.ExitCode;
import dev.forkwatch.cli.Main;
import dev.forkwatch.live.ForkwatchProcesses.Running;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code forkwatch run} end to end, as its own process: ready line, alerts, SIGTERM, counters, --record. */
class RunCommandTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static final Triggers triggers = Triggers.shared();
    @TempDir
    Path tmp;
    @RegisterExtension
    final ForkwatchProcesses forkwatch = new ForkwatchProcesses();

    static Integer pid(JsonNode alert) {
        JsonNode n = alert.path("output_fields").path("proc.pid");
        return n.isNumber() ? n.intValue() : null;
    }

    @Test
    void liveAlertsEqualTheReplayOfTheRecording() throws Exception {
        Path cfg = Files.writeString(tmp.resolve("fast.yaml"), "params:\n  vfork:\n    stall_threshold: 1s\n");
        Path rec = tmp.resolve("rec.jsonl");
        Running fw = forkwatch.start(tmp, "run", "--config", cfg.toString(), "--output", "json", "--record", rec.toString());
        assertThat(fw.awaitReady()).contains("tracepoint");
        Triggers.Run noExec = triggers.run("vforker", "vfork", "exit:127");
        Triggers.Run stall = triggers.run("vforker", "vfork", "sleep:1300");
        Triggers.Run ok = triggers.run("vforker", "vfork", "exec:/bin/true");
        Thread.sleep(1_500); // past the stall threshold of the last child + reorder allowance
        assertThat(fw.terminate()).isEqualTo(ExitCode.OK);
        assertThat(fw.awaitErr("stopped:")).containsPattern("\\d+ event\\(s\\), \\d+ alert\\(s\\), 0 lost record\\(s\\)");

        List<JsonNode> live = fw.alerts();
        assertThat(live).filteredOn(a -> noExec.child() == pid(a)).extracting(a -> a.path("rule").asText())
                .containsExactly("Vfork child exited without exec");
        assertThat(live).filteredOn(a -> stall.child() == pid(a)).extracting(a -> a.path("rule").asText())
                .containsExactly("Vfork child stalled");
        assertThat(live).filteredOn(a -> ok.child() == pid(a) || ok.parent() == pid(a)).isEmpty();

        // The recording replayed with the same config (aggregation on, as in run) raises the same alerts, uuids included.
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = Main.execute(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream()),
                "replay", "--aggregate", "--config", cfg.toString(), "--output", "json", rec.toString());
        assertThat(code).isEqualTo(ExitCode.OK);
        List<JsonNode> replayed = new ArrayList<>();
        for (String line : out.toString(StandardCharsets.UTF_8).split("\n")) {
            if (!line.isBlank()) {
                replayed.add(JSON.readTree(line));
            }
        }
        assertThat(replayed).isEqualTo(live).hasSizeGreaterThanOrEqualTo(2);
    }

    @Test
    void aCrashLoopingChildCollapsesIntoOneAlertAndOneSummary() throws Exception {
        Path rec = tmp.resolve("loop.jsonl");
        Running fw = forkwatch.start(tmp, "run", "--output", "json", "--record", rec.toString());
        fw.awaitReady();
        Triggers.Run loop = triggers.run("vforker", "vfork", "exit:1", "300"); // a service whose child keeps failing
        Thread.sleep(500);
        assertThat(fw.terminate()).isEqualTo(ExitCode.OK);
        assertThat(fw.awaitErr("stopped:")).containsPattern("\\d+ held back in \\d+ summaries");
        List<JsonNode> mine = fw.alerts().stream()
                .filter(a -> a.path("output_fields").path("proc.ppid").asInt() == loop.parent()).toList();
        assertThat(mine).extracting(a -> a.path("rule").asText()).containsOnly("Vfork child exited without exec");
        assertThat(mine).hasSize(2);
        assertThat(pid(mine.get(0))).isEqualTo(loop.children().get(0));
        JsonNode summary = mine.get(1).path("output_fields"); // flushed at exit, before the window's end
        assertThat(summary.path("alert.suppressed").asLong()).isEqualTo(299);
        assertThat(summary.path("proc.pid").asInt()).isEqualTo(loop.children().get(299));

        // Without aggregation the recording gives every match; with it, exactly what the live run sent.
        Cli every = Cli.replay("--output", "json", rec.toString());
        assertThat(every.alerts()).filteredOn(a -> a.path("output_fields").path("proc.ppid").asInt() == loop.parent())
                .hasSize(300);
        assertThat(withoutUuid(Cli.replay("--aggregate", "--output", "json", rec.toString()).alerts()))
                .isEqualTo(withoutUuid(fw.alerts()));
    }

    /** forkwatch replay in-process. */
    record Cli(int code, String out) {
        static Cli replay(String... args) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            List<String> a = new ArrayList<>(List.of("replay"));
            a.addAll(List.of(args));
            int code = Main.execute(new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(new ByteArrayOutputStream()), a.toArray(String[]::new));
            assertThat(code).isEqualTo(ExitCode.OK);
            return new Cli(code, out.toString(StandardCharsets.UTF_8));
        }

        List<JsonNode> alerts() throws IOException {
            List<JsonNode> list = new ArrayList<>();
            for (String line : out.split("\n")) {
                if (!line.isBlank()) {
                    list.add(JSON.readTree(line));
                }
            }
            return list;
        }
    }

    static List<JsonNode> withoutUuid(List<JsonNode> alerts) {
        return alerts.stream().map(a -> (JsonNode) ((ObjectNode) a.deepCopy()).without("uuid")).toList();
    }

    @Test
    void aRuleThatThrowsLiveIsDisabledAndTheDefaultAlertsStillCome() throws Exception {
        Path cfg = Files.writeString(tmp.resolve("fast.yaml"), "params:\n  vfork:\n    stall_threshold: 1s\n");
        // Throws on the trigger's comm ("vforker", shorter than 20 characters): on the very vfork that then stalls.
        Path broken = Files.writeString(tmp.resolve("broken.drl"), """
                rule "Long comm"
                    @priority("Notice")
                    @tags("test")
                    @description("breaks on short names")
                when
                    $v : Vfork(comm == "vforker", comm.substring(20) == "x")
                then
                end
                """);
        Path rules = Path.of(System.getProperty("forkwatch.root", "..")).resolve("rules").toAbsolutePath().normalize();
        Running fw = forkwatch.start(tmp, "run", "--config", cfg.toString(), "--output", "json",
                "--rules", rules.toString(), "--rules", broken.toString());
        fw.awaitReady();
        Triggers.Run stall = triggers.run("vforker", "vfork", "sleep:1300");
        Thread.sleep(1_500);
        assertThat(fw.terminate()).isEqualTo(ExitCode.OK);
        assertThat(fw.awaitErr("stopped:")).contains("1 rule(s) disabled: \"Long comm\" (failed)");
        List<JsonNode> live = fw.alerts();
        assertThat(live).filteredOn(a -> a.path("rule").asText().equals("Rule failed")).singleElement().satisfies(a -> {
            assertThat(a.path("output_fields").path("rule.name").asText()).isEqualTo("Long comm");
            assertThat(a.path("output_fields").path("rule.location").asText()).isEqualTo(broken + ":1");
        });
        assertThat(live).filteredOn(a -> Integer.valueOf(stall.child()).equals(pid(a))).extracting(a -> a.path("rule").asText())
                .containsExactly("Vfork child stalled");
        assertThat(fw.errText()).doesNotContain("\tat ", "internal error");
    }

    @Test
    void lostRecordsRaiseEventsDroppedEvenWithCustomRules() throws Exception {
        // A custom rule pack with a rule that never fires: the drop alert does not depend on the rules.
        Path rules = Files.writeString(tmp.resolve("quiet.drl"), """
                package forkwatch.custom;
                rule "Never"
                    @priority("Notice")
                    @tags("test")
                    @description("never fires")
                when
                    Vfork(pid == -1)
                then
                end
                """);
        Path cfg = Files.writeString(tmp.resolve("tiny.yaml"), "live:\n  ring_size_bytes: 4096\n  counter_poll: 100ms\n");
        // A background job of a non-interactive shell (as CI may run us) starts with SIGINT ignored, and the JVM
        // then leaves it ignored; reset it to the default so that this test's Ctrl-C reaches forkwatch.
        Running fw = forkwatch.in(tmp).prefix("python3", "-c",
                "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])").start("run", "--config", cfg.toString(), "--rules", rules.toString(), "--output", "json");
        fw.awaitReady();
        triggers.run("vforker", "vfork", "exec:/bin/true", "200");
        Thread.sleep(500);
        assertThat(Signals.INSTANCE.kill((int) fw.pid(), 2)).isZero(); // SIGINT (Ctrl-C) stops it cleanly too
        assertThat(fw.awaitExit(20)).as("stopped by SIGINT").isEqualTo(ExitCode.OK);
        String stopped = fw.awaitErr("stopped:");
        List<JsonNode> dropped = fw.alerts().stream().filter(a -> a.path("rule").asText().equals("Events dropped")).toList();
        assertThat(dropped).isNotEmpty();
        assertThat(dropped.get(0).path("priority").asText()).isEqualTo("Critical");
        long lost = dropped.stream().mapToLong(a -> a.path("output_fields").path("forkwatch.lost").asLong()).sum();
        assertThat(lost).isPositive();
        assertThat(stopped).contains(" " + lost + " lost record(s)");
    }

    @Test
    void withoutCapabilitiesItIsAnEnvironmentError() throws Exception {
        // Root, but with every capability dropped: what an unprivileged user gets.
        Running fw = forkwatch.in(tmp).prefix("setpriv", "--inh-caps=-all", "--bounding-set=-all", "--ambient-caps=-all")
                .start("run");
        assertThat(fw.awaitExit(60)).isEqualTo(ExitCode.ENVIRONMENT);
        assertThat(fw.awaitErr("forkwatch:")).contains("need root").contains("CAP_BPF");
    }

    @Test
    void explicitKprobeWithoutKprobesIsAnEnvironmentError() {
        org.junit.jupiter.api.Assumptions.assumeFalse(ProbeSetupTest.kernelHasKprobes(),
                "this kernel has kprobes; ProbeSetupTest covers kprobe mode there");
        Result r = cli("run", "--probe", "kprobe");
        assertThat(r.code()).isEqualTo(ExitCode.ENVIRONMENT);
        assertThat(r.err()).contains("--probe kprobe").contains("no kprobe support");
    }

    @Test
    void missingBpfObjectIsAnEnvironmentError() throws IOException {
        Path cfg = Files.writeString(tmp.resolve("obj.yaml"), "live:\n  bpf_object: " + tmp.resolve("missing.bpf.o") + "\n");
        Result r = cli("run", "--config", cfg.toString());
        assertThat(r.code()).isEqualTo(ExitCode.ENVIRONMENT);
        assertThat(r.err()).contains("live.bpf_object").contains("missing.bpf.o").contains("no such file");
    }

    @Test
    void aPackThatThrowsOnOrdinaryInputNeverGoesLive() throws IOException {
        Path r = Files.writeString(tmp.resolve("root.drl"), """
                rule "Root"
                    @priority("Notice")
                    @tags("test")
                    @description("uid is a number")
                when
                    Vfork(uid == "root")
                then
                end
                """);
        Result res = cli("run", "--rules", r.toString());
        assertThat(res.code()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(res.err()).contains(r + ":1:1: rule \"Root\" throws on ordinary input").doesNotContain("ready");
    }

    @Test
    void badProbeValueIsBadInput() {
        Result r = cli("run", "--probe", "fentry");
        assertThat(r.code()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(r.err()).contains("--probe").contains("fentry");
    }

    static final String LOOPING_RULE = """
            package forkwatch.custom;
            rule "Stuck"
                @priority("Notice")
                @tags("test")
                @description("a consequence that never returns")
            when
                Vfork(comm == "vforker") // not in the smoke trace that run checks the pack with before it starts
            then
                while (true) { }
            end
            """;

    /** BPF links the process holds: file descriptors that are {@code anon_inode:bpf_link}. */
    static long bpfLinks(Process p) throws IOException {
        long n = 0;
        try (var fds = Files.list(Path.of("/proc", Long.toString(p.pid()), "fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    if (Files.readSymbolicLink(fd).toString().equals("anon_inode:bpf_link")) {
                        n++;
                    }
                } catch (IOException e) {
                    // closed meanwhile
                }
            }
        }
        return n;
    }

    @Test
    void sigtermStopsARunWhoseRuleLoopsForever() throws Exception {
        Path rules = Files.writeString(tmp.resolve("stuck.drl"), LOOPING_RULE);
        Path cfg = Files.writeString(tmp.resolve("grace.yaml"), "live:\n  stop_grace: 2s\n");
        Path rec = tmp.resolve("rec.jsonl");
        Running fw = forkwatch.start(tmp, "run", "--config", cfg.toString(), "--rules", rules.toString(),
                "--record", rec.toString());
        fw.awaitReady();
        assertThat(bpfLinks(fw.process())).isPositive();
        Triggers.Run child = triggers.run("vforker", "vfork", "exit:3");
        // The vfork reaches the rules one drain plus the reorder allowance later; then the engine thread is stuck.
        Thread.sleep(1_000);
        fw.process().toHandle().destroy(); // SIGTERM
        // The links go first, while the stuck process is still alive (grace period 2 s).
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1_500);
        while (bpfLinks(fw.process()) > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(fw.isAlive()).as("still in its grace period").isTrue();
        assertThat(bpfLinks(fw.process())).as("BPF links destroyed at SIGTERM").isZero();
        assertThat(fw.awaitExit(20)).as("halted").isEqualTo(ExitCode.HALTED);
        assertThat(fw.awaitErr("halting")).contains("did not finish within 2000ms of SIGTERM").contains("exit code 6");
        // The recording was flushed before the halt: the vfork that got the rule stuck is in it.
        assertThat(Files.readString(rec)).contains("\"type\":\"vfork\"").contains("\"pid\":" + child.child() + ",");
    }

    @Test
    void sighupReloadsAndTheRecordingIsKeptFlushed() throws Exception {
        Path rec = tmp.resolve("rec.jsonl");
        Running fw = forkwatch.start(tmp, "run", "--record", rec.toString());
        fw.awaitReady();
        assertThat(Files.getPosixFilePermissions(rec)).isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        Triggers.Run first = triggers.run("vforker", "vfork", "exit:3");
        assertThat(Signals.INSTANCE.kill((int) fw.pid(), 1)).isZero(); // SIGHUP
        assertThat(fw.awaitErr("SIGHUP:")).contains("rules reloaded", "0 added, 0 changed, 0 removed");
        Triggers.Run second = triggers.run("vforker", "vfork", "exit:4");
        // Flushed on every drain: both children are on disk while forkwatch runs.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!Files.readString(rec).contains("\"pid\":" + second.child() + ",") && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(Files.readString(rec)).contains("\"pid\":" + first.child() + ",").contains("\"pid\":" + second.child() + ",");
        assertThat(fw.isAlive()).isTrue();
        // SIGKILL loses nothing that was drained: the recording stays as it was on disk.
        String before = Files.readString(rec);
        fw.process().destroyForcibly();
        fw.awaitExit(20);
        assertThat(Files.readString(rec)).startsWith(before);
    }

    /** kill(2), for SIGINT (ProcessHandle only sends SIGTERM and SIGKILL). */
    interface Signals extends com.sun.jna.Library {
        Signals INSTANCE = com.sun.jna.Native.load("c", Signals.class);

        int kill(int pid, int sig);
    }

    record Result(int code, String err) {
    }

    static Result cli(String... args) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.execute(new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8), args);
        return new Result(code, err.toString(StandardCharsets.UTF_8));
    }
}
