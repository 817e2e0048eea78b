package dev.forkwatch.event;

/**
 * What a source delivers to: events, and the passing of time. Sources (replay file, live kernel probes)
 * depend on this interface only, never on the rules engine.
 */
public interface EventReceiver {

    /** One event. Events may arrive slightly out of timestamp order (within the reorder allowance). */
    void event(Event e);

    /**
     * The source's time is now {@code nowNs} (ns since the epoch) even if no event came: lets time-based rules
     * ("no exec within 5 s") fire while the host is quiet. Replay calls it for "clock" records; the live
     * source after each drain.
     */
    void clock(long nowNs);
}
