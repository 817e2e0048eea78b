package dev.forkwatch.sink.webhook;

import static dev.forkwatch.sink.webhook.TestReceiver.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.forkwatch.alert.Alert;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** samples/webhook-receiver/receiver.py verifies what the sink signs, and rejects a wrong secret. */
class SampleReceiverTest {
    @TempDir
    Path tmp;

    @Test
    void thePythonSampleVerifiesOurSignaturesAndRejectsAWrongSecret() throws Exception {
        Path script = Path.of(System.getProperty("forkwatch.root", ".."), "samples", "webhook-receiver", "receiver.py");
        assertThat(script).exists();
        String secret = "whsec_c2FtcGxlLXJlY2VpdmVyLXRlc3Qta2V5";
        ProcessBuilder pb = new ProcessBuilder("python3", script.toString(), "--port", "0").redirectErrorStream(true);
        pb.environment().put("FORKWATCH_WEBHOOK_SECRET", secret);
        Process py = pb.start();
        List<String> lines = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(py.getInputStream(), StandardCharsets.UTF_8))) {
                String l;
                while ((l = r.readLine()) != null) {
                    lines.add(l);
                }
            } catch (java.io.IOException e) {
                // process ended
            }
        });
        reader.start();
        try {
            assertThat(await(15_000, () -> lines.stream().anyMatch(l -> l.startsWith("LISTENING")))).as("receiver started: " + lines).isTrue();
            String hostPort = lines.stream().filter(l -> l.startsWith("LISTENING")).findFirst().orElseThrow().split(" ")[1];
            String url = "http://" + hostPort + "/";
            TestAlerts.Capture err = new TestAlerts.Capture();

            Alert a = TestAlerts.alert(1);
            Alert b = TestAlerts.alert(2);
            WebhookSink good = new WebhookSink(WebhookSettings.from(TestAlerts.config(url, tmp.resolve("s1")),
                    Map.of("FORKWATCH_WEBHOOK_SECRET", secret), err.stream), err.stream);
            good.accept(a);
            good.accept(b);
            good.close();
            assertThat(good.stats().delivered()).isEqualTo(2);
            assertThat(await(5_000, () -> lines.stream().filter(l -> l.startsWith("VERIFIED")).count() == 2)).isTrue();
            assertThat(lines).anyMatch(l -> l.startsWith("VERIFIED " + a.uuid() + " Warning"));
            assertThat(lines).anyMatch(l -> l.startsWith("VERIFIED " + b.uuid()));

            Path spool2 = tmp.resolve("s2");
            WebhookSink wrong = new WebhookSink(WebhookSettings.from(TestAlerts.config(url, spool2),
                    Map.of("FORKWATCH_WEBHOOK_SECRET", "not-the-secret"), err.stream), err.stream);
            Alert c = TestAlerts.alert(3);
            wrong.accept(c);
            wrong.close();
            assertThat(wrong.stats().deadLettered()).isEqualTo(1);
            // printed before the 401 was sent, but our reader thread may not have read it yet
            assertThat(await(5_000, () -> lines.contains("REJECTED signature does not match"))).as(lines.toString()).isTrue();
            assertThat(lines).noneMatch(l -> l.contains(c.uuid()));
            assertThat(Files.readString(spool2.resolve("dead-letter.jsonl"))).contains("HTTP 401");
        } finally {
            py.destroy();
            if (!py.waitFor(5, TimeUnit.SECONDS)) {
                py.destroyForcibly();
                py.waitFor(5, TimeUnit.SECONDS);
            }
            reader.join(5000);
        }
    }
}
