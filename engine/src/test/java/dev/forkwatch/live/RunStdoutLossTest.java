package dev.forkwatch.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.forkwatch.cli.ExitCode;
import dev.forkwatch.live.ForkwatchProcesses.Running;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The "Why" reproduction live: {@code forkwatch run > /dev/full} used to report its alerts and exit 0 with all
 * of them lost. Now a lost alert is logged at once and the run ends with exit 5 (on SIGTERM with
 * {@code on_error: continue}, by itself with {@code stop}).
 */
class RunStdoutLossTest {
    static final Triggers triggers = Triggers.shared();
    @TempDir
    Path tmp;
    @RegisterExtension
    final ForkwatchProcesses forkwatch = new ForkwatchProcesses();

    private Running runToDevFull(String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("run", "--no-aggregate"));
        args.addAll(List.of(extra));
        return forkwatch.in(tmp).stdout(Path.of("/dev/full")).start(args.toArray(String[]::new));
    }

    @Test
    void continueLogsTheLossAtOnceAndExitsFiveOnSigterm() throws Exception {
        Running fw = runToDevFull();
        fw.awaitReady();
        triggers.run("vforker", "vfork", "exit:127");
        fw.awaitErr("forkwatch: stdout: cannot write alert");
        assertThat(fw.isAlive()).as("continue: the run goes on").isTrue();
        assertThat(fw.terminate()).as(fw::errText).isEqualTo(ExitCode.ALERTS_LOST);
        assertThat(fw.errText()).containsPattern("forkwatch: stdout: [1-9]\\d* alert\\(s\\) could not be written: lost");
    }

    @Test
    void stopEndsTheRunByItselfWithExitFive() throws Exception {
        Path cfg = Files.writeString(tmp.resolve("stop.yaml"), "outputs:\n  stdout:\n    on_error: stop\n");
        Running fw = runToDevFull("--config", cfg.toString());
        fw.awaitReady();
        triggers.run("vforker", "vfork", "exit:127");
        assertThat(fw.awaitExit(60)).as(fw::errText).isEqualTo(ExitCode.ALERTS_LOST); // no signal sent
        assertThat(fw.errText()).contains("outputs.stdout.on_error is stop");
    }
}
