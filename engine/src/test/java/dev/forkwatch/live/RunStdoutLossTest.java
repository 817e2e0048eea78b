package dev.forkwatch.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.forkwatch.cli.ExitCode;
import dev.forkwatch.cli.Main;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The "Why" reproduction live: {@code forkwatch run > /dev/full} used to report its alerts and exit 0 with all
 * of them lost. Now a lost alert is logged at once and the run ends with exit 5 (on SIGTERM with
 * {@code on_error: continue}, by itself with {@code stop}).
 */
class RunStdoutLossTest {
    static Triggers triggers;
    @TempDir
    Path tmp;
    private final List<Process> started = new ArrayList<>();

    @BeforeAll
    static void build() throws Exception {
        triggers = Triggers.build(Triggers.binDir());
    }

    @AfterEach
    void cleanUp() throws InterruptedException {
        for (Process p : started) {
            p.destroyForcibly();
            p.waitFor(5, TimeUnit.SECONDS);
        }
    }

    private Process runToDevFull(String... extra) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "run", "--no-aggregate"));
        cmd.addAll(List.of(extra));
        Process p = new ProcessBuilder(cmd).redirectOutput(new File("/dev/full"))
                .redirectError(tmp.resolve("stderr.txt").toFile()).start();
        started.add(p);
        return p;
    }

    private String awaitErr(Process p, String s) throws Exception {
        for (int i = 0; i < 600; i++) { // at most 60 s: the rules compile first
            String err = Files.readString(tmp.resolve("stderr.txt"));
            if (err.contains(s)) {
                return err;
            }
            if (!p.isAlive() && i > 0) {
                break;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no stderr line with '" + s + "'; stderr: " + Files.readString(tmp.resolve("stderr.txt")));
    }

    @Test
    void continueLogsTheLossAtOnceAndExitsFiveOnSigterm() throws Exception {
        Process fw = runToDevFull();
        awaitErr(fw, "ready");
        triggers.run("vforker", "vfork", "exit:127");
        awaitErr(fw, "forkwatch: stdout: cannot write alert");
        assertThat(fw.isAlive()).as("continue: the run goes on").isTrue();
        fw.toHandle().destroy(); // SIGTERM
        assertThat(fw.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String err = Files.readString(tmp.resolve("stderr.txt"));
        assertThat(fw.exitValue()).as(err).isEqualTo(ExitCode.ALERTS_LOST);
        assertThat(err).containsPattern("forkwatch: stdout: [1-9]\\d* alert\\(s\\) could not be written: lost");
    }

    @Test
    void stopEndsTheRunByItselfWithExitFive() throws Exception {
        Path cfg = Files.writeString(tmp.resolve("stop.yaml"), "outputs:\n  stdout:\n    on_error: stop\n");
        Process fw = runToDevFull("--config", cfg.toString());
        awaitErr(fw, "ready");
        triggers.run("vforker", "vfork", "exit:127");
        assertThat(fw.waitFor(60, TimeUnit.SECONDS)).as("stopped without a signal").isTrue();
        String err = Files.readString(tmp.resolve("stderr.txt"));
        assertThat(fw.exitValue()).as(err).isEqualTo(ExitCode.ALERTS_LOST);
        assertThat(err).contains("outputs.stdout.on_error is stop");
    }
}
