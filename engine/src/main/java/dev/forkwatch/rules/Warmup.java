package dev.forkwatch.rules;

import dev.forkwatch.alert.Alert;
import dev.forkwatch.config.Config;
import dev.forkwatch.config.ConfigException;
import dev.forkwatch.event.Event;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * {@code run}'s warm-up: before the probes attach, the loaded pack runs over a synthetic trace in a session of its
 * own, so that the JIT has compiled the event path and the rule network (and MVEL the constraints, which live in
 * the KieBase all sessions share) before the first real event, instead of in the host's first seconds. The session
 * is thrown away: its alerts are counted and dropped, and it has no part in the live session, the recording, the
 * counters or the metrics. It runs on a thread of its own, so the caller can load the probes meanwhile.
 * <p>
 * A rule that throws on the trace is reported as a warning at its {@code file:line} and stays on in the live pack
 * (where {@link RuleGuard} handles real failures): how far a time-bound trace gets depends on the machine, and
 * whether {@code run} starts must not. A rule that never returns is an error, as in the {@link SmokeCheck}: its
 * thread cannot be stopped and would take a core from the host.
 */
public final class Warmup {
    /** The live.warmup keys: at most this long and this many events; either 0 turns the warm-up off. */
    public record Settings(long durationNs, long maxEvents) {
        public static Settings from(Config c) {
            long events = c.integer("live.warmup_events");
            if (events < 0) {
                throw new ConfigException(c.origin("live.warmup_events") + ": live.warmup_events: expected 0 (off) or more, got " + events);
            }
            return new Settings(c.nanos("live.warmup"), events);
        }

        public boolean on() {
            return durationNs > 0 && maxEvents > 0;
        }
    }

    /** Events run, alerts raised and dropped, wall time, and the rules that threw. */
    public record Result(long events, long alertsDropped, long elapsedNs, List<RuleError> warnings) {
        static final Result OFF = new Result(0, 0, 0, List.of());
    }

    /**
     * Events before the warm-up may end early: above the JIT's invocation thresholds for its optimising compiler
     * (~15,000), so the event path has been queued for it before the JIT can look quiet.
     */
    static final long MIN_EVENTS = 20_000;

    private final RulePack pack;
    private final Settings settings;
    /** Null when the warm-up is off. */
    private final RuleEngine engine;
    private final BoundedRun<Result> run;

    private Warmup(RulePack pack, Settings settings, RuleEngine engine, BoundedRun<Result> run) {
        this.pack = pack;
        this.settings = settings;
        this.engine = engine;
        this.run = run;
    }

    /**
     * Starts the warm-up over {@code trace} (read on the warm-up's thread), with the live engine's settings so that
     * its session is bounded as the live one is. With the warm-up off, nothing runs.
     */
    public static Warmup start(RulePack pack, RuleEngine.Settings engineSettings, Settings settings, Iterator<Event> trace) {
        if (!settings.on()) {
            return new Warmup(pack, settings, null, null);
        }
        List<Alert> failures = new ArrayList<>();
        long[] alerts = {0};
        RuleEngine engine = RuleEngine.throwaway(pack, engineSettings, a -> {
            alerts[0]++;
            if (a.rule().equals(RuleFailures.RULE)) {
                failures.add(a);
            }
        });
        // A daemon of its own: the probes load meanwhile, and a rule that never returns must not keep the JVM alive.
        BoundedRun<Result> run = new BoundedRun<>("forkwatch-warmup", "the warm-up", () -> {
            long t0 = System.nanoTime();
            long n = 0;
            List<RuleError> warnings = new ArrayList<>();
            try {
                JitQueue jit = new JitQueue(JitQueue::jitPending, t0);
                while (n < settings.maxEvents() && trace.hasNext()) {
                    engine.event(trace.next());
                    if ((++n & 63) == 0) {
                        long now = System.nanoTime();
                        if (now - t0 >= settings.durationNs() || n >= MIN_EVENTS && jit.caughtUp(now)) {
                            break;
                        }
                    }
                }
            } catch (RuleGuard.WouldDisable e) {
                // the session is half-way through a propagation: the warm-up ends here
                String what = e.how.equals("runaway")
                        ? "keeps firing without end on forkwatch's warm-up trace (" + e.getMessage() + ")"
                        : "fails in a condition on forkwatch's warm-up trace: " + e.getMessage();
                for (String rule : e.rules) {
                    warnings.add(SmokeCheck.error(pack, rule, what + "; the warm-up stopped there, the rule stays on"));
                }
            } finally {
                engine.close();
            }
            Map<String, RuleError> thrown = new LinkedHashMap<>();
            for (Alert a : failures) {
                for (String rule : RuleFailures.rules(a)) {
                    thrown.putIfAbsent(rule, SmokeCheck.error(pack, rule, "throws in its consequence on forkwatch's "
                            + "warm-up trace: " + a.outputFields().get("rule.error") + "; the rule stays on"));
                }
            }
            warnings.addAll(thrown.values());
            return new Result(n, alerts[0], System.nanoTime() - t0, List.copyOf(warnings));
        });
        return new Warmup(pack, settings, engine, run);
    }

    /**
     * Waits for the warm-up to end: its time bound plus the smoke run's allowance for a slow host.
     *
     * @throws RuleCompileException when a rule's consequence (or a condition) never returns
     */
    public Result await() {
        return await(SmokeCheck.LIMIT);
    }

    Result await(Duration slack) {
        if (run == null) {
            return Result.OFF;
        }
        long limitMs = TimeUnit.NANOSECONDS.toMillis(settings.durationNs()) + slack.toMillis();
        try {
            return run.await(limitMs);
        } catch (TimeoutException stuck) {
            throw new RuleCompileException(List.of(SmokeCheck.stuck(pack, engine.firingRule(),
                    "did not finish forkwatch's warm-up trace within " + TimeUnit.MILLISECONDS.toSeconds(limitMs) + "s")));
        }
    }

    /**
     * Whether the JIT has caught up while events still flow: at two checks a quarter second apart it had at most
     * {@link #BUSY} methods queued or compiling. It must be asked before the events stop: the JIT drops queued
     * methods that are no longer called, and a warm-up that ends with its queue full leaves that compiling, and
     * the slow code meanwhile, to the host's first seconds.
     */
    private static final class JitQueue {
        static final int BUSY = 2;
        private static final long INTERVAL_NS = 250_000_000L;
        private final LongSupplier pending;
        private long lastNs;
        private int quietChecks;

        JitQueue(LongSupplier pending, long nowNs) {
            this.pending = pending;
            this.lastNs = nowNs;
        }

        boolean caughtUp(long nowNs) {
            if (nowNs - lastNs < INTERVAL_NS) {
                return false;
            }
            lastNs = nowNs;
            long n = pending.getAsLong();
            quietChecks = n >= 0 && n <= BUSY ? quietChecks + 1 : 0;
            return quietChecks >= 2;
        }

        /**
         * Methods the JIT has queued or is compiling, from the JVM's diagnostic command (what {@code jcmd PID
         * Compiler.queue} prints); -1 where the JVM has none, and the warm-up then runs for its whole time.
         */
        static long jitPending() {
            try {
                MBeanServer server = ManagementFactory.getPlatformMBeanServer();
                ObjectName dcmd = new ObjectName("com.sun.management:type=DiagnosticCommand");
                String queue = (String) server.invoke(dcmd, "compilerQueue", new Object[] {null},
                        new String[] {String[].class.getName()});
                return queue.lines().filter(l -> l.contains("::")).count();
            } catch (JMException | RuntimeException e) {
                return -1;
            }
        }
    }
}
