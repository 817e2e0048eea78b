package dev.forkwatch.sink.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.forkwatch.cli.ExitCode;
import dev.forkwatch.cli.Main;
import dev.forkwatch.config.Config;
import dev.forkwatch.sink.SinkException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad webhook settings are bad input (exit 2) and the message names the key; secrets never show. */
class WebhookSettingsTest {
    @TempDir
    Path tmp;

    private final TestAlerts.Capture err = new TestAlerts.Capture();

    private Config base() {
        return TestAlerts.config("https://127.0.0.1:9/x", tmp.resolve("spool"));
    }

    private void assertBad(Config c, String key, String also) {
        assertThatThrownBy(() -> WebhookSettings.from(c, Map.of(), err.stream))
                .isInstanceOfSatisfying(SinkException.class, e -> assertThat(e.kind()).isEqualTo(SinkException.Kind.BAD_SETTING))
                .hasMessageContaining(key).hasMessageContaining(also);
    }

    @Test
    void badUrlsNameTheKey() {
        assertBad(base().with("outputs.webhook.url", "ftp://host/x", "test"), "outputs.webhook.url", "http");
        assertBad(base().with("outputs.webhook.url", "http://", "test"), "outputs.webhook.url", "");
        assertBad(base().with("outputs.webhook.url", "not a url", "test"), "outputs.webhook.url", "");
        assertBad(base().with("outputs.webhook.url", "https://user:pw@host/x", "test"), "outputs.webhook.url", "credentials");
    }

    @Test
    void missingOrBadTlsFilesNameTheKey() throws Exception {
        assertBad(base().with("outputs.webhook.tls.ca_file", tmp.resolve("nope.pem").toString(), "test"),
                "outputs.webhook.tls.ca_file", "no such file");
        Path junk = Files.writeString(tmp.resolve("junk.pem"), "not a certificate");
        assertBad(base().with("outputs.webhook.tls.ca_file", junk.toString(), "test"), "outputs.webhook.tls.ca_file", "junk.pem");
        assertBad(base().with("outputs.webhook.tls.client_cert", junk.toString(), "test"),
                "outputs.webhook.tls.client_key", "together");
        assertBad(base().with("outputs.webhook.tls.client_cert", tmp.resolve("missing.pem").toString(), "test")
                        .with("outputs.webhook.tls.client_key", junk.toString(), "test"),
                "outputs.webhook.tls.client_cert", "no such file");
        Path rsa = Files.writeString(tmp.resolve("rsa.pem"), "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n");
        TestCerts ca = new TestCerts(tmp, "t");
        Path[] pem = TestCerts.pemFiles(ca.leaf("c", "dns:c"), "c");
        assertBad(base().with("outputs.webhook.tls.client_cert", pem[0].toString(), "test")
                .with("outputs.webhook.tls.client_key", rsa.toString(), "test"), "outputs.webhook.tls.client_key", "PKCS#8");
        // the good pair is accepted
        WebhookSettings ok = WebhookSettings.from(base().with("outputs.webhook.tls.client_cert", pem[0].toString(), "test")
                .with("outputs.webhook.tls.client_key", pem[1].toString(), "test"), Map.of(), err.stream);
        assertThat(ok.ssl()).isNotNull();
    }

    @Test
    void otherBadValuesNameTheKey() {
        assertBad(base().with("outputs.webhook.headers.Host", "x", "test"), "outputs.webhook.headers.Host", "cannot be set");
        assertBad(base().with("outputs.webhook.headers.webhook-signature", "x", "test"),
                "outputs.webhook.headers.webhook-signature", "cannot be set");
        assertBad(base().with("outputs.webhook.spool_max_bytes", 10L, "test"), "outputs.webhook.spool_max_bytes", "4096");
        assertBad(TestAlerts.with(base(), "timeout", "0s"), "outputs.webhook.timeout", "more than 0");
        assertBad(TestAlerts.with(base(), "retry.max_backoff", "1ms"), "outputs.webhook.retry.max_backoff", "initial_backoff");
        assertThatThrownBy(() -> WebhookSettings.from(base(), Map.of("FORKWATCH_WEBHOOK_SECRET", "whsec_!!notbase64!!"), err.stream))
                .hasMessageContaining("outputs.webhook.secret_env").hasMessageNotContaining("notbase64");
    }

    @Test
    void headerValuesAreCheckedForEveryCharacterAndNeverEchoed() {
        for (String v : new String[] {"Bearer tok\u0001en", "Bearer tok\r\nX-Evil: 1", "tok\u007f", "tok\u0085", "tok\u00e9",
                "tok\u0000", "tok\u2028"}) {
            assertThatThrownBy(() -> WebhookSettings.from(base().with("outputs.webhook.headers.Authorization", v, "test"),
                    Map.of(), err.stream))
                    .isInstanceOf(SinkException.class)
                    .hasMessageContaining("outputs.webhook.headers.Authorization").hasMessageContaining("character ")
                    .hasMessageNotContaining("tok");
        }
        // tab, space and all of visible ASCII are fine
        String ok = "Bearer\t" + java.util.stream.IntStream.rangeClosed(0x20, 0x7e).mapToObj(c -> String.valueOf((char) c))
                .collect(java.util.stream.Collectors.joining());
        assertThat(WebhookSettings.from(base().with("outputs.webhook.headers.X-Ok", ok, "test"), Map.of(), err.stream)
                .headers()).containsEntry("X-Ok", ok);
        assertThat(err.text()).doesNotContain("tok");
    }

    @Test
    void aBadHeaderValueInAConfigFileIsExitTwoNamingTheHeaderOnly() throws Exception {
        Path f = Files.writeString(tmp.resolve("h.yaml"), "outputs:\n  webhook:\n    url: http://127.0.0.1:9/\n"
                + "    spool_dir: " + tmp.resolve("sp") + "\n    headers:\n      X-Token: \"s3cr3t\\u001b[2Jtail9\"\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream errb = new ByteArrayOutputStream();
        Path trace = Files.writeString(tmp.resolve("t.jsonl"), "");
        int code = Main.execute(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(errb, true, StandardCharsets.UTF_8),
                "replay", "--config", f.toString(), trace.toString());
        String e = errb.toString(StandardCharsets.UTF_8);
        assertThat(code).as(e).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(e).contains("outputs.webhook.headers.X-Token").contains("character 7").doesNotContain("s3cr3t")
                .doesNotContain("tail9");
    }

    @Test
    void configFileErrorsCarryFileAndLine() throws Exception {
        Path f = Files.writeString(tmp.resolve("fw.yaml"), "outputs:\n  webhook:\n    url: \"gopher://x\"\n");
        assertBad(Config.load(f), "outputs.webhook.url", f + ":3");
    }

    @Test
    void secretsAndHeaderValuesNeverShow() {
        Config c = base().with("outputs.webhook.headers.Authorization", "Bearer sekrit-token", "test")
                .with("outputs.webhook.url", "http://203.0.113.9:2801/", "test");
        WebhookSettings s = WebhookSettings.from(c, Map.of("FORKWATCH_WEBHOOK_SECRET", "hush-hush"), err.stream);
        assertThat(s.toString()).contains("Authorization").doesNotContain("sekrit").doesNotContain("hush");
        assertThat(s.signer().toString()).doesNotContain("hush");
        assertThat(err.text()).contains("plain http to a non-loopback host").doesNotContain("sekrit").doesNotContain("hush");
    }

    @Test
    void noWarningForLoopbackHttpAndDefaultSpoolDirFollowsXdg() {
        Config c = base().with("outputs.webhook.url", "http://localhost:2801/", "test");
        WebhookSettings.from(c, Map.of("FORKWATCH_WEBHOOK_SECRET", "s"), err.stream);
        assertThat(err.text()).isEmpty();
        Config noDir = c.with("outputs.webhook.spool_dir", null, "test");
        assertThat(WebhookSettings.spoolDir(noDir, Map.of("XDG_STATE_HOME", "/st", "HOME", "/h")))
                .isEqualTo(Path.of("/st/forkwatch/spool"));
        assertThat(WebhookSettings.spoolDir(noDir, Map.of("HOME", "/h"))).isEqualTo(Path.of("/h/.local/state/forkwatch/spool"));
    }

    @Test
    void signerFollowsStandardWebhooksKeyRules() {
        assertThat(WebhookSigner.keyOf("whsec_AAEC")).containsExactly(0, 1, 2);
        assertThat(WebhookSigner.keyOf("abc")).containsExactly('a', 'b', 'c');
        // The Standard Webhooks reference vector (svix libraries' tests)
        String sig = new WebhookSigner(WebhookSigner.keyOf("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
                .sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330L, "{\"test\": 2432232314}");
        assertThat(sig).isEqualTo("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }
}
