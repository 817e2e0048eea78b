package dev.forkwatch.rules;

import dev.forkwatch.event.Vfork;
import java.io.ObjectInput;
import java.io.ObjectOutput;
import java.io.Serializable;
import org.kie.api.runtime.rule.AccumulateFunction;

/**
 * The {@code burst} accumulate function: gathers {@link Vfork}s into a {@link Burst}, in O(1) per child added or
 * removed. Import it in a rule file with {@code import accumulate dev.forkwatch.rules.BurstFunction burst;}.
 * The result is one object per match that changes as children come and go, so a rule over a sliding window
 * recounts nothing when a child arrives.
 */
public final class BurstFunction implements AccumulateFunction<BurstFunction.Context> {
    /** One match's gathered children. */
    public static final class Context implements Serializable {
        private static final long serialVersionUID = 1L;
        private transient Burst burst; // made by init(), which Drools calls on every new or reused context
    }

    @Override
    public Context createContext() {
        return new Context();
    }

    @Override
    public void init(Context c) {
        c.burst = new Burst();
    }

    @Override
    public void accumulate(Context c, Object value) {
        c.burst.add((Vfork) value);
    }

    @Override
    public void reverse(Context c, Object value) {
        c.burst.remove((Vfork) value);
    }

    @Override
    public Object getResult(Context c) {
        return c.burst;
    }

    @Override
    public boolean supportsReverse() {
        return true;
    }

    @Override
    public Class<?> getResultType() {
        return Burst.class;
    }

    @Override
    public void writeExternal(ObjectOutput out) {
        // stateless: the state is in each Context
    }

    @Override
    public void readExternal(ObjectInput in) {
    }
}
