package dev.forkwatch.metrics;

/**
 * What the parts of forkwatch tell the metrics, as it happens. Every method does nothing by default, so a part
 * can take a {@code Telemetry} and be given {@link #NONE} when metrics are off (the default) at no cost beyond
 * the call. Implementations are thread-safe: the engine thread, the webhook's threads and signal handlers call.
 */
public interface Telemetry {
    Telemetry NONE = new Telemetry() {
    };

    /** One event entered the engine: vfork, vfork_return, exec, exit. */
    default void event(String type) {
    }

    /** A rule matched and raised an alert (sent or held back by aggregation; summaries are not matches). */
    default void alert(String rule, String priority) {
    }

    /** Aggregation held an alert of {@code rule} back (it is counted in a summary). */
    default void heldBack(String rule) {
    }

    /** The engine's session clock reached {@code clockNs} (epoch ns) with {@code facts} facts in the session. */
    default void engineState(long clockNs, long facts) {
    }

    /** Events that arrived later than engine.reorder_allowance. */
    default void lateEvents(long n) {
    }

    /** Facts evicted early because the session was full (engine.max_facts). */
    default void factsEvicted(long n) {
    }

    /** Rules threw {@code n} more times (a skipped match, a disabling). */
    default void ruleFailures(long n) {
    }

    /** {@code count} rules are disabled now (they threw in a condition, or ran away). */
    default void rulesDisabled(long count) {
    }

    /** A reload of the rules (SIGHUP, --watch) was applied ({@code ok}) or refused. */
    default void ruleReload(boolean ok) {
    }
}
