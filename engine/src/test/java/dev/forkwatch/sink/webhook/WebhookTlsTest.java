package dev.forkwatch.sink.webhook;

import static dev.forkwatch.sink.webhook.TestAlerts.alert;
import static dev.forkwatch.sink.webhook.TestAlerts.config;
import static dev.forkwatch.sink.webhook.TestReceiver.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.forkwatch.alert.Alert;
import dev.forkwatch.config.Config;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HTTPS delivery with certificates made in the test: custom CA, untrusted and misnamed servers, mutual TLS. */
class WebhookTlsTest {
    @TempDir
    static Path pki;
    static TestCerts ca;
    static TestCerts rogue;
    static Path server;
    static Path serverLocalhostOnly;
    static Path rogueServer;
    static Path[] clientPem;

    @TempDir
    Path tmp;

    private final TestAlerts.Capture err = new TestAlerts.Capture();

    @BeforeAll
    static void makePki() throws Exception {
        ca = new TestCerts(pki, "good");
        rogue = new TestCerts(pki, "rogue");
        server = ca.leaf("server", "ip:127.0.0.1,dns:localhost");
        serverLocalhostOnly = ca.leaf("misnamed", "dns:localhost");
        rogueServer = rogue.leaf("server", "ip:127.0.0.1,dns:localhost");
        clientPem = TestCerts.pemFiles(ca.leaf("client", "dns:forkwatch-client"), "client");
    }

    private WebhookSink sink(Config c) {
        return new WebhookSink(WebhookSettings.from(c, Map.of(), err.stream), err.stream);
    }

    private Config tls(String url, String key, String value) {
        return config(url, tmp.resolve("spool")).with("outputs.webhook.tls." + key, value, "test");
    }

    @Test
    void deliversOverHttpsToAServerSignedByTheConfiguredCa() throws Exception {
        try (TestReceiver rx = TestReceiver.https(TestCerts.serverContext(server, null), false,
                (n, r) -> TestReceiver.Reply.of(200))) {
            WebhookSink s = sink(tls(rx.url(), "ca_file", ca.caPem.toString()));
            Alert a = alert(1);
            s.accept(a);
            assertThat(await(10_000, () -> rx.requests().size() == 1)).isTrue();
            s.close();
            assertThat(rx.requests().get(0).body()).contains(a.uuid());
            assertThat(s.stats().delivered()).isEqualTo(1);
        }
    }

    @Test
    void refusesAServerSignedByAnotherCaAndKeepsTheAlert() throws Exception {
        try (TestReceiver rx = TestReceiver.https(TestCerts.serverContext(rogueServer, null), false,
                (n, r) -> TestReceiver.Reply.of(200))) {
            WebhookSink s = sink(TestAlerts.with(tls(rx.url(), "ca_file", ca.caPem.toString()), "drain_timeout", "300ms"));
            s.accept(alert(1));
            assertThat(await(10_000, () -> s.stats().retried() >= 2)).isTrue();
            s.close();
            assertThat(rx.requests()).isEmpty();
            assertThat(s.stats().delivered()).isZero();
            assertThat(s.stats().pending()).isEqualTo(1);
            assertThat(err.text()).containsIgnoringCase("SSLHandshakeException");
        }
    }

    @Test
    void checksTheHostNameUnlessInsecure() throws Exception {
        try (TestReceiver rx = TestReceiver.https(TestCerts.serverContext(serverLocalhostOnly, null), false,
                (n, r) -> TestReceiver.Reply.of(200))) {
            // trusted CA, but the certificate names only "localhost" and we connect to 127.0.0.1
            WebhookSink strict = sink(TestAlerts.with(tls(rx.url(), "ca_file", ca.caPem.toString()), "drain_timeout", "300ms"));
            strict.accept(alert(1));
            assertThat(await(10_000, () -> strict.stats().retried() >= 1)).isTrue();
            strict.close();
            assertThat(rx.requests()).isEmpty();
            assertThat(err.text()).containsIgnoringCase("127.0.0.1");

            Config insecure = config(rx.url(), tmp.resolve("spool2")).with("outputs.webhook.tls.insecure", true, "test");
            WebhookSink lax = sink(insecure);
            lax.accept(alert(2));
            assertThat(await(10_000, () -> rx.requests().size() == 1)).isTrue();
            lax.close();
            assertThat(err.text()).contains("tls.insecure is true");
        }
    }

    @Test
    void mutualTlsPresentsTheClientCertificate() throws Exception {
        try (TestReceiver rx = TestReceiver.https(TestCerts.serverContext(server, ca.caP12), true,
                (n, r) -> TestReceiver.Reply.of(200))) {
            Config c = tls(rx.url(), "ca_file", ca.caPem.toString())
                    .with("outputs.webhook.tls.client_cert", clientPem[0].toString(), "test")
                    .with("outputs.webhook.tls.client_key", clientPem[1].toString(), "test");
            WebhookSink s = sink(c);
            s.accept(alert(1));
            assertThat(await(10_000, () -> rx.requests().size() == 1)).isTrue();
            s.close();

            // the same server refuses a client without a certificate
            WebhookSink anon = sink(TestAlerts.with(config(rx.url(), tmp.resolve("spool2"))
                    .with("outputs.webhook.tls.ca_file", ca.caPem.toString(), "test"), "drain_timeout", "300ms"));
            anon.accept(alert(2));
            assertThat(await(10_000, () -> anon.stats().retried() >= 1)).isTrue();
            anon.close();
            assertThat(rx.requests()).hasSize(1);
            assertThat(anon.stats().pending()).isEqualTo(1);
        }
    }
}
