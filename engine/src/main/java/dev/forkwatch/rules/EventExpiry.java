package dev.forkwatch.rules;

import dev.forkwatch.event.Event;
import org.drools.base.base.ClassObjectType;
import org.drools.base.rule.TypeDeclaration;
import org.drools.core.impl.InternalRuleBase;
import org.drools.core.reteoo.ObjectTypeNode;
import org.kie.api.KieBase;

/**
 * forkwatch's events leave the session when the engine deletes them (engine.event_retention, engine.max_facts: see
 * {@link HeldFacts}), never by the expiry Drools infers from the rules' temporal operators. That expiry is what the
 * rules of the KieBase allow, and Drools fires a temporal {@code not} again when its blocker expires while the left
 * event is still in the session: with only {@code not Exit(pid == $v.pid, this after[0ms, 5s] $v)} to go by, it
 * expires an {@code Exit} about 5 s after its time, and whenever another rule kept {@code Vfork} longer, a child that
 * had exited was reported stalled then. Call after every build into a KieBase: a build infers again. Facts that rules
 * insert keep Drools' expiry ({@code @expires}, inferred: see rules.md "Retention").
 */
final class EventExpiry {
    private EventExpiry() {
    }

    static void leaveToEngine(KieBase base) {
        for (ObjectTypeNode otn : ((InternalRuleBase) base).getRete().getObjectTypeNodes()) {
            if (otn.getObjectType() instanceof ClassObjectType c && Event.class.isAssignableFrom(c.getClassType())) {
                otn.setExpirationOffset(TypeDeclaration.NEVER_EXPIRES);
            }
        }
    }
}
