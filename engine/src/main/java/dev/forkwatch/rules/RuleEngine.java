package dev.forkwatch.rules;

import dev.forkwatch.alert.Alert;
import dev.forkwatch.alert.AlertIds;
import dev.forkwatch.alert.Hostname;
import dev.forkwatch.alert.Priority;
import dev.forkwatch.config.Config;
import dev.forkwatch.config.ConfigException;
import dev.forkwatch.event.Event;
import dev.forkwatch.event.EventReceiver;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.drools.core.time.TimerService;
import org.kie.api.KieServices;
import org.kie.api.runtime.KieSession;
import org.kie.api.runtime.KieSessionConfiguration;
import org.kie.api.runtime.conf.ClockTypeOption;
import org.kie.api.time.SessionPseudoClock;

/**
 * Runs a {@link RulePack} over a stream of events in <em>event time</em>, the one code path for replay and live
 * use. The session clock is a pseudo clock moved by a watermark: the newest event time seen (or the source's
 * {@link #clock} time) minus the reorder allowance. Events wait in a small buffer until the watermark passes
 * them, and are inserted in timestamp order; timers (e.g. "no exec within 5 s") fire at their own time, in
 * order with the events, so the results depend only on the input, never on how fast the engine runs.
 * Events are deleted from the session after the retention period (engine.event_retention, to be kept above
 * every rule window), so memory is bounded by retention times event rate, and by engine.max_facts whatever the
 * rate ({@link Overload}). Events later than the allowance go through {@link LateEvents}.
 */
public final class RuleEngine implements EventReceiver, AutoCloseable {
    private static final long NS_PER_MS = 1_000_000L;
    /** For tests and tools that feed known, small inputs: no cap on the session. */
    public static final long UNBOUNDED = Long.MAX_VALUE;

    /**
     * Counters for the summary line and the benchmarks: {@code late} events were inserted after the allowance,
     * {@code lateDropped} were too late to be evaluated, {@code evicted} children were dropped by max_facts.
     */
    public record Stats(long events, long alerts, long late, long lateDropped, long evicted, long inSession,
                        long buffered) {
    }

    /** The engine: section of the config. */
    public record Settings(long allowanceNs, long retentionNs, long maxFacts, String hostname) {
        public static Settings from(Config c) {
            long maxFacts = c.integer("engine.max_facts");
            if (maxFacts < 1) {
                throw new ConfigException(c.origin("engine.max_facts") + ": engine.max_facts: expected at least 1, got " + maxFacts);
            }
            return new Settings(c.nanos("engine.reorder_allowance"), c.nanos("engine.event_retention"), maxFacts,
                    Hostname.orLocal(c.string("engine.hostname")));
        }
    }

    static final String NOT_RELOADED = "Rules not reloaded";

    private final KieSession session;
    private final SessionPseudoClock clock;
    private final TimerService timers;
    private final Alerts alerts;
    private final RaisedIds raised;
    private final SessionReload reloads;
    private final RuleFailures failures;
    private final RuleGuard guard;
    private final long allowanceNs;
    private final long retentionMs;
    private final ReorderBuffer buffer = new ReorderBuffer();
    private final HeldFacts held;
    private final SessionEvents lookup;
    private final Overload overload;
    private final LateEvents late;
    private final String hostname;
    private final Consumer<Alert> out;
    /** The pack in effect: the one started with, or the last one a reload applied (the KieBase stays the session's). */
    private RulePack pack;
    private long reloadAlerts;
    private long events;
    /** The last watermark released, in whole ms; -infinity before the first event. */
    private long watermarkMs = Long.MIN_VALUE;
    /** The newest source time seen: max of event times and clock() calls. */
    private long newestNs = Long.MIN_VALUE;
    private boolean started;

    /**
     * An engine with no cap on the session (tests, small known inputs).
     *
     * @param pack        the compiled rules
     * @param allowanceNs how late an event may arrive, relative to the newest, and still be ordered
     * @param retentionNs how long events stay in the session; longer than any rule window
     * @param out         receives each alert, on the calling thread
     */
    public RuleEngine(RulePack pack, long allowanceNs, long retentionNs, Consumer<Alert> out) {
        this(pack, new Settings(allowanceNs, retentionNs, UNBOUNDED, Hostname.local()), out);
    }

    /** An engine set up from the config's engine: section. */
    public static RuleEngine fromConfig(RulePack pack, Config config, Consumer<Alert> out) {
        return new RuleEngine(pack, Settings.from(config), out);
    }

    public RuleEngine(RulePack pack, Settings settings, Consumer<Alert> out) {
        this(pack, settings, out, false);
    }

    /**
     * An engine whose session is thrown away after the run (the warm-up): where a live engine would disable a
     * failing rule, which removes it from the pack's KieBase and so from every session, this one throws
     * {@link RuleGuard.WouldDisable}.
     */
    static RuleEngine throwaway(RulePack pack, Settings settings, Consumer<Alert> out) {
        return new RuleEngine(pack, settings, out, true);
    }

    private RuleEngine(RulePack pack, Settings settings, Consumer<Alert> out, boolean throwaway) {
        KieSessionConfiguration conf = KieServices.Factory.get().newKieSessionConfiguration();
        conf.setOption(ClockTypeOption.PSEUDO);
        this.session = pack.kieBase().newKieSession(conf, null);
        this.pack = pack;
        this.hostname = settings.hostname();
        this.out = out;
        this.clock = session.getSessionClock();
        this.timers = (TimerService) clock; // the pseudo clock is the session's timer service
        this.raised = new RaisedIds(settings.retentionNs(), () -> clock.getCurrentTime() * NS_PER_MS);
        this.alerts = new Alerts(out, () -> clock.getCurrentTime() * NS_PER_MS, settings.hostname(), r -> this.pack.meta(r), raised);
        this.failures = new RuleFailures(pack, settings.hostname(), out);
        this.guard = new RuleGuard(session, pack, failures, () -> clock.getCurrentTime() * NS_PER_MS, throwaway);
        this.allowanceNs = settings.allowanceNs();
        this.retentionMs = Math.max(1, settings.retentionNs() / NS_PER_MS);
        this.held = new HeldFacts(session);
        this.lookup = new SessionEvents(held);
        this.overload = new Overload(settings.maxFacts(), held, session::getFactCount, settings.hostname(), out);
        this.late = new LateEvents(pack.longestWindowMs(), settings.hostname(), out);
        this.reloads = new SessionReload(session, guard, failures, raised, this::clockNs, lookup);
        setGlobals();
    }

    private void setGlobals() {
        setIfDeclared(session, "alerts", alerts);
        setIfDeclared(session, "events", lookup);
    }

    /** Sets a global that forkwatch provides, when a package of the session declares it (Drools refuses others). */
    static void setIfDeclared(KieSession s, String global, Object value) {
        if (s.getKieBase().getKiePackages().stream().anyMatch(p -> p.getGlobalVariables().stream()
                .anyMatch(g -> g.getName().equals(global)))) {
            s.setGlobal(global, value);
        }
    }

    /**
     * Puts {@code next} in place of the running pack in this same session, between two batches of events (call it
     * on the engine's thread, as every other method). The facts, the clock and the facts that rules inserted stay.
     * When rules are new, changed (their text after param substitution) or back after failing, every rule is built
     * again into the session's KieBase, sees every fact already in the session and fires now on what it matches;
     * a match that already raised an alert raises none again ({@link RaisedIds}), so unchanged rules raise nothing
     * twice and a stall pending at the reload comes once, at its own time. When rules are only removed, the others
     * stay as they are. Refused, with a {@code Rules not reloaded} alert, when a declared type or function changed
     * ({@link PackDiff}) or the new rules do not build beside the old; the running rules then go on as they were.
     *
     * @param next        a pack compiled and smoke-checked as at start ({@link RulePack#load}); its own KieBase is only
     *                    used to try its rules on the facts in the session
     * @param restartKeys config keys that changed and need a restart, for the alert and the log
     */
    public Reload reload(RulePack next, List<String> restartKeys) {
        PackDiff diff = reloads.apply(pack, next);
        if (!diff.refusal().isEmpty()) {
            return refuse(String.join("; ", diff.refusal()), restartKeys);
        }
        pack = next;
        late.window(next.longestWindowMs());
        setGlobals();
        guard.fire(); // the rules put in, on the facts already in the session
        return new Reload(true, null, diff.added(), diff.changed(), diff.removed(), diff.unchanged(),
                next.ruleNames().size(), List.copyOf(restartKeys));
    }

    /**
     * A reload refused before there was a pack to apply (it did not compile, failed the smoke run, a file is not
     * trusted, the config is bad): raises the {@code Rules not reloaded} alert (Error); the running rules go on.
     */
    public Reload refuse(String why, List<String> restartKeys) {
        Reload r = Reload.refused(why, pack.ruleNames().size(), restartKeys);
        long t = started ? clockNs() : newestNs == Long.MIN_VALUE ? 0 : newestNs;
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("reload.error", why);
        if (!restartKeys.isEmpty()) {
            f.put("reload.restart_needed", String.join(", ", restartKeys));
        }
        reloadAlerts++;
        out.accept(new Alert(AlertIds.engine(NOT_RELOADED, t, f), t, NOT_RELOADED, Priority.ERROR, r.reason(), f,
                List.of("forkwatch", "rules"), hostname));
        return r;
    }

    @Override
    public void event(Event e) {
        events++;
        if (started && e.tsMillis() <= watermarkMs) {
            // Later than the allowance: inserted now, with its own timestamp, only while it can still match.
            if (late.accept(e.tsMillis(), clock.getCurrentTime())) {
                insert(e);
                guard.fire();
                expire(clock.getCurrentTime());
            }
            return;
        }
        buffer.add(e);
        if (e.ts() > newestNs) {
            newestNs = e.ts();
            release(newestNs - allowanceNs);
        }
        if (overload.overfull(buffer.size())) {
            overload.makeRoom(buffer.size());
            while (!buffer.isEmpty() && overload.overfull(buffer.size())) {
                // More events within the allowance than the session may hold: release the oldest millisecond early.
                release(buffer.peek().tsMillis() * NS_PER_MS);
            }
        }
    }

    @Override
    public void clock(long nowNs) {
        if (nowNs > newestNs) {
            newestNs = nowNs;
        }
        release(newestNs - allowanceNs);
    }

    /** End of input: every buffered event is released and time advances to the newest time seen. */
    public void finish() {
        if (newestNs != Long.MIN_VALUE) {
            release(newestNs);
            tickNotices();
        }
        failures.finish(clock.getCurrentTime() * NS_PER_MS);
    }

    /** The session clock in ns: event time up to which rules and timers have fired (Long.MIN_VALUE before any). */
    public long clockNs() {
        return started ? clock.getCurrentTime() * NS_PER_MS : Long.MIN_VALUE;
    }

    public Stats stats() {
        return new Stats(events, alerts.count() + failures.raised() + late.alerts() + overload.alerts() + reloadAlerts, late.inserted(),
                late.dropped(), overload.evicted(), session.getFactCount(), buffer.size());
    }

    /** How many times a rule threw (each skipped match, each disabling). */
    public long ruleFailures() {
        return failures.failures();
    }

    /** Rules taken out of the session because they failed (see {@link RuleGuard}), by name. */
    public java.util.Set<String> disabledRules() {
        return java.util.Collections.unmodifiableSet(guard.disabled());
    }

    /** The rule whose consequence is running now, or null; safe to read from any thread (a rule stuck in a loop). */
    public String firingRule() {
        return guard.firing();
    }

    @Override
    public void close() {
        session.dispose();
    }

    /**
     * Releases every buffered event up to {@code wmNs} and moves the clock there. The session clock counts
     * milliseconds, so events are released a whole millisecond at a time: all events of one millisecond are
     * inserted, then the rules fire once. Alerts take their time from the facts they matched, not from the
     * order of firing (see {@link Alerts}).
     */
    private void release(long wmNs) {
        long wmMs = Math.floorDiv(wmNs, NS_PER_MS);
        if (started && wmMs <= watermarkMs) {
            return;
        }
        while (!buffer.isEmpty() && buffer.peek().tsMillis() <= wmMs) {
            long bucket = buffer.peek().tsMillis();
            advanceTo(bucket, false);
            while (!buffer.isEmpty() && buffer.peek().tsMillis() == bucket) {
                insert(buffer.poll());
            }
            guard.fire();
        }
        advanceTo(wmMs, true);
        watermarkMs = wmMs;
        expire(clock.getCurrentTime());
        tickNotices();
    }

    private void tickNotices() {
        late.tick(newestNs);
        overload.tick(newestNs);
    }

    private void insert(Event e) {
        int slots = HeldFacts.slots(e);
        overload.makeRoom(slots);
        held.add(e, slots, () -> guard.insert(e, e.ts()));
    }

    /**
     * Moves the pseudo clock to {@code targetMs}, firing due timers one by one at their own time. Before an
     * event batch at {@code targetMs} ({@code inclusive} false) timers due in that same millisecond wait until
     * the events are in: "within 5 s" windows are closed intervals.
     */
    private void advanceTo(long targetMs, boolean inclusive) {
        if (!started) {
            // The first event sets the clock: a pseudo clock starts at 0, far from epoch times.
            clock.advanceTime(targetMs - clock.getCurrentTime(), TimeUnit.MILLISECONDS);
            started = true;
            return;
        }
        long limit = inclusive ? targetMs : targetMs - 1;
        while (true) {
            long dt = timers.getTimeToNextJob();
            long now = clock.getCurrentTime();
            if (dt < 0 || now + dt > limit) {
                break;
            }
            // Events past the retention at the job's time leave before it runs, as they would have on a stream with
            // no gap: a rule's expiry or timer in a gap never sees an event the retention already took.
            expire(now + dt);
            clock.advanceTime(dt, TimeUnit.MILLISECONDS);
            guard.fire();
            if (dt == 0 && timers.getTimeToNextJob() == 0) {
                break; // a job due now that did not run: never spin
            }
        }
        long now = clock.getCurrentTime();
        if (targetMs > now) {
            clock.advanceTime(targetMs - now, TimeUnit.MILLISECONDS);
            if (inclusive) {
                guard.fire(); // before an event batch, the fire comes after the batch is in
            }
        }
    }

    /** Deletes events older than the retention period at {@code nowMs} (a rule may already have deleted some). */
    private void expire(long nowMs) {
        held.expire(nowMs - retentionMs);
    }
}
