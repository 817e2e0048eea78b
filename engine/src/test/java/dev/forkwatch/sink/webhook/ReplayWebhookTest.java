package dev.forkwatch.sink.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import dev.forkwatch.cli.ExitCode;
import dev.forkwatch.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `forkwatch replay --webhook URL --spool-dir DIR --drain-timeout D`: exit 4 while alerts stay spooled, then 0. */
class ReplayWebhookTest {
    @TempDir
    Path tmp;

    private static int replay(String url, Path spool, Path trace) {
        PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        return Main.execute(out, err, "replay", "--webhook", url, "--spool-dir", spool.toString(),
                "--drain-timeout", "300ms", trace.toString());
    }

    @Test
    void replayExitsUndeliveredWhileTheReceiverIsDownAndDeliversOnTheNextRun() throws Exception {
        Path trace = Path.of(System.getProperty("forkwatch.root", ".."), "samples", "traces", "failed-exec.jsonl");
        Path spool = tmp.resolve("spool");
        assertThat(replay("http://127.0.0.1:" + WebhookSinkTest.deadPort() + "/", spool, trace))
                .isEqualTo(ExitCode.UNDELIVERED);
        try (TestReceiver rx = TestReceiver.ok()) {
            assertThat(replay(rx.url(), spool, trace)).isEqualTo(ExitCode.OK);
            // the alert spooled by the first run, then the same alert (new uuid) from the second
            assertThat(rx.requests()).hasSize(2);
            assertThat(rx.requests().get(0).body()).contains("\"rule\":\"Vfork child exited without exec\"");
        }
    }

    @Test
    void anotherUsersSpoolDirectoryIsExitTwoNamingIt() throws Exception {
        Path spool = Files.createDirectory(tmp.resolve("shared-spool"));
        Files.setOwner(spool, spool.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));
        Path trace = Path.of(System.getProperty("forkwatch.root", ".."), "samples", "traces", "failed-exec.jsonl");
        ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        int code = Main.execute(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(errBytes, true, StandardCharsets.UTF_8), "replay", "--webhook", "http://127.0.0.1:9/",
                "--spool-dir", spool.toString(), trace.toString());
        assertThat(code).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(errBytes.toString(StandardCharsets.UTF_8)).contains("outputs.webhook.spool_dir: " + spool + " is owned by nobody");
        try (var in = Files.list(spool)) {
            assertThat(in).as("nothing created in it").isEmpty();
        }
    }

    @Test
    void alertsRefusedByAFullSpoolMakeExitFiveWithTheCount() throws Exception {
        Path trace = tmp.resolve("many.jsonl");
        dev.forkwatch.source.TraceGenerator.write(trace, 20_000, 200_000, 42);
        Path cfg = Files.writeString(tmp.resolve("small.yaml"), "outputs:\n  webhook:\n    spool_max_bytes: 4096\n");
        ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        int code = Main.execute(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(errBytes, true, StandardCharsets.UTF_8), "replay", "--config", cfg.toString(),
                "--webhook", "http://127.0.0.1:" + WebhookSinkTest.deadPort() + "/", "--spool-dir",
                tmp.resolve("spool").toString(), "--drain-timeout", "100ms", trace.toString());
        String err = errBytes.toString(StandardCharsets.UTF_8);
        assertThat(code).as(err).isEqualTo(ExitCode.ALERTS_LOST);
        assertThat(err).contains("spool is full").containsPattern("refused [1-9][0-9]*, left in spool [1-9]");
    }
}
