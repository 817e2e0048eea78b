package dev.forkwatch.sink.webhook;

import static dev.forkwatch.sink.webhook.TestAlerts.alert;
import static dev.forkwatch.sink.webhook.TestAlerts.config;
import static dev.forkwatch.sink.webhook.TestReceiver.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forkwatch.alert.Alert;
import dev.forkwatch.alert.AlertJson;
import dev.forkwatch.config.Config;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WebhookSinkTest {
    @TempDir
    Path tmp;

    private final TestAlerts.Capture err = new TestAlerts.Capture();

    private WebhookSink sink(Config c, Map<String, String> env) {
        return new WebhookSink(WebhookSettings.from(c, env, err.stream), err.stream);
    }

    private WebhookSink sink(Config c) {
        return sink(c, Map.of());
    }

    /** The test's own HMAC (not WebhookSigner): Standard Webhooks' "id.timestamp.body". */
    private static String hmac(byte[] key, String id, String ts, String body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return "v1," + Base64.getEncoder().encodeToString(
                mac.doFinal((id + "." + ts + "." + body).getBytes(StandardCharsets.UTF_8)));
    }

    static int deadPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static List<String> ids(List<TestReceiver.Request> rs) throws IOException {
        List<String> out = new ArrayList<>();
        for (TestReceiver.Request r : rs) {
            out.add(new ObjectMapper().readTree(r.body()).path("uuid").asText());
        }
        return out;
    }

    @Test
    void deliversEachAlertAsOneSignedFalcoJsonPost() throws Exception {
        byte[] key = new byte[24];
        new SecureRandom().nextBytes(key);
        String secret = "whsec_" + Base64.getEncoder().encodeToString(key);
        List<Alert> sent = List.of(alert(1), alert(2), alert(3));
        try (TestReceiver rx = TestReceiver.ok()) {
            WebhookSink s = sink(config(rx.url(), tmp.resolve("spool")), Map.of("FORKWATCH_WEBHOOK_SECRET", secret));
            sent.forEach(s::accept);
            assertThat(await(10_000, () -> rx.requests().size() == 3)).as("3 requests received").isTrue();
            s.close();

            long now = System.currentTimeMillis() / 1000;
            List<TestReceiver.Request> got = rx.requests();
            for (int i = 0; i < 3; i++) {
                TestReceiver.Request r = got.get(i);
                assertThat(r.body()).isEqualTo(AlertJson.toJson(sent.get(i)));
                assertThat(r.header("content-type")).isEqualTo("application/json");
                assertThat(r.header("webhook-id")).isEqualTo(sent.get(i).uuid());
                long ts = Long.parseLong(r.header("webhook-timestamp"));
                assertThat(ts).isBetween(now - 60, now + 1);
                assertThat(r.header("webhook-signature"))
                        .isEqualTo(hmac(key, r.header("webhook-id"), r.header("webhook-timestamp"), r.body()))
                        .isNotEqualTo(hmac("other".getBytes(StandardCharsets.UTF_8), r.header("webhook-id"),
                                r.header("webhook-timestamp"), r.body()));
            }
            assertThat(s.stats()).isEqualTo(new WebhookStats(3, 0, 0, 0, 0));
            assertThat(err.text()).doesNotContain(secret).doesNotContain(Base64.getEncoder().encodeToString(key));
        }
    }

    @Test
    void plainSecretSignsWithItsUtf8BytesAndNoSecretMeansNoSignature() throws Exception {
        try (TestReceiver rx = TestReceiver.ok()) {
            Config c = config(rx.url(), tmp.resolve("a")).with("outputs.webhook.secret_env", "MY_SECRET", "test")
                    .with("outputs.webhook.headers.Authorization", "Bearer t0ken", "test");
            WebhookSink s = sink(c, Map.of("MY_SECRET", "plain-säcret"));
            s.accept(alert(1));
            assertThat(await(10_000, () -> rx.requests().size() == 1)).isTrue();
            s.close();
            TestReceiver.Request r = rx.requests().get(0);
            assertThat(r.header("webhook-signature")).isEqualTo(hmac("plain-säcret".getBytes(StandardCharsets.UTF_8),
                    r.header("webhook-id"), r.header("webhook-timestamp"), r.body()));
            assertThat(r.header("authorization")).isEqualTo("Bearer t0ken");
            assertThat(s.toString()).doesNotContain("t0ken").doesNotContain("säcret");

            WebhookSink unsigned = sink(config(rx.url(), tmp.resolve("b")), Map.of());
            unsigned.accept(alert(2));
            assertThat(await(10_000, () -> rx.requests().size() == 2)).isTrue();
            unsigned.close();
            assertThat(rx.requests().get(1).headers()).doesNotContainKeys("webhook-signature", "webhook-timestamp");
        }
    }

    @Test
    void retries503InOrderAndDeliversEachIdOnce() throws Exception {
        List<Alert> sent = List.of(alert(1), alert(2), alert(3));
        try (TestReceiver rx = TestReceiver.http((n, r) -> TestReceiver.Reply.of(n <= 2 ? 503 : 200))) {
            WebhookSink s = sink(config(rx.url(), tmp.resolve("spool")), Map.of("FORKWATCH_WEBHOOK_SECRET", "k"));
            sent.forEach(s::accept);
            assertThat(await(10_000, () -> rx.requests().size() == 5)).isTrue();
            s.close();
            List<TestReceiver.Request> got = rx.requests();
            // the head was tried three times with the same webhook-id, then the rest followed in order
            assertThat(got.subList(0, 3)).extracting(r -> r.header("webhook-id")).containsOnly(sent.get(0).uuid());
            List<String> delivered = ids(got.subList(2, 5));
            assertThat(delivered).containsExactly(sent.get(0).uuid(), sent.get(1).uuid(), sent.get(2).uuid());
            assertThat(s.stats()).isEqualTo(new WebhookStats(3, 2, 0, 0, 0));
            assertThat(err.text()).contains("HTTP 503").contains("delivery resumed after 2 failed attempt(s)");
        }
    }

    @Test
    void honoursRetryAfterOn429() throws Exception {
        try (TestReceiver rx = TestReceiver.http((n, r) -> n == 1
                ? new TestReceiver.Reply(429, Map.of("Retry-After", "1"), 0) : TestReceiver.Reply.of(200))) {
            // backoff alone would retry after ~20 ms; only Retry-After explains a 1 s gap
            Config c = TestAlerts.with(config(rx.url(), tmp.resolve("spool")), "retry.max_backoff", "5s");
            WebhookSink s = sink(c);
            s.accept(alert(1));
            assertThat(await(10_000, () -> rx.requests().size() == 2)).isTrue();
            s.close();
            List<TestReceiver.Request> got = rx.requests();
            long gapMs = (got.get(1).receivedNanos() - got.get(0).receivedNanos()) / 1_000_000L;
            assertThat(gapMs).isBetween(900L, 5000L);
            assertThat(s.stats().delivered()).isEqualTo(1);
            assertThat(s.stats().retried()).isEqualTo(1);
        }
    }

    @Test
    void a400IsNotRetriedButDeadLetteredAndTheNextAlertStillGoes() throws Exception {
        Alert bad = alert(1);
        Alert good = alert(2);
        try (TestReceiver rx = TestReceiver.http((n, r) -> TestReceiver.Reply.of(r.body().contains(bad.uuid()) ? 400 : 200))) {
            Path spool = tmp.resolve("spool");
            WebhookSink s = sink(config(rx.url(), spool));
            s.accept(bad);
            s.accept(good);
            assertThat(await(10_000, () -> rx.requests().size() == 2)).isTrue();
            Thread.sleep(300); // room for a wrong retry to show up
            s.close();
            assertThat(ids(rx.requests())).containsExactly(bad.uuid(), good.uuid());
            assertThat(s.stats()).isEqualTo(new WebhookStats(1, 0, 1, 0, 0));
            List<String> dead = Files.readAllLines(spool.resolve("dead-letter.jsonl"));
            assertThat(dead).hasSize(1);
            JsonNode d = new ObjectMapper().readTree(dead.get(0));
            assertThat(d.path("alert").path("uuid").asText()).isEqualTo(bad.uuid());
            assertThat(d.path("reason").asText()).contains("HTTP 400");
            assertThat(AlertJson.fromJson(d.path("alert").toString())).isEqualTo(bad);
            assertThat(err.text()).contains("dead-lettered").contains(bad.uuid());
        }
    }

    @Test
    void receiverDownLeavesAlertsInTheSpoolAndTheNextStartDeliversThemInOrder() throws Exception {
        Path spool = tmp.resolve("spool");
        List<Alert> sent = new ArrayList<>();
        Config down = TestAlerts.with(config("http://127.0.0.1:" + deadPort() + "/", spool), "drain_timeout", "300ms");
        WebhookSink s = sink(down);
        for (int i = 0; i < 5; i++) {
            sent.add(alert(i));
            s.accept(sent.get(i));
        }
        long t0 = System.nanoTime();
        s.close();
        assertThat((System.nanoTime() - t0) / 1_000_000L).as("close waits about drain_timeout").isLessThan(3000);
        assertThat(s.stats().pending()).isEqualTo(5);
        assertThat(s.stats().delivered()).isZero();
        assertThat(s.report().pending()).isEqualTo(5);
        assertThat(s.report().lost()).isZero();
        assertThat(err.text()).contains("5 alert(s) not delivered").contains(spool.toString());
        try (Stream<Path> files = Files.list(spool)) {
            assertThat(files.filter(p -> p.toString().endsWith(".seg")).mapToLong(p -> p.toFile().length()).sum())
                    .isGreaterThan(5 * 200L);
        }

        try (TestReceiver rx = TestReceiver.ok()) {
            WebhookSink next = sink(config(rx.url(), spool));
            assertThat(await(10_000, () -> rx.requests().size() == 5)).isTrue();
            next.close();
            assertThat(ids(rx.requests())).containsExactlyElementsOf(sent.stream().map(Alert::uuid).toList());
            assertThat(next.stats()).isEqualTo(new WebhookStats(5, 0, 0, 0, 0));
            assertThat(err.text()).contains("5 alert(s) left in the spool by an earlier run");
        }
        // and a third start has nothing left to send
        try (TestReceiver rx = TestReceiver.ok()) {
            WebhookSink third = sink(config(rx.url(), spool));
            Thread.sleep(300);
            third.close();
            assertThat(rx.requests()).isEmpty();
        }
    }

    @Test
    void alertsOlderThanMaxAgeAreDeadLetteredNotSent() throws Exception {
        Path spool = tmp.resolve("spool");
        WebhookSink s = sink(TestAlerts.with(config("http://127.0.0.1:" + deadPort() + "/", spool), "drain_timeout", "100ms"));
        Alert a = alert(1);
        s.accept(a);
        s.close();
        Thread.sleep(50);
        try (TestReceiver rx = TestReceiver.ok()) {
            WebhookSink next = sink(TestAlerts.with(config(rx.url(), spool), "retry.max_age", "10ms"));
            assertThat(await(5_000, () -> next.stats().deadLettered() == 1)).isTrue();
            next.close();
            assertThat(rx.requests()).isEmpty();
            assertThat(Files.readString(spool.resolve("dead-letter.jsonl"))).contains(a.uuid()).contains("max_age");
            assertThat(err.text()).contains("retry.max_age");
        }
    }

    @Test
    void aFullSpoolKeepsTheOldestAndCountsTheRefused() throws Exception {
        Path spool = tmp.resolve("spool");
        Config c = TestAlerts.with(config("http://127.0.0.1:" + deadPort() + "/", spool), "drain_timeout", "100ms")
                .with("outputs.webhook.spool_max_bytes", 4096L, "test");
        WebhookSink s = sink(c);
        List<Alert> sent = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            sent.add(alert(i));
            s.accept(sent.get(i));
        }
        s.close();
        WebhookStats st = s.stats();
        assertThat(st.refused()).isPositive();
        assertThat(st.pending() + st.refused()).isEqualTo(40);
        assertThat(err.text()).contains("spool is full").contains("refused because the spool was full");

        try (TestReceiver rx = TestReceiver.ok()) {
            WebhookSink next = sink(config(rx.url(), spool));
            assertThat(await(10_000, () -> rx.requests().size() == st.pending())).isTrue();
            next.close();
            assertThat(ids(rx.requests())).containsExactlyElementsOf(
                    sent.subList(0, (int) st.pending()).stream().map(Alert::uuid).toList());
        }
    }

    @Test
    void aSecondSinkOnTheSameSpoolIsRefused() throws Exception {
        Path spool = tmp.resolve("spool");
        try (TestReceiver rx = TestReceiver.ok()) {
            WebhookSink s = sink(config(rx.url(), spool));
            try {
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> sink(config(rx.url(), spool)))
                        .isInstanceOfSatisfying(dev.forkwatch.sink.SinkException.class, e -> assertThat(e.kind()).isEqualTo(dev.forkwatch.sink.SinkException.Kind.UNUSABLE))
                        .hasMessageContaining("outputs.webhook.spool_dir").hasMessageContaining("in use");
            } finally {
                s.close();
            }
        }
    }
}
