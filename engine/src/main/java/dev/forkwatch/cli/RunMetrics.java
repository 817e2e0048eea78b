package dev.forkwatch.cli;

import dev.forkwatch.config.Config;
import dev.forkwatch.config.ConfigException;
import dev.forkwatch.live.LiveSource;
import dev.forkwatch.metrics.Health;
import dev.forkwatch.metrics.ListenAddress;
import dev.forkwatch.metrics.MetricsServer;
import dev.forkwatch.metrics.PrometheusMetrics;
import dev.forkwatch.metrics.Telemetry;
import dev.forkwatch.sink.SinkFactory;
import dev.forkwatch.sink.StdoutSink;
import dev.forkwatch.sink.webhook.WebhookSink;
import dev.forkwatch.sink.webhook.WebhookStats;
import java.io.PrintStream;

/**
 * The metrics endpoint of {@code run} (metrics.listen / --metrics): started before the rules compile, so that
 * {@code /healthz} answers 503 "starting" until the probes are attached; then fed by the pipeline, the live
 * source and the webhook. When metrics are off every call does nothing.
 */
final class RunMetrics implements AutoCloseable {
    private final PrometheusMetrics metrics;
    private final Health health;
    private final MetricsServer server;

    private RunMetrics(PrometheusMetrics metrics, Health health, MetricsServer server) {
        this.metrics = metrics;
        this.health = health;
        this.server = server;
    }

    /** Where to listen, checked with metrics.max_lag; null when metrics.listen is not set. */
    static ListenAddress listen(Config cfg) {
        if (!cfg.has("metrics.listen")) {
            return null;
        }
        if (cfg.nanos("metrics.max_lag") <= 0) {
            throw new ConfigException("metrics.max_lag (" + cfg.origin("metrics.max_lag") + "): must be above 0");
        }
        try {
            return ListenAddress.parse(cfg.string("metrics.listen"));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("metrics.listen (" + cfg.origin("metrics.listen") + "): " + e.getMessage());
        }
    }

    /** Listens when metrics.listen is set; a bad address or a port in use is a ConfigException naming the key. */
    static RunMetrics start(Config cfg, PrintStream err) {
        ListenAddress listen = listen(cfg);
        if (listen == null) {
            return new RunMetrics(null, null, null);
        }
        try {
            PrometheusMetrics m = new PrometheusMetrics(() -> System.currentTimeMillis() * 1_000_000L);
            Health h = new Health(cfg.nanos("metrics.max_lag"), m::lagNs);
            MetricsServer s = MetricsServer.start(listen, m, h);
            err.println("forkwatch: metrics on http://" + new ListenAddress(listen.host(), s.address().getPort())
                    + "/metrics, health on /healthz");
            return new RunMetrics(m, h, s);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("metrics.listen (" + cfg.origin("metrics.listen") + "): " + e.getMessage());
        }
    }

    Telemetry telemetry() {
        return metrics == null ? Telemetry.NONE : metrics;
    }

    /** Probes attached and rules loaded: the values read at each scrape, and /healthz turns 200. */
    void ready(Pipeline pipeline, LiveSource source) {
        if (metrics == null) {
            return;
        }
        metrics.rules(() -> pipeline.rules().ruleNames().size()); // a reload changes it
        metrics.kernel(() -> source.counters().lost(), () -> source.counters().overflow());
        SinkFactory.find(pipeline.sink(), StdoutSink.class).ifPresent(s -> metrics.stdout(s::lost));
        SinkFactory.find(pipeline.sink(), WebhookSink.class).ifPresent(w -> metrics.webhook(() -> numbers(w)));
        health.ready();
    }

    /** Probes detached: /healthz answers 503 from now on. */
    void stopped() {
        if (health != null) {
            health.stopped();
        }
    }

    private static PrometheusMetrics.WebhookNumbers numbers(WebhookSink w) {
        WebhookStats s = w.stats();
        return new PrometheusMetrics.WebhookNumbers(s.pending(), w.oldestPendingAgeMs(), s.delivered(), s.retried(),
                s.deadLettered(), s.refused());
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
        }
    }
}
