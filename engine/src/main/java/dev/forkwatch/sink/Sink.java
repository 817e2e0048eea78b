package dev.forkwatch.sink;

import dev.forkwatch.alert.Alert;

/**
 * Where alerts go. {@link #accept} is called on the engine thread and must not block on the network;
 * {@link #close} flushes what is pending and releases resources.
 */
public interface Sink extends AutoCloseable {

    void accept(Alert alert);

    default void flush() {
    }

    @Override
    default void close() {
        flush();
    }

    /**
     * Throws a {@link SinkException} (ALERTS_LOST) when this sink has lost alerts and is configured to stop the
     * run then; the pipeline calls it after each event. Never throws from {@link #accept}: an alert bound for
     * several sinks still reaches the others.
     */
    default void checkStop() {
    }

    /** What this sink could not deliver, or lost; valid after {@link #close} too. */
    default SinkReport report() {
        return SinkReport.NONE;
    }
}
