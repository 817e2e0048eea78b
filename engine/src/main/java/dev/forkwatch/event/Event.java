package dev.forkwatch.event;

/**
 * A process event: the facts rules match on. Every event has a type name (as in the trace format) and a
 * timestamp in nanoseconds since the Unix epoch.
 */
public sealed interface Event permits Vfork, VforkReturn, Exec, Exit {

    /** The type name used in traces: vfork, vfork_return, exec, exit. */
    String type();

    /** Event time, nanoseconds since the Unix epoch. */
    long ts();

    /** The pid this event is about (the child for vfork, the parent for vfork_return). */
    int pid();

    /** Event time in milliseconds: the unit of the Drools session clock. */
    default long tsMillis() {
        return Math.floorDiv(ts(), 1_000_000L);
    }

    /**
     * The same, as a bean property: {@code @Timestamp("tsMillis")} on the records resolves to this getter, which
     * Drools reads through a generated accessor. Without it Drools evaluates an MVEL expression to read the
     * timestamp of every inserted event (about 5 % of replay time with the stall rule alone, in a profile).
     */
    default long getTsMillis() {
        return tsMillis();
    }
}
