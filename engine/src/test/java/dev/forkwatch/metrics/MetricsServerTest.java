package dev.forkwatch.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The endpoint over real HTTP on loopback: the client library's text format, and /healthz's states. */
class MetricsServerTest {
    static final long S = 1_000_000_000L;
    final HttpClient http = HttpClient.newHttpClient();

    HttpResponse<String> get(MetricsServer s, String path) throws Exception {
        URI u = URI.create("http://127.0.0.1:" + s.address().getPort() + path);
        return http.send(HttpRequest.newBuilder(u).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void metricsAndHealthOverHttp() throws Exception {
        AtomicLong wall = new AtomicLong(1_000 * S);
        PrometheusMetrics m = new PrometheusMetrics(wall::get);
        Health h = new Health(10 * S, m::lagNs);
        try (MetricsServer s = MetricsServer.start(ListenAddress.parse("0"), m, h)) {
            assertThat(s.address().getAddress().isLoopbackAddress()).isTrue();
            HttpResponse<String> r = get(s, "/healthz");
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.body()).isEqualTo("starting: probes not attached or rules not loaded yet\n");

            m.rules(() -> 5);
            m.kernel(() -> 3, () -> 4);
            m.stdout(() -> 2);
            m.webhook(() -> new PrometheusMetrics.WebhookNumbers(7, 2500, 10, 2, 1, 6));
            m.event("vfork");
            m.event("vfork");
            m.event("exit");
            m.alert("Vfork child stalled", "Warning");
            m.heldBack("Vfork child stalled");
            m.engineState(wall.get() - S / 2, 42);
            m.lateEvents(2);
            m.ruleFailures(3);
            m.rulesDisabled(1);
            h.ready();
            assertThat(get(s, "/healthz").statusCode()).isEqualTo(200);
            String text = get(s, "/metrics").body();
            assertThat(text).contains("forkwatch_events_total{type=\"vfork\"} 2.0", "forkwatch_events_total{type=\"exit\"} 1.0",
                    "forkwatch_alerts_total{priority=\"Warning\",rule=\"Vfork child stalled\"} 1.0",
                    "forkwatch_alerts_suppressed_total{rule=\"Vfork child stalled\"} 1.0",
                    "forkwatch_records_lost_total 3.0", "forkwatch_tracking_overflow_total 4.0",
                    "forkwatch_engine_lag_seconds 0.5", "forkwatch_session_facts 42.0", "forkwatch_rules_loaded 5.0",
                    "forkwatch_webhook_spool_alerts 7.0", "forkwatch_webhook_spool_oldest_age_seconds 2.5",
                    "forkwatch_webhook_deliveries_total{outcome=\"delivered\"} 10.0",
                    "forkwatch_webhook_deliveries_total{outcome=\"retried\"} 2.0",
                    "forkwatch_webhook_deliveries_total{outcome=\"dead_lettered\"} 1.0",
                    "forkwatch_webhook_spool_refused_total 6.0", "forkwatch_late_events_total 2.0",
                    "forkwatch_rule_failures_total 3.0", "forkwatch_rules_disabled 1.0",
                    "# TYPE forkwatch_evicted_facts_total counter", "forkwatch_stdout_write_errors_total 2.0",
                    "jvm_memory_used_bytes");

            wall.addAndGet(11 * S); // the engine's clock stood still for 11 s: it does not keep up
            r = get(s, "/healthz");
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.body()).isEqualTo("engine lag 11.5s over metrics.max_lag 10.0s\n");
            m.engineState(wall.get(), 42);
            assertThat(get(s, "/healthz").statusCode()).isEqualTo(200);
            h.stopped();
            r = get(s, "/healthz");
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.body()).startsWith("stopping: probes detached");
            assertThat(get(s, "/other").statusCode()).isEqualTo(404);
        }
    }

    @Test
    void listenAddresses() {
        assertThat(ListenAddress.parse("9464")).isEqualTo(new ListenAddress("127.0.0.1", 9464));
        assertThat(ListenAddress.parse("0.0.0.0:9464")).isEqualTo(new ListenAddress("0.0.0.0", 9464));
        assertThat(ListenAddress.parse("[::1]:9464")).isEqualTo(new ListenAddress("::1", 9464));
        assertThat(ListenAddress.parse("[::1]:9464").toString()).isEqualTo("[::1]:9464");
        assertThatThrownBy(() -> ListenAddress.parse(":9464")).hasMessageContaining("give the address too");
        assertThatThrownBy(() -> ListenAddress.parse("::1:9464")).hasMessageContaining("brackets");
        assertThatThrownBy(() -> ListenAddress.parse("localhost:http")).hasMessageContaining("PORT or ADDRESS:PORT");
        assertThatThrownBy(() -> ListenAddress.parse("70000")).hasMessageContaining("not between 0 and 65535");
    }

    @Test
    void aPortInUseIsRefusedNamingTheAddress() {
        PrometheusMetrics m = new PrometheusMetrics(System::nanoTime);
        Health h = new Health(S, () -> 0);
        try (MetricsServer first = MetricsServer.start(ListenAddress.parse("0"), m, h)) {
            ListenAddress taken = new ListenAddress("127.0.0.1", first.address().getPort());
            assertThatThrownBy(() -> MetricsServer.start(taken, new PrometheusMetrics(System::nanoTime), h))
                    .hasMessageContaining(taken + ": cannot listen");
        }
    }
}
