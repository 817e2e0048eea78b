package dev.forkwatch.metrics;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * forkwatch's metrics in a Prometheus registry (docs/operations.md lists each): counters the parts push through
 * {@link Telemetry}, values read at scrape time from the parts that own them ({@link #kernel}, {@link #rules},
 * {@link #stdout}, {@link #webhook}), and the client library's standard JVM metrics.
 */
public final class PrometheusMetrics implements Telemetry {
    /**
     * The webhook's numbers, read at scrape time.
     *
     * @param oldestAgeMs age of the oldest alert waiting in the spool, ms; 0 when none waits
     */
    public record WebhookNumbers(long spoolAlerts, long oldestAgeMs, long delivered, long retried, long deadLettered,
                                 long refused) {
    }

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final LongSupplier wallNs;
    private final Counter events;
    private final Counter alerts;
    private final Counter heldBack;
    private final Counter late;
    private final Counter evicted;
    private final Counter ruleFailures;
    private final Counter reloads;
    private final Map<String, CounterDataPoint> eventsByType = new ConcurrentHashMap<>();
    private volatile long clockNs = Long.MIN_VALUE;
    private volatile long facts;
    private volatile long disabled;
    private volatile LongSupplier lost = () -> 0;
    private volatile LongSupplier overflow = () -> 0;
    private volatile LongSupplier rulesLoaded = () -> 0;
    private volatile LongSupplier stdoutLost = () -> 0;
    private volatile Supplier<WebhookNumbers> webhook;

    /** @param wallNs wall time, epoch ns (the engine's lag is measured against it) */
    public PrometheusMetrics(LongSupplier wallNs) {
        this.wallNs = wallNs;
        events = counter("forkwatch_events_total", "Events that entered the rule engine, by type.", "type");
        alerts = counter("forkwatch_alerts_total", "Rule matches (alerts raised, sent or held back by aggregation).",
                "rule", "priority");
        heldBack = counter("forkwatch_alerts_suppressed_total", "Alerts held back by aggregation (counted in summaries).",
                "rule");
        late = counter("forkwatch_late_events_total", "Events later than engine.reorder_allowance.");
        evicted = counter("forkwatch_evicted_facts_total", "Facts evicted early because the session was full.");
        ruleFailures = counter("forkwatch_rule_failures_total", "Times a rule threw (a skipped match, a disabling).");
        reloads = counter("forkwatch_rule_reloads_total", "Reloads of the rules (SIGHUP, --watch), applied (ok) or refused.",
                "result");
        reloads.labelValues("ok");
        reloads.labelValues("refused");
        CounterWithCallback.builder().name("forkwatch_stdout_write_errors_total")
                .help("Alerts that could not be written to stdout: lost there.")
                .callback(cb -> cb.call(stdoutLost.getAsLong())).register(registry);
        CounterWithCallback.builder().name("forkwatch_records_lost_total")
                .help("Records the kernel could not put in the ring buffer (it was full).")
                .callback(cb -> cb.call(lost.getAsLong())).register(registry);
        CounterWithCallback.builder().name("forkwatch_tracking_overflow_total")
                .help("Vfork children the kernel could not track (tracking map full).")
                .callback(cb -> cb.call(overflow.getAsLong())).register(registry);
        GaugeWithCallback.builder().name("forkwatch_engine_lag_seconds")
                .help("Wall time minus the engine's event-time clock (its watermark).")
                .callback(cb -> {
                    long c = clockNs;
                    if (c != Long.MIN_VALUE) {
                        cb.call(lagNs() / 1e9);
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("forkwatch_session_facts").help("Facts in the rule session.")
                .callback(cb -> cb.call(facts)).register(registry);
        GaugeWithCallback.builder().name("forkwatch_rules_loaded").help("Alert rules loaded.")
                .callback(cb -> cb.call(rulesLoaded.getAsLong())).register(registry);
        GaugeWithCallback.builder().name("forkwatch_rules_disabled")
                .help("Rules disabled at run time (they threw in a condition, or ran away) until the next reload.")
                .callback(cb -> cb.call(disabled)).register(registry);
        GaugeWithCallback.builder().name("forkwatch_webhook_spool_alerts").help("Alerts waiting in the webhook spool.")
                .callback(cb -> ifWebhook(w -> cb.call(w.spoolAlerts()))).register(registry);
        GaugeWithCallback.builder().name("forkwatch_webhook_spool_oldest_age_seconds")
                .help("Age of the oldest alert waiting in the webhook spool (0 when none waits).")
                .callback(cb -> ifWebhook(w -> cb.call(w.oldestAgeMs() / 1e3))).register(registry);
        CounterWithCallback.builder().name("forkwatch_webhook_deliveries_total")
                .help("Webhook delivery attempts by outcome: delivered, retried (failed, to be retried), dead_lettered.")
                .labelNames("outcome").callback(cb -> ifWebhook(w -> {
                    cb.call(w.delivered(), "delivered");
                    cb.call(w.retried(), "retried");
                    cb.call(w.deadLettered(), "dead_lettered");
                })).register(registry);
        CounterWithCallback.builder().name("forkwatch_webhook_spool_refused_total")
                .help("Alerts the webhook spool refused (full or unwritable disk): lost.")
                .callback(cb -> ifWebhook(w -> cb.call(w.refused()))).register(registry);
        JvmMetrics.builder().register(registry);
    }

    private Counter counter(String name, String help, String... labels) {
        return Counter.builder().name(name).help(help).labelNames(labels).register(registry);
    }

    private void ifWebhook(Consumer<WebhookNumbers> c) {
        Supplier<WebhookNumbers> w = webhook;
        if (w != null) {
            c.accept(w.get());
        }
    }

    public PrometheusRegistry registry() {
        return registry;
    }

    /** Wall time minus the engine's clock, ns; 0 before the engine's first clock. */
    public long lagNs() {
        long c = clockNs;
        return c == Long.MIN_VALUE ? 0 : Math.max(0, wallNs.getAsLong() - c);
    }

    public void kernel(LongSupplier recordsLost, LongSupplier trackingOverflow) {
        this.lost = recordsLost;
        this.overflow = trackingOverflow;
    }

    public void rules(LongSupplier loaded) {
        this.rulesLoaded = loaded;
    }

    public void stdout(LongSupplier lost) {
        this.stdoutLost = lost;
    }

    public void webhook(Supplier<WebhookNumbers> numbers) {
        this.webhook = numbers;
    }

    @Override
    public void event(String type) {
        eventsByType.computeIfAbsent(type, t -> events.labelValues(t)).inc();
    }

    @Override
    public void alert(String rule, String priority) {
        alerts.labelValues(rule, priority).inc();
    }

    @Override
    public void heldBack(String rule) {
        heldBack.labelValues(rule).inc();
    }

    @Override
    public void engineState(long clockNs, long facts) {
        this.clockNs = clockNs;
        this.facts = facts;
    }

    @Override
    public void lateEvents(long n) {
        late.inc(n);
    }

    @Override
    public void factsEvicted(long n) {
        evicted.inc(n);
    }

    @Override
    public void ruleFailures(long n) {
        ruleFailures.inc(n);
    }

    @Override
    public void ruleReload(boolean ok) {
        reloads.labelValues(ok ? "ok" : "refused").inc();
    }

    @Override
    public void rulesDisabled(long count) {
        disabled = count;
    }
}
