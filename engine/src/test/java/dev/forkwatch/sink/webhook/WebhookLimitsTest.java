package dev.forkwatch.sink.webhook;

import static dev.forkwatch.sink.webhook.TestAlerts.alert;
import static dev.forkwatch.sink.webhook.TestAlerts.config;
import static dev.forkwatch.sink.webhook.TestReceiver.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.forkwatch.config.Config;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The "Why" reproductions for the webhook: Retry-After 0 (and a huge value that overflowed) gave a flood of
 * requests; a 200 whose body never ends stalled delivery for good, with no log line.
 */
class WebhookLimitsTest {
    @TempDir
    Path tmp;

    private final TestAlerts.Capture err = new TestAlerts.Capture();

    private WebhookSink sink(Config c) {
        return new WebhookSink(WebhookSettings.from(c, Map.of(), err.stream), err.stream);
    }

    private static long minGapMs(List<TestReceiver.Request> rs) {
        long min = Long.MAX_VALUE;
        for (int i = 1; i < rs.size(); i++) {
            min = Math.min(min, (rs.get(i).receivedNanos() - rs.get(i - 1).receivedNanos()) / 1_000_000L);
        }
        return min;
    }

    @Test
    void retryAfterZeroWaitsTheInitialBackoffNotZero() throws Exception {
        try (TestReceiver rx = TestReceiver.http((n, r) -> n <= 3
                ? new TestReceiver.Reply(503, Map.of("Retry-After", "0"), 0) : TestReceiver.Reply.of(200))) {
            Config c = TestAlerts.with(TestAlerts.with(config(rx.url(), tmp.resolve("spool")),
                    "retry.initial_backoff", "300ms"), "retry.max_backoff", "2s");
            WebhookSink s = sink(c);
            s.accept(alert(1));
            assertThat(await(20_000, () -> s.stats().delivered() == 1)).isTrue();
            s.close();
            assertThat(rx.attempts()).isEqualTo(4); // 3 refusals, then delivered: no flood
            assertThat(minGapMs(rx.requests())).as("every wait at least initial_backoff").isGreaterThanOrEqualTo(290);
        }
    }

    @Test
    void aHugeRetryAfterWaitsMaxBackoffNeitherZeroNorForever() throws Exception {
        // 9223372036854775 s overflowed to a negative delay (then 0); 10^22 s is past any long
        String[] hints = {"9223372036854775", "10000000000000000000000"};
        try (TestReceiver rx = TestReceiver.http((n, r) -> n <= 2
                ? new TestReceiver.Reply(429, Map.of("Retry-After", hints[n - 1]), 0) : TestReceiver.Reply.of(200))) {
            Config c = TestAlerts.with(TestAlerts.with(config(rx.url(), tmp.resolve("spool")),
                    "retry.initial_backoff", "50ms"), "retry.max_backoff", "400ms");
            WebhookSink s = sink(c);
            s.accept(alert(1));
            assertThat(await(20_000, () -> s.stats().delivered() == 1)).as("not stalled for years").isTrue();
            s.close();
            assertThat(rx.attempts()).isEqualTo(3);
            assertThat(minGapMs(rx.requests())).as("waited max_backoff each time").isGreaterThanOrEqualTo(390);
        }
    }

    @Test
    void retryAfterIsParsedAndClampedToTheBackoffRange() {
        Clock clock = Clock.fixed(Instant.parse("2025-11-28T03:20:00Z"), ZoneOffset.UTC);
        WebhookSettings st = WebhookSettings.from(config("http://127.0.0.1:9/", tmp.resolve("s")), Map.of(), err.stream);
        WebhookClient client = new WebhookClient(st, clock);
        assertThat(client.retryAfterMs("0")).isZero();
        assertThat(client.retryAfterMs(" 3 ")).isEqualTo(3000);
        assertThat(client.retryAfterMs("9223372036854775")).isEqualTo(Long.MAX_VALUE);
        assertThat(client.retryAfterMs("Fri, 28 Nov 2025 03:20:10 GMT")).isEqualTo(10_000);
        assertThat(client.retryAfterMs("Fri, 28 Nov 2025 03:19:10 GMT")).isZero(); // in the past
        assertThat(client.retryAfterMs("-5")).isEqualTo(-1);
        assertThat(client.retryAfterMs("soon")).isEqualTo(-1);
        assertThat(client.retryAfterMs(null)).isEqualTo(-1);
        Backoff b = new Backoff(Duration.ofMillis(20), Duration.ofMillis(200));
        assertThat(b.afterServerHint(0)).isEqualTo(20);
        assertThat(b.afterServerHint(100)).isEqualTo(100);
        assertThat(b.afterServerHint(Long.MAX_VALUE)).isEqualTo(200);
        for (int attempt = 0; attempt < 100; attempt++) {
            assertThat(b.afterFailure(attempt)).isBetween(1L, 200L);
        }
    }

    @Test
    void aBodyThatTricklesPastTheTimeoutIsCutAndTheAlertRetried() throws Exception {
        AtomicBoolean trickleEnded = new AtomicBoolean();
        try (RawReceiver rx = new RawReceiver((n, out) -> {
            if (n > 1) {
                RawReceiver.ok(out);
                return;
            }
            // a 200 whose body never ends: one byte every 50 ms, for up to a minute
            try {
                out.write("HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                for (int i = 0; i < 1200; i++) {
                    out.write('x');
                    out.flush();
                    Thread.sleep(50);
                }
            } finally {
                trickleEnded.set(true); // a write failed: the client closed the connection
            }
        })) {
            Config c = config(rx.url(), tmp.resolve("spool")).with("outputs.webhook.timeout", 500_000_000L, "test");
            WebhookSink s = sink(c);
            s.accept(alert(1));
            assertThat(await(30_000, () -> s.stats().delivered() == 1)).as("delivered by the retry").isTrue();
            s.close();
            assertThat(rx.requests()).isEqualTo(2);
            assertThat(s.stats().retried()).isEqualTo(1);
            assertThat(err.text()).contains("no complete answer within 500ms")
                    .contains("covers the whole exchange, body included");
            assertThat(await(10_000, trickleEnded::get)).as("the connection was closed, not left open").isTrue();
        }
    }

    @Test
    void aHugeBodyIsReadOnlyUpToTheCap() throws Exception {
        AtomicLong written = new AtomicLong();
        AtomicBoolean ended = new AtomicBoolean();
        try (RawReceiver rx = new RawReceiver((n, out) -> {
            try {
                out.write("HTTP/1.1 200 OK\r\nContent-Length: 1000000000\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                byte[] chunk = new byte[64 << 10];
                for (int i = 0; i < 1000000000 / chunk.length; i++) {
                    out.write(chunk);
                    written.addAndGet(chunk.length);
                }
            } finally {
                ended.set(true);
            }
        })) {
            WebhookSink s = sink(config(rx.url(), tmp.resolve("spool")));
            s.accept(alert(1));
            assertThat(await(30_000, () -> s.stats().delivered() == 1)).isTrue();
            s.close();
            assertThat(s.stats().retried()).isZero();
            // what the server got out before the client hung up: the cap plus socket buffers, not 1 GB
            assertThat(await(10_000, ended::get)).as("the client hung up").isTrue();
            assertThat(written.get()).isLessThan(64L << 20);
        }
    }
}
