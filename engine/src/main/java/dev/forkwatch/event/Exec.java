package dev.forkwatch.event;

import org.kie.api.definition.type.Role;
import org.kie.api.definition.type.Timestamp;
import java.util.Objects;

/**
 * A process called execve successfully.
 *
 * @param ts       nanoseconds since the Unix epoch
 * @param pid      the pid that exec'd
 * @param comm     the new command name
 * @param filename the path that was executed
 */
// An event fact for Drools Fusion, stamped with its own time (ms), not the insertion time.
@Role(Role.Type.EVENT)
@Timestamp("tsMillis")
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
