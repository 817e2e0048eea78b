package dev.forkwatch.event;

/**
 * A process exited.
 *
 * @param ts       nanoseconds since the Unix epoch
 * @param pid      the pid that exited
 * @param exitCode the exit status (0-255); -1 when unknown or killed by a signal
 * @param signal   the terminating signal number; 0 when none
 */
public record Exit(long ts, int pid, int exitCode, int signal) implements Event {
    public static final String TYPE = "exit";
    public static final int UNKNOWN = -1;

    @Override
    public String type() {
        return TYPE;
    }
}
