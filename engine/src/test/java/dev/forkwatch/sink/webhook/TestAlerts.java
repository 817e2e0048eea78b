package dev.forkwatch.sink.webhook;

import dev.forkwatch.alert.Alert;
import dev.forkwatch.alert.Priority;
import dev.forkwatch.config.Config;
import dev.forkwatch.config.Durations;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Alerts and webhook configs for tests. */
final class TestAlerts {
    private TestAlerts() {
    }

    static Alert alert(int i) {
        return new Alert(UUID.randomUUID().toString(), 1_700_000_000_000_000_000L + i, "Vfork child stalled",
                Priority.WARNING, "vfork child " + i + " stalled", Map.of("proc.pid", 1000 + i, "proc.name", "sh"),
                List.of("T1055"), "testhost");
    }

    /** Defaults with the webhook at {@code url}, spooling to {@code spool}, short backoffs for tests. */
    static Config config(String url, Path spool) {
        return Config.defaults()
                .with("outputs.webhook.url", url, "test")
                .with("outputs.webhook.spool_dir", spool.toString(), "test")
                .with("outputs.webhook.timeout", Durations.parseNanos("2s"), "test")
                .with("outputs.webhook.retry.initial_backoff", Durations.parseNanos("20ms"), "test")
                .with("outputs.webhook.retry.max_backoff", Durations.parseNanos("200ms"), "test")
                .with("outputs.webhook.drain_timeout", Durations.parseNanos("5s"), "test");
    }

    static Config with(Config c, String key, String duration) {
        return c.with("outputs.webhook." + key, Durations.parseNanos(duration), "test");
    }

    /** A PrintStream that keeps what is printed (webhook log lines). */
    static final class Capture {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final PrintStream stream = new PrintStream(bytes, true, StandardCharsets.UTF_8);

        String text() {
            return bytes.toString(StandardCharsets.UTF_8);
        }
    }
}
