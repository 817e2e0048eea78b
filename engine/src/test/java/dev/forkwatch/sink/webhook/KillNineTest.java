package dev.forkwatch.sink.webhook;

import static dev.forkwatch.sink.webhook.TestReceiver.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/** A forkwatch process killed with SIGKILL while alerts wait in the spool: the next start delivers them all. */
class KillNineTest {
    @TempDir
    Path tmp;

    /** 0ms: fsync per alert; 50ms: group commit, where accept() returns after write(2) only. Both survive SIGKILL. */
    @ParameterizedTest
    @ValueSource(strings = {"0ms", "50ms"})
    void alertsSpooledByAProcessKilledWithSigkillAreDeliveredByTheNextStart(String fsyncInterval) throws Exception {
        Path spool = tmp.resolve("spool");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String dead = "http://127.0.0.1:" + WebhookSinkTest.deadPort() + "/";
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                SpoolChild.class.getName(), spool.toString(), dead, "25", fsyncInterval)
                .redirectError(tmp.resolve("child-stderr.txt").toFile()).start();
        List<String> uuids = new ArrayList<>();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = out.readLine()) != null && !line.equals("READY")) {
                uuids.add(line);
            }
            assertThat(line).as("child got ready").isEqualTo("READY");
            child.destroyForcibly(); // SIGKILL on Linux (no kill(1) needed): no shutdown hooks, no close()
            assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(child.exitValue()).as("killed by SIGKILL").isEqualTo(128 + 9);
        } finally {
            child.destroyForcibly();
            child.waitFor(10, TimeUnit.SECONDS);
        }
        assertThat(uuids).hasSize(25);

        TestAlerts.Capture err = new TestAlerts.Capture();
        try (TestReceiver rx = TestReceiver.ok()) {
            WebhookSink next = new WebhookSink(WebhookSettings.from(TestAlerts.config(rx.url(), spool), Map.of(),
                    err.stream), err.stream);
            assertThat(await(15_000, () -> rx.requests().size() >= 25)).isTrue();
            next.close();
            List<String> got = new ArrayList<>();
            for (TestReceiver.Request r : rx.requests()) {
                got.add(new ObjectMapper().readTree(r.body()).path("uuid").asText());
            }
            assertThat(got).containsExactlyElementsOf(uuids);
            assertThat(next.stats().pending()).isZero();
        }
    }
}
