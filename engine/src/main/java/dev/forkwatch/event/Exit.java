package dev.forkwatch.event;

import org.kie.api.definition.type.Role;
import org.kie.api.definition.type.Timestamp;
/**
 * A process exited.
 *
 * @param ts       nanoseconds since the Unix epoch
 * @param pid      the pid that exited
 * @param exitCode the exit status (0-255); -1 when unknown or killed by a signal
 * @param signal   the terminating signal number; 0 when none
 */
// An event fact for Drools Fusion, stamped with its own time (ms), not the insertion time.
@Role(Role.Type.EVENT)
@Timestamp("tsMillis")
public record Exit(long ts, int pid, int exitCode, int signal) implements Event {
    public static final String TYPE = "exit";
    public static final int UNKNOWN = -1;

    @Override
    public String type() {
        return TYPE;
    }
}
