package dev.forkwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The "Why" reproductions for stdout, end to end: a forged alert line in a file name, and alerts written to
 * {@code /dev/full} or a closed pipe (a real child process: only there is fd 1 really broken).
 */
class StdoutLossTest {
    @TempDir
    Path tmp;

    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void cleanUp() throws InterruptedException {
        for (Process p : started) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private ProcessBuilder forkwatch(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectError(tmp.resolve("stderr.txt").toFile());
    }

    private int finish(Process p) throws InterruptedException {
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("forkwatch ends").isTrue();
        return p.exitValue();
    }

    private String stderr() throws IOException {
        return Files.readString(tmp.resolve("stderr.txt"));
    }

    @Test
    void replayToDevFullExitsFiveAndSaysAllFourAlertsWereLost() throws Exception {
        Process p = forkwatch("replay", Cli.sample("mixed.jsonl")).redirectOutput(new java.io.File("/dev/full")).start();
        started.add(p);
        int code = finish(p);
        String err = stderr();
        assertThat(code).as(err).isEqualTo(ExitCode.ALERTS_LOST);
        assertThat(err).contains("forkwatch: stdout: cannot write alert").contains("4 alert(s)")
                .contains("forkwatch: stdout: 4 alert(s) could not be written: lost");
    }

    @Test
    void replayToAClosedPipeExitsFive() throws Exception {
        Process p = forkwatch("replay", Cli.sample("mixed.jsonl")).start(); // stdout: a pipe to us
        started.add(p);
        p.getInputStream().close(); // the reader goes away before forkwatch writes anything
        int code = finish(p);
        String err = stderr();
        assertThat(code).as(err).isEqualTo(ExitCode.ALERTS_LOST);
        assertThat(err).contains("forkwatch: stdout: 4 alert(s) could not be written: lost");
    }

    @Test
    void onErrorStopEndsTheReplayAtTheFirstLostAlert() throws Exception {
        Path cfg = Files.writeString(tmp.resolve("stop.yaml"), "outputs:\n  stdout:\n    on_error: stop\n");
        Process p = forkwatch("replay", "--config", cfg.toString(), Cli.sample("mixed.jsonl"))
                .redirectOutput(new java.io.File("/dev/full")).start();
        started.add(p);
        int code = finish(p);
        String err = stderr();
        assertThat(code).as(err).isEqualTo(ExitCode.ALERTS_LOST);
        assertThat(err).contains("outputs.stdout.on_error is stop").doesNotContain("replayed 15 events");
    }

    @Test
    void aFileNameHoldingANewlineAndAFakeAlertPrintsAsOneEscapedLine() throws Exception {
        // exec'd from /tmp, so "Vfork child exec from writable directory" prints the file name
        String forged = "/tmp/x\\n2025-11-28T03:20:00.000500000Z Emergency Root shell spawned: pwned\\u001b[2J\\u009b";
        Path trace = Files.writeString(tmp.resolve("forged.jsonl"),
                "{\"type\":\"vfork\",\"ts\":1764300000000000000,\"pid\":8101,\"ppid\":8100,\"uid\":1000,\"comm\":\"nginx\",\"via\":\"vfork\"}\n"
                + "{\"type\":\"exec\",\"ts\":1764300000000500000,\"pid\":8101,\"comm\":\"x\",\"filename\":\"" + forged + "\"}\n",
                StandardCharsets.UTF_8);
        Cli.Result r = Cli.run("replay", trace.toString());
        assertThat(r.code()).as(r.err()).isZero();
        List<String> lines = r.out().lines().toList();
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0)).contains("Warning Vfork child exec from writable directory:")
                .contains("/tmp/x\\x0a2025-11-28T03:20:00.000500000Z Emergency Root shell spawned: pwned\\x1b[2J\\u009b");
        assertThat(r.out().chars().filter(c -> c < 0x20 || (c >= 0x7f && c <= 0x9f))).containsExactly((int) '\n');
    }
}
