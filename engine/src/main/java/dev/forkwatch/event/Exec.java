package dev.forkwatch.event;

import java.util.Objects;

/**
 * A process called execve successfully.
 *
 * @param ts       nanoseconds since the Unix epoch
 * @param pid      the pid that exec'd
 * @param comm     the new command name
 * @param filename the path that was executed
 */
public record Exec(long ts, int pid, String comm, String filename) implements Event {
    public static final String TYPE = "exec";

    public Exec {
        Objects.requireNonNull(comm, "comm");
        Objects.requireNonNull(filename, "filename");
    }

    @Override
    public String type() {
        return TYPE;
    }
}
