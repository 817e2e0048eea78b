package dev.forkwatch.metrics;

import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * What {@code GET /healthz} answers: healthy once the probes are attached and the rules loaded, and while the
 * engine keeps up (its lag behind wall time at most {@code maxLagNs}); otherwise a one-line reason.
 */
public final class Health {
    /** The answer: healthy, or why not. */
    public record Status(boolean healthy, String reason) {
    }

    private enum Phase { STARTING, READY, STOPPED }

    private final long maxLagNs;
    private final LongSupplier lagNs;
    private volatile Phase phase = Phase.STARTING;

    /** @param lagNs wall time minus the engine's clock, in ns (0 while unknown) */
    public Health(long maxLagNs, LongSupplier lagNs) {
        this.maxLagNs = maxLagNs;
        this.lagNs = lagNs;
    }

    /** Probes attached, rules loaded. */
    public void ready() {
        phase = Phase.READY;
    }

    /** Probes detached: the process is stopping. */
    public void stopped() {
        phase = Phase.STOPPED;
    }

    public Status status() {
        return switch (phase) {
            case STARTING -> new Status(false, "starting: probes not attached or rules not loaded yet");
            case STOPPED -> new Status(false, "stopping: probes detached");
            case READY -> {
                long lag = lagNs.getAsLong();
                yield lag > maxLagNs
                        ? new Status(false, String.format(Locale.ROOT, "engine lag %.1fs over metrics.max_lag %.1fs",
                                lag / 1e9, maxLagNs / 1e9))
                        : new Status(true, "ok");
            }
        };
    }
}
