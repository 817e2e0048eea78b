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
}
