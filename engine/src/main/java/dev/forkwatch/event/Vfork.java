package dev.forkwatch.event;

import org.kie.api.definition.type.Role;
import org.kie.api.definition.type.Timestamp;
import java.util.Objects;

/**
 * A child was created with vfork semantics: vfork(), or clone/clone3 with CLONE_VFORK.
 *
 * @param ts   nanoseconds since the Unix epoch
 * @param pid  the child's pid
 * @param ppid the parent's process id (tgid)
 * @param uid  the parent's real uid
 * @param comm the parent's command name
 * @param via  the syscall: "vfork", "clone" or "clone3"
 */
// An event fact for Drools Fusion, stamped with its own time (ms), not the insertion time.
@Role(Role.Type.EVENT)
@Timestamp("tsMillis")
public record Vfork(long ts, int pid, int ppid, int uid, String comm, String via) implements Event {
    public static final String TYPE = "vfork";

    public Vfork {
        Objects.requireNonNull(comm, "comm");
        if (via == null) {
            via = "vfork";
        }
    }

    @Override
    public String type() {
        return TYPE;
    }
}
