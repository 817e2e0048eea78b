package dev.forkwatch.cli;

import dev.forkwatch.aggregate.Aggregator;
import dev.forkwatch.alert.Alert;
import dev.forkwatch.alert.Hostname;
import dev.forkwatch.config.Config;
import dev.forkwatch.config.ConfigException;
import dev.forkwatch.event.Event;
import dev.forkwatch.event.EventReceiver;
import dev.forkwatch.metrics.Telemetry;
import dev.forkwatch.rules.Reload;
import dev.forkwatch.rules.RuleEngine;
import dev.forkwatch.rules.PackCache;
import dev.forkwatch.rules.RulePack;
import dev.forkwatch.sink.Sink;
import dev.forkwatch.sink.SinkFactory;
import dev.forkwatch.sink.SinkReport;
import java.io.PrintStream;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Config, rules, engine and sinks wired together: what run and replay share. The rules are compiled before
 * any sink opens, so broken rules never leave a half-started pipeline. Closing finishes the engine and then
 * closes the sinks (which drains the webhook).
 */
public final class Pipeline implements EventReceiver, AutoCloseable {
    private final Config config;
    /** The pack in effect: written by a reload on the engine thread, read by the metrics scrape. */
    private volatile RulePack rules;
    private final Sink sink;
    private final Aggregator aggregator;
    private final RuleEngine engine;
    private final Telemetry telemetry;
    private long lateReported;
    private long evictedReported;
    private long failuresReported;
    private boolean closed;

    private Pipeline(Config config, RulePack rules, Sink sink, Telemetry telemetry) {
        this.config = config;
        this.rules = rules;
        this.sink = sink;
        this.telemetry = telemetry;
        this.aggregator = config.bool("outputs.aggregate.enabled") ? aggregator(config, rules, sink, telemetry) : null;
        Consumer<Alert> next = aggregator == null ? sink::accept : aggregator;
        this.engine = RuleEngine.fromConfig(rules, config, a -> {
            telemetry.alert(a.rule(), a.priority().label()); // every match, before aggregation
            next.accept(a);
        });
    }

    private static Aggregator aggregator(Config config, RulePack rules, Sink sink, Telemetry telemetry) {
        return new Aggregator(config.nanos("outputs.aggregate.window"), (int) config.integer("outputs.aggregate.max_kinds"),
                rules.aggregateKeys(), sink::accept, telemetry::heldBack);
    }

    /** Checked before any sink opens. */
    static void checkAggregate(Config config) {
        if (config.nanos("outputs.aggregate.window") <= 0) {
            throw new ConfigException(config.origin("outputs.aggregate.window") + ": outputs.aggregate.window must be above 0");
        }
        long maxKinds = config.integer("outputs.aggregate.max_kinds");
        if (maxKinds <= 0 || maxKinds > Integer.MAX_VALUE) {
            throw new ConfigException(config.origin("outputs.aggregate.max_kinds")
                    + ": outputs.aggregate.max_kinds must be between 1 and " + Integer.MAX_VALUE);
        }
    }

    /** Alerts go to {@code out}; sink messages (webhook retries, spool notes) to {@code err}. */
    public static Pipeline open(Config config, PrintStream out, PrintStream err) {
        return open(config, out, err, Telemetry.NONE);
    }

    /** As above, telling {@code telemetry} about events, matches and the engine's state. */
    public static Pipeline open(Config config, PrintStream out, PrintStream err, Telemetry telemetry) {
        checkAggregate(config);
        RulePack rules = loadRules(config, err);
        Sink sink = SinkFactory.create(config, out, err, System.getenv());
        return new Pipeline(config, rules, sink, telemetry);
    }

    /**
     * The rules the config names, as every command loads them (checked, smoke-run, through the compiled-pack cache),
     * their warnings printed to {@code err}: by run and replay at start, by check, and by a reload.
     */
    static RulePack loadRules(Config config, PrintStream err) {
        RulePack rules = RulePack.load(config, PackCache.fromEnvironment(System.getenv()));
        rules.warnings().forEach(w -> err.println("forkwatch: warning: " + w));
        return rules;
    }

    /**
     * Puts a reloaded pack in place (on the engine thread, between drains): see {@link RuleEngine#reload}. The other
     * settings of {@code next} are not applied: {@code restartKeys} names those that changed.
     */
    Reload reload(RulePack next, List<String> restartKeys) {
        Reload r = engine.reload(next, restartKeys);
        if (r.applied()) {
            rules = next;
            if (aggregator != null) {
                aggregator.rules(next.aggregateKeys());
            }
        }
        return r;
    }

    /** A reload that found no pack to apply: the {@code Rules not reloaded} alert, the running rules go on. */
    Reload refuseReload(String why, List<String> restartKeys) {
        return engine.refuse(why, restartKeys);
    }

    /** The host name alerts carry: engine.hostname, or the kernel's host name. */
    public String hostname() {
        return Hostname.orLocal(config.string("engine.hostname"));
    }

    public Config config() {
        return config;
    }

    public RulePack rules() {
        return rules;
    }

    public RuleEngine engine() {
        return engine;
    }

    /** Where alerts go; also for alerts that do not come from rules (e.g. "Events dropped"). */
    public Sink sink() {
        return sink;
    }

    /** The aggregator between the engine and the sinks, if aggregation is on. */
    public Optional<Aggregator> aggregator() {
        return Optional.ofNullable(aggregator);
    }

    /** ", N dropped as too late, M child(ren) evicted (engine.max_facts)" for the summary line, each part only when not 0. */
    static String engineLosses(RuleEngine.Stats s) {
        return (s.lateDropped() == 0 ? "" : ", " + s.lateDropped() + " dropped as too late")
                + (s.evicted() == 0 ? "" : ", " + s.evicted() + " child(ren) evicted (engine.max_facts)");
    }

    /** ", N held back in M summaries" for the summary line when aggregation is on, else "". */
    static String heldBack(Pipeline p) {
        return p.aggregator().map(a -> ", " + a.heldBack() + " held back in " + a.summaries() + " summaries").orElse("");
    }

    @Override
    public void event(Event e) {
        telemetry.event(e.type());
        engine.event(e);
        if (aggregator != null) {
            aggregator.advance(engine.clockNs()); // windows close on event time, also when no alert comes
        }
        sink.checkStop();
    }

    @Override
    public void clock(long nowNs) {
        engine.clock(nowNs);
        if (aggregator != null) {
            aggregator.advance(engine.clockNs());
        }
        if (telemetry != Telemetry.NONE) {
            // The live source calls this every drain: the engine thread publishes its state, the scrape reads it.
            RuleEngine.Stats st = engine.stats();
            telemetry.engineState(engine.clockNs(), st.inSession());
            // every late event, inserted or dropped
            telemetry.lateEvents(st.late() + st.lateDropped() - lateReported);
            lateReported = st.late() + st.lateDropped();
            telemetry.factsEvicted(st.evicted() - evictedReported);
            evictedReported = st.evicted();
            telemetry.ruleFailures(engine.ruleFailures() - failuresReported);
            failuresReported = engine.ruleFailures();
            telemetry.rulesDisabled(engine.disabledRules().size());
        }
        sink.checkStop();
    }

    /**
     * After the sink is closed: prints what the sinks report to {@code err} and returns the exit code for it:
     * {@link ExitCode#ALERTS_LOST} when an alert was lost (a failed stdout write, refused by the spool), else
     * {@link ExitCode#UNDELIVERED} when alerts were left in the spool, else {@link ExitCode#OK}.
     */
    static int report(Sink sink, PrintStream err) {
        SinkReport r = sink.report();
        r.lines().forEach(l -> err.println("forkwatch: " + l));
        return r.lost() > 0 ? ExitCode.ALERTS_LOST : r.pending() > 0 ? ExitCode.UNDELIVERED : ExitCode.OK;
    }

    /**
     * For the summary line: "; rule(s) disabled: "A" (failed), "B" (config)", or "" when every rule ran to the
     * end.
     */
    public String disabledNote() {
        java.util.List<String> parts = new java.util.ArrayList<>();
        engine.disabledRules().forEach(r -> parts.add("\"" + r + "\" (failed)"));
        rules.disabled().forEach(r -> parts.add("\"" + r + "\" (rules.disabled)"));
        return parts.isEmpty() ? "" : "; " + parts.size() + " rule(s) disabled: " + String.join(", ", parts);
    }

    /** Releases buffered events, fires what is due at the newest time seen, and sends every pending summary. */
    public void finish() {
        engine.finish();
        if (aggregator != null) {
            aggregator.advance(engine.clockNs());
            aggregator.flush();
        }
        sink.flush();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            engine.close();
        } finally {
            sink.close();
        }
    }
}
