package dev.forkwatch.live;

import dev.forkwatch.alert.Alert;
import dev.forkwatch.config.Config;
import dev.forkwatch.rules.RuleEngine;
import dev.forkwatch.rules.RulePack;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** What the live rule tests share: the real probes (tracepoint mode) feeding the rules, and the alerts they raise. */
final class LiveRuleHarness implements AutoCloseable {
    final Triggers triggers;
    final Collector live;
    private final RuleEngine engine;
    private final List<Alert> alerts = new ArrayList<>();

    /** The default pack with {@code configYaml} laid over the defaults; events are kept 2 minutes. */
    LiveRuleHarness(String configYaml) throws Exception {
        triggers = Triggers.shared();
        Config cfg = Config.defaults().overlay(Config.parse(configYaml, "test.yaml"));
        engine = new RuleEngine(RulePack.load(cfg), cfg.nanos("engine.reorder_allowance"), TimeUnit.MINUTES.toNanos(2),
                a -> {
                    synchronized (alerts) {
                        alerts.add(a);
                        alerts.notifyAll();
                    }
                });
        Collector c;
        try {
            c = new Collector(LiveSource.open(LiveSourceTest.settings(ProbeMode.TRACEPOINT), m -> { }), engine);
        } catch (Exception | Error e) {
            engine.close();
            throw e;
        }
        live = c;
    }

    List<Alert> matching(Predicate<Alert> which) {
        synchronized (alerts) {
            return alerts.stream().filter(which).toList();
        }
    }

    /** Waits until {@code n} alerts match (max 6 s), then {@code settleMs} more for any extra ones. */
    List<Alert> await(Predicate<Alert> which, int n, long settleMs) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(6);
        synchronized (alerts) {
            while (matching(which).size() < n && System.nanoTime() < deadline) {
                alerts.wait(50);
            }
        }
        Thread.sleep(settleMs);
        return matching(which);
    }

    @Override
    public void close() throws Exception {
        try {
            live.close();
        } finally {
            engine.close();
        }
    }
}
