package dev.forkwatch.source;

import dev.forkwatch.event.EventReceiver;

/** A producer of events: a trace file, or the live kernel probes. */
public interface EventSource extends AutoCloseable {

    /** Delivers events until the source is exhausted or {@link #stop()} is called. */
    void run(EventReceiver receiver) throws Exception;

    /** Asks {@link #run} to return soon; safe to call from another thread or a signal handler. */
    default void stop() {
    }

    @Override
    default void close() throws Exception {
    }
}
