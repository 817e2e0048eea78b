package dev.forkwatch.bench;

import dev.forkwatch.config.Config;
import dev.forkwatch.event.Event;
import dev.forkwatch.event.EventReceiver;
import dev.forkwatch.rules.RuleEngine;
import dev.forkwatch.rules.RulePack;
import dev.forkwatch.source.TraceReader;
import org.kie.api.KieBase;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Replay throughput of the default rule pack. Each round reads the same trace twice: once into a receiver
 * that only counts (the baseline: file reading and JSON parsing), once through the rule engine. Rounds are
 * interleaved so machine noise hits both alike; the engine's cost is reported as a ratio to the baseline
 * and as events/s. Heap used after a full GC is taken at the end of a replay, before the session closes.
 */
public final class ReplayBench {
    public record Result(long events, double baselineEventsPerSec, double engineEventsPerSec, double ratio,
                         long alerts, long heapAfterBytes, long factsAfter) {
    }

    /**
     * What one rule costs: the engine's throughput with the whole pack but that rule, and the time per event
     * the rule adds (time per event with the pack minus time per event without it).
     */
    public record RuleCost(String rule, double withoutEventsPerSec, double microsPerEvent, long alertsWithout) {
    }

    private ReplayBench() {
    }

    public static Result run(Path trace, int rounds, Config config, PrintStream log) throws Exception {
        RulePack pack = RulePack.load(config);
        double bestBase = 0;
        double bestEngine = 0;
        long events = 0;
        long alerts = 0;
        long heap = 0;
        long facts = 0;
        for (int r = 0; r < rounds; r++) {
            AtomicLong n = new AtomicLong();
            long t0 = System.nanoTime();
            new TraceReader(trace).run(new EventReceiver() {
                @Override
                public void event(Event e) {
                    n.incrementAndGet();
                }

                @Override
                public void clock(long nowNs) {
                }
            });
            double base = n.get() / ((System.nanoTime() - t0) / 1e9);
            Replay e = replay(trace, pack, config, true);
            events = e.events();
            facts = e.facts();
            heap = e.heapBytes();
            alerts = e.alerts();
            log.printf("round %d: baseline %.0f ev/s, engine %.0f ev/s, %d alerts, heap %d MiB, %d facts%n",
                    r + 1, base, e.eventsPerSec(), alerts, heap >> 20, facts);
            bestBase = Math.max(bestBase, base);
            bestEngine = Math.max(bestEngine, e.eventsPerSec());
        }
        return new Result(events, bestBase, bestEngine, bestBase / bestEngine, alerts, heap, facts);
    }

    /**
     * Leave-one-out: for each rule that raises alerts, replays the trace with a pack compiled without that rule
     * and with the whole pack, in interleaved rounds (so JIT warm-up and machine noise hit both alike), and
     * reports the difference of the best rounds' time per event. Helper rules ({@code @internal}) stay in, so
     * their cost counts as the pack's, not a rule's.
     */
    public static List<RuleCost> perRule(Path trace, int rounds, Config config, PrintStream log) throws Exception {
        RulePack full = RulePack.load(config);
        List<RuleCost> costs = new ArrayList<>();
        for (String name : full.ruleNames()) {
            RulePack without = RulePack.load(config);
            KieBase base = without.kieBase();
            String pkg = base.getKiePackages().stream()
                    .filter(p -> p.getRules().stream().anyMatch(r -> r.getName().equals(name)))
                    .findFirst().orElseThrow().getName();
            base.removeRule(pkg, name);
            double bestFull = 0;
            double bestWithout = 0;
            long alerts = 0;
            for (int r = 0; r < rounds; r++) {
                bestFull = Math.max(bestFull, replay(trace, full, config, false).eventsPerSec());
                Replay w = replay(trace, without, config, false);
                bestWithout = Math.max(bestWithout, w.eventsPerSec());
                alerts = w.alerts();
            }
            double micros = 1e6 / bestFull - 1e6 / bestWithout;
            log.printf("without \"%s\": engine %.0f ev/s (whole pack %.0f), %d alerts; the rule costs %.2f us/event%n",
                    name, bestWithout, bestFull, alerts, micros);
            costs.add(new RuleCost(name, bestWithout, micros, alerts));
        }
        return costs;
    }

    /** One replay through the engine; heap and facts are taken before the session closes. */
    private record Replay(double eventsPerSec, long events, long alerts, long facts, long heapBytes) {
    }

    /** Replays the trace through a fresh engine; with {@code measureHeap}, a full GC first (not timed). */
    private static Replay replay(Path trace, RulePack pack, Config config, boolean measureHeap) throws Exception {
        AtomicLong a = new AtomicLong();
        long t0 = System.nanoTime();
        try (RuleEngine engine = RuleEngine.fromConfig(pack, config, x -> a.incrementAndGet())) {
            new TraceReader(trace).run(engine);
            engine.finish();
            double rate = engine.stats().events() / ((System.nanoTime() - t0) / 1e9);
            long heap = 0;
            if (measureHeap) {
                System.gc();
                Runtime rt = Runtime.getRuntime();
                heap = rt.totalMemory() - rt.freeMemory();
            }
            return new Replay(rate, engine.stats().events(), a.get(), engine.stats().inSession(), heap);
        }
    }
}
