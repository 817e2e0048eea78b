package dev.forkwatch.rules;

import dev.forkwatch.event.Event;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.LongSupplier;
import org.drools.drl.ast.descr.PackageDescr;
import org.kie.api.KieBase;
import org.kie.api.KieServices;
import org.kie.api.definition.KiePackage;
import org.kie.api.definition.rule.Rule;
import org.kie.api.io.ResourceType;
import org.kie.api.runtime.KieSession;
import org.kie.api.runtime.KieSessionConfiguration;
import org.kie.api.runtime.conf.ClockTypeOption;
import org.kie.internal.builder.KnowledgeBuilder;
import org.kie.internal.builder.KnowledgeBuilderFactory;
import org.kie.internal.io.ResourceFactory;

/**
 * The KieBase surgery of a reload ({@link RuleEngine#reload}): the rules of a new pack put into a live session's own
 * KieBase, the facts left as they are.
 * <p>
 * Drools 10.2 does not propagate the facts in a session to a rule with a temporal "not" (its timer is never
 * scheduled) when the rule joins the KieBase after any rule left it, as a changed rule must (seen with the default
 * stall rule: a child created before the reload was never reported). Built all at once into an emptied KieBase,
 * every rule sees every fact. So when rules are added or changed, all rules are taken out and the whole pack is
 * built in again; the matches that already raised an alert raise none again ({@link RaisedIds}). A reload that only
 * removes rules removes them and leaves the others in place.
 */
final class SessionReload {
    private final KieSession session;
    private final RuleGuard guard;
    private final RuleFailures failures;
    private final RaisedIds raised;
    private final LongSupplier clockNs;
    private final SessionEvents lookup;

    SessionReload(KieSession session, RuleGuard guard, RuleFailures failures, RaisedIds raised, LongSupplier clockNs,
                  SessionEvents lookup) {
        this.session = session;
        this.lookup = lookup;
        this.guard = guard;
        this.failures = failures;
        this.raised = raised;
        this.clockNs = clockNs;
    }

    /**
     * Puts {@code next} in place of {@code live}; the diff, whose {@link PackDiff#refusal} is not empty when the
     * KieBase was left (or put back) as it was.
     */
    PackDiff apply(RulePack live, RulePack next) {
        KieBase base = session.getKieBase();
        Set<PackDiff.RuleKey> inBase = new HashSet<>();
        base.getKiePackages().forEach(p -> p.getRules().forEach(r -> inBase.add(new PackDiff.RuleKey(p.getName(), r.getName()))));
        PackDiff diff = PackDiff.of(live, inBase, next, next.disabled());
        if (!diff.refusal().isEmpty()) {
            return diff;
        }
        Set<String> wasDisabled = Set.copyOf(guard.disabled());
        guard.reloaded(next); // failing rules are named from the new pack from now on
        failures.use(next);
        Set<String> failed = Set.of();
        if (diff.adds()) {
            failed = throwingOnSessionFacts(next);
            removeRules(base, null);
            String error = build(base, diff.wanted(failed));
            if (error != null) {
                removeRules(base, null);
                String restored = build(base, diff.running());
                guard.reloaded(live);
                guard.disabledAtReload(wasDisabled);
                failures.use(live);
                diff.refusal().add("the new rules do not build beside the running ones: " + error
                        + (restored == null ? "" : "; the running rules could not be put back (" + restored + ")"));
                return diff;
            }
            raised.readded(new HashSet<>(next.ruleNames()));
        } else {
            removeRules(base, diff.removed());
        }
        guard.disabledAtReload(failed);
        return diff;
    }

    /**
     * The rules of {@code next} whose conditions throw on an event already in the session, found on a scratch session
     * of the new pack's own KieBase: added to the live one, such a rule would throw half-way through joining the
     * network. They stay off, each with a {@code Rule failed} alert, as if the event had come after the reload.
     */
    private Set<String> throwingOnSessionFacts(RulePack next) {
        KieSessionConfiguration conf = KieServices.Factory.get().newKieSessionConfiguration();
        conf.setOption(ClockTypeOption.PSEUDO);
        KieSession scratch = next.kieBase().newKieSession(conf, null);
        // It holds the live session's events: the live lookup answers for it.
        RuleEngine.setIfDeclared(scratch, "events", lookup);
        try {
            RuleGuard trial = new RuleGuard(scratch, next, failures, clockNs, false); // disables in the new pack's own KieBase
            for (Object o : session.getObjects()) {
                if (o instanceof Event e) {
                    trial.insert(e, clockNs.getAsLong()); // reported at the reload
                }
            }
            return Set.copyOf(trial.disabled());
        } finally {
            scratch.dispose();
        }
    }

    /** Takes the rules named (all when null) out of the KieBase. */
    private static void removeRules(KieBase base, Set<String> names) {
        for (KiePackage p : List.copyOf(base.getKiePackages())) {
            for (Rule r : List.copyOf(p.getRules())) {
                if (names == null || names.contains(r.getName())) {
                    base.removeRule(p.getName(), r.getName());
                }
            }
        }
    }

    /** Compiles rules into the live KieBase, which then runs them (the builder adds them itself); the first error, or null. */
    private static String build(KieBase base, List<PackageDescr> descrs) {
        if (descrs.isEmpty()) {
            return null;
        }
        KnowledgeBuilder builder = KnowledgeBuilderFactory.newKnowledgeBuilder(base);
        descrs.forEach(pd -> builder.add(ResourceFactory.newDescrResource(pd), ResourceType.DESCR));
        EventExpiry.leaveToEngine(base);
        return builder.hasErrors() ? builder.getErrors().iterator().next().getMessage().strip().replaceAll("\\s+", " ") : null;
    }
}
