package dev.forkwatch.event;

import org.kie.api.definition.type.Role;
import org.kie.api.definition.type.Timestamp;
/**
 * The vfork parent resumed (its child exec'd or exited).
 *
 * @param ts        nanoseconds since the Unix epoch
 * @param pid       the parent's pid
 * @param childPid  the child it waited for
 * @param blockedNs how long the parent was blocked, in nanoseconds; -1 when unknown
 */
// An event fact for Drools Fusion, stamped with its own time (ms), not the insertion time.
@Role(Role.Type.EVENT)
@Timestamp("tsMillis")
public record VforkReturn(long ts, int pid, int childPid, long blockedNs) implements Event {
    public static final String TYPE = "vfork_return";
    public static final long UNKNOWN = -1L;

    @Override
    public String type() {
        return TYPE;
    }
}
