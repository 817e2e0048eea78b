package dev.forkwatch.rules;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.drools.core.common.InternalWorkingMemory;
import org.kie.api.KieBase;
import org.kie.api.definition.KiePackage;
import org.kie.api.definition.rule.Rule;
import org.kie.api.event.rule.AfterMatchFiredEvent;
import org.kie.api.event.rule.BeforeMatchFiredEvent;
import org.kie.api.event.rule.DefaultAgendaEventListener;
import org.kie.api.event.rule.DefaultRuleRuntimeEventListener;
import org.kie.api.event.rule.ObjectInsertedEvent;
import org.kie.api.runtime.KieSession;
import org.kie.api.runtime.rule.ConsequenceException;
import org.kie.api.runtime.rule.FactHandle;
import org.kie.api.runtime.rule.Match;
import org.mvel2.CompileException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a failing rule from taking the session down, so every other rule still sees every event.
 * <ul>
 * <li>A consequence that throws: the match is skipped, the rule stays on ({@link RuleFailures} reports it).</li>
 * <li>A condition that throws does so while a fact propagates through the network, so half-way: the rules that
 * own the condition (several, when rules share it) are removed from this session's KieBase, and the fact is
 * deleted and inserted again so that the rules left see it whole.</li>
 * <li>A rule that keeps firing (inserting facts that match it again, without end) is stopped by a budget of
 * firings per round of {@code fireAllRules}: {@link #BASE_BUDGET} plus {@link #PER_FACT_BUDGET} per fact in the
 * session. A rule that fires once per fact (as every default rule does, however large a burst) never reaches
 * it. The runaway rule is then removed as above, and the facts it inserted in that round are deleted.</li>
 * </ul>
 * Facts are inserted one at a time and propagated at once ({@code flushPropagations}), so a failing condition
 * is always traced to the one fact being inserted.
 */
final class RuleGuard {
    static final long BASE_BUDGET = 10_000;
    static final long PER_FACT_BUDGET = 4;
    private static final Logger LOG = LoggerFactory.getLogger(RuleGuard.class);
    private static final Pattern CONSTRAINT_RULE = Pattern.compile("\\[Rule \"(.*?)\" in ");
    /** Failures no rule could be found for, in one round, before the engine gives up (a bug of ours). */
    private static final int MAX_UNKNOWN = 100;

    private final KieSession session;
    private final KieBase base;
    private RulePack pack;
    private final RuleFailures failures;
    private final LongSupplier clockNs;
    /** A throw-away session (the warm-up) shares the live pack's KieBase: it must never remove a rule from it. */
    private final boolean throwaway;
    private final Set<String> disabled = new TreeSet<>();
    /** Facts inserted by consequences and not yet propagated (propagation happens before the next firing). */
    private final List<FactHandle> unflushed = new ArrayList<>();
    /** This round: firings and facts inserted, per rule. */
    private final Map<String, Long> fired = new HashMap<>();
    private final Map<String, List<FactHandle>> insertedBy = new HashMap<>();
    private final Set<String> runaway = new TreeSet<>();
    private long budget;
    /** The rule whose consequence runs now, or null: read from another thread to name a rule that never returns. */
    private volatile String firing;

    /**
     * @param throwaway the session is thrown away after a run that raises nothing (the warm-up): a rule that would
     *                  be disabled throws {@link WouldDisable} instead, and stays in the KieBase the sessions share
     */
    RuleGuard(KieSession session, RulePack pack, RuleFailures failures, LongSupplier clockNs, boolean throwaway) {
        this.session = session;
        this.throwaway = throwaway;
        this.base = session.getKieBase();
        this.pack = pack;
        this.failures = failures;
        this.clockNs = clockNs;
        session.addEventListener(new DefaultRuleRuntimeEventListener() {
            @Override
            public void objectInserted(ObjectInsertedEvent e) {
                if (e.getRule() != null) {
                    unflushed.add(e.getFactHandle());
                    insertedBy.computeIfAbsent(e.getRule().getName(), r -> new ArrayList<>()).add(e.getFactHandle());
                }
            }
        });
        session.addEventListener(new DefaultAgendaEventListener() {
            @Override
            public void beforeMatchFired(BeforeMatchFiredEvent e) {
                unflushed.clear();
                firing = e.getMatch().getRule().getName();
            }

            @Override
            public void afterMatchFired(AfterMatchFiredEvent e) {
                firing = null;
            }
        });
    }

    /** The rule whose consequence is running now, or null; safe to read from any thread. */
    String firing() {
        return firing;
    }

    /** A reload puts {@code next} in place: rules are named from it, and those disabled for failing are back. */
    void reloaded(RulePack next) {
        pack = next;
        disabled.clear();
    }

    /** Rules that a reload left out because they threw on the facts already in the session. */
    void disabledAtReload(Set<String> rules) {
        disabled.addAll(rules);
    }

    /** Rules taken out of this session for failing, by name. */
    Set<String> disabled() {
        return disabled;
    }

    /** Inserts a fact and propagates it; a condition that throws on it is disabled and the fact inserted again. */
    FactHandle insert(Object fact, long timeNs) {
        FactHandle h = session.insert(fact);
        for (int unknown = 0; ; ) {
            try {
                ((InternalWorkingMemory) session).flushPropagations();
                return h;
            } catch (RuntimeException ex) {
                if (!disableFor(ex, timeNs) && ++unknown > MAX_UNKNOWN) {
                    throw ex;
                }
                h = again(h, fact);
            }
        }
    }

    /** Fires the rules until none is due, skipping failing matches and disabling failing or runaway rules. */
    void fire() {
        fired.clear();
        insertedBy.clear();
        budget = BASE_BUDGET + PER_FACT_BUDGET * session.getFactCount();
        for (int unknown = 0; ; ) {
            try {
                session.fireAllRules(this::withinBudget);
                break;
            } catch (ConsequenceException ex) {
                String rule = ex.getMatch().getRule().getName();
                LOG.debug("rule \"{}\" failed in its consequence", rule, ex);
                failures.consequence(rule, ex.getCause() == null ? ex : ex.getCause(), matchTime(ex.getMatch()));
            } catch (RuntimeException ex) {
                // A join condition, evaluated lazily while firing, or a fact inserted by a consequence.
                if (!disableFor(ex, clockNs.getAsLong()) && ++unknown > MAX_UNKNOWN) {
                    throw ex;
                }
                for (FactHandle h : List.copyOf(unflushed)) {
                    Object o = session.getObject(h);
                    if (o != null) {
                        again(h, o);
                    }
                }
                unflushed.clear();
            }
        }
        if (!runaway.isEmpty()) {
            Set<String> rules = Set.copyOf(runaway);
            runaway.clear();
            String why = "more than " + budget + " firings in one round";
            disable(rules, "runaway", why);
            for (String r : rules) {
                for (FactHandle h : insertedBy.getOrDefault(r, List.of())) {
                    if (session.getObject(h) != null) {
                        session.delete(h);
                    }
                }
            }
            failures.disabled(rules, "runaway", why, clockNs.getAsLong());
            fire(); // what the runaway crowded out
        }
    }

    private boolean withinBudget(Match m) {
        String r = m.getRule().getName();
        if (fired.merge(r, 1L, Long::sum) > budget) {
            runaway.add(r);
            return false;
        }
        return true;
    }

    private FactHandle again(FactHandle h, Object fact) {
        if (session.getObject(h) != null) {
            session.delete(h);
        }
        return session.insert(fact);
    }

    /** Disables the rules a condition failure belongs to; false when none could be found. */
    private boolean disableFor(RuntimeException ex, long timeNs) {
        Set<String> rules = culprits(ex);
        rules.removeAll(disabled);
        String error = RuleFailures.describe(ex);
        if (rules.isEmpty()) {
            LOG.warn("a rule condition failed and no rule could be named for it: {}", error);
            LOG.debug("condition failure", ex);
            return false;
        }
        LOG.debug("rule(s) {} failed in a condition", rules, ex);
        disable(rules, "condition", error);
        failures.disabled(rules, "condition", error, timeNs);
        return true;
    }

    /** The rules an exception thrown by the network belongs to. */
    private Set<String> culprits(Throwable ex) {
        Set<String> rules = new LinkedHashSet<>();
        for (Throwable t = ex; t != null && rules.isEmpty(); t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof CompileException ce && ce.getExpr() != null) {
                // MVEL compiles a constraint when it is first evaluated; its error names only the expression.
                rules.addAll(pack.rulesWithCondition(new String(ce.getExpr())));
            } else if (t.getMessage() != null && t.getMessage().startsWith("Error evaluating constraint")) {
                Matcher m = CONSTRAINT_RULE.matcher(t.getMessage());
                while (m.find()) {
                    rules.add(m.group(1));
                }
            }
        }
        return rules;
    }

    /** Removes the rules from the KieBase, so from every session of this pack (a throw-away session: see above). */
    private void disable(Set<String> rules, String how, String error) {
        if (throwaway) {
            throw new WouldDisable(rules, how, error);
        }
        for (KiePackage pkg : List.copyOf(base.getKiePackages())) {
            for (Rule r : List.copyOf(pkg.getRules())) {
                if (rules.contains(r.getName())) {
                    base.removeRule(pkg.getName(), r.getName());
                }
            }
        }
        disabled.addAll(rules);
    }

    private long matchTime(Match m) {
        long t = clockNs.getAsLong();
        for (Object o : m.getObjects()) {
            if (o instanceof dev.forkwatch.event.Event e && e.ts() > t) {
                t = e.ts();
            }
        }
        return t;
    }

    /** Thrown in a throw-away session where a live one would disable {@code rules}; the session is unusable after it. */
    static final class WouldDisable extends RuntimeException {
        final Set<String> rules;
        final String how;

        WouldDisable(Set<String> rules, String how, String error) {
            super(error, null, false, false);
            this.rules = Set.copyOf(rules);
            this.how = how;
        }
    }
}
