package dev.forkwatch.rules;

import dev.forkwatch.alert.Alert;
import dev.forkwatch.alert.Hostname;
import dev.forkwatch.config.Config;
import dev.forkwatch.event.Event;
import dev.forkwatch.event.EventReceiver;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.drools.core.time.TimerService;
import org.kie.api.KieServices;
import org.kie.api.runtime.KieSession;
import org.kie.api.runtime.KieSessionConfiguration;
import org.kie.api.runtime.conf.ClockTypeOption;
import org.kie.api.runtime.rule.FactHandle;
import org.kie.api.time.SessionPseudoClock;

/**
 * Runs a {@link RulePack} over a stream of events in <em>event time</em>, the one code path for replay and live
 * use. The session clock is a pseudo clock moved by a watermark: the newest event time seen (or the source's
 * {@link #clock} time) minus the reorder allowance. Events wait in a small buffer until the watermark passes
 * them, and are inserted in timestamp order; timers (e.g. "no exec within 5 s") fire at their own time, in
 * order with the events, so the results depend only on the input, never on how fast the engine runs.
 * Events are deleted from the session after the retention period (engine.event_retention, to be kept above
 * every rule window), so memory is bounded by retention times event rate, not by the length of the trace.
 */
public final class RuleEngine implements EventReceiver, AutoCloseable {
    private static final long NS_PER_MS = 1_000_000L;

    /** Counters for the summary line and the benchmarks. */
    public record Stats(long events, long alerts, long late, long inSession, long buffered) {
    }

    private record Held(FactHandle handle, long tsMs) {
    }

    private final KieSession session;
    private final SessionPseudoClock clock;
    private final TimerService timers;
    private final Alerts alerts;
    private final RuleFailures failures;
    private final RuleGuard guard;
    private final long allowanceNs;
    private final long retentionMs;
    private final ReorderBuffer buffer = new ReorderBuffer();
    private final ArrayDeque<Held> held = new ArrayDeque<>();
    private long events;
    private long late;
    /** The last watermark released, in whole ms; -infinity before the first event. */
    private long watermarkMs = Long.MIN_VALUE;
    /** The newest source time seen: max of event times and clock() calls. */
    private long newestNs = Long.MIN_VALUE;
    private boolean started;

    /**
     * @param pack        the compiled rules
     * @param allowanceNs how late an event may arrive, relative to the newest, and still be ordered
     * @param retentionNs how long events stay in the session; longer than any rule window
     * @param out         receives each alert, on the calling thread
     */
    public RuleEngine(RulePack pack, long allowanceNs, long retentionNs, Consumer<Alert> out) {
        this(pack, allowanceNs, retentionNs, Hostname.local(), out);
    }

    /** An engine set up from the config: engine.reorder_allowance, engine.event_retention, engine.hostname. */
    public static RuleEngine fromConfig(RulePack pack, Config config, Consumer<Alert> out) {
        return new RuleEngine(pack, config.nanos("engine.reorder_allowance"), config.nanos("engine.event_retention"),
                Hostname.orLocal(config.string("engine.hostname")), out);
    }

    /** As above, with the host name put into alerts. */
    public RuleEngine(RulePack pack, long allowanceNs, long retentionNs, String hostname, Consumer<Alert> out) {
        KieSessionConfiguration conf = KieServices.Factory.get().newKieSessionConfiguration();
        conf.setOption(ClockTypeOption.PSEUDO);
        this.session = pack.kieBase().newKieSession(conf, null);
        this.clock = session.getSessionClock();
        this.timers = (TimerService) clock; // the pseudo clock is the session's timer service
        this.alerts = new Alerts(out, () -> clock.getCurrentTime() * NS_PER_MS, hostname);
        this.failures = new RuleFailures(pack, hostname, out);
        this.guard = new RuleGuard(session, pack, failures, () -> clock.getCurrentTime() * NS_PER_MS);
        this.allowanceNs = allowanceNs;
        this.retentionMs = Math.max(1, retentionNs / NS_PER_MS);
        if (session.getKieBase().getKiePackages().stream().anyMatch(p -> p.getGlobalVariables().stream()
                .anyMatch(g -> g.getName().equals("alerts")))) {
            session.setGlobal("alerts", alerts);
        }
    }

    @Override
    public void event(Event e) {
        events++;
        if (started && e.tsMillis() <= watermarkMs) {
            // Later than the allowance: insert now, with its own timestamp, and count it.
            late++;
            insertLate(e);
            expire();
            return;
        }
        buffer.add(e);
        if (e.ts() > newestNs) {
            newestNs = e.ts();
            release(newestNs - allowanceNs);
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
        }
        failures.finish(clock.getCurrentTime() * NS_PER_MS);
    }

    /** The session clock in ns: event time up to which rules and timers have fired (Long.MIN_VALUE before any). */
    public long clockNs() {
        return started ? clock.getCurrentTime() * NS_PER_MS : Long.MIN_VALUE;
    }

    public Stats stats() {
        return new Stats(events, alerts.count() + failures.raised(), late, session.getFactCount(), buffer.size());
    }

    /** How many times a rule threw (each skipped match, each disabling). */
    public long ruleFailures() {
        return failures.failures();
    }

    /** Rules taken out of the session because they failed (see {@link RuleGuard}), by name. */
    public java.util.Set<String> disabledRules() {
        return java.util.Collections.unmodifiableSet(guard.disabled());
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
                Event e = buffer.poll();
                held.addLast(new Held(guard.insert(e, e.ts()), e.tsMillis()));
            }
            guard.fire();
        }
        advanceTo(wmMs, true);
        watermarkMs = wmMs;
        expire();
    }

    private void insertLate(Event e) {
        held.addLast(new Held(guard.insert(e, e.ts()), e.tsMillis()));
        guard.fire();
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

    /** Deletes events older than the retention period (the engine's own expiry may already have done so). */
    private void expire() {
        long cutoff = clock.getCurrentTime() - retentionMs;
        while (!held.isEmpty() && held.peekFirst().tsMs() < cutoff) {
            FactHandle h = held.pollFirst().handle();
            if (session.getObject(h) != null) {
                session.delete(h);
            }
        }
    }
}
