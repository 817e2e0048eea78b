package dev.forkwatch.event;

import org.kie.api.definition.type.Role;
import org.kie.api.definition.type.Timestamp;
import java.util.List;
import java.util.Objects;

/**
 * A child was created with vfork semantics: vfork(), or clone/clone3 with CLONE_VFORK.
 * Every field and its default in a trace: docs/events.md.
 *
 * @param ts          nanoseconds since the Unix epoch
 * @param pid         the child's pid
 * @param ppid        the parent's process id (tgid)
 * @param uid         the parent's real uid
 * @param comm        the parent's command name
 * @param via         the syscall: "vfork", "clone" or "clone3"
 * @param parentExe   the parent's executable path; "" when unknown
 * @param parentArgs  the parent's argument vector; empty when unknown
 * @param loginUid    the parent's login uid (audit); -1 when unset
 * @param ancestors   comm of up to 4 ancestors above the parent, nearest first
 * @param containerId 12 hex characters, "host" outside any container, "" when unknown
 * @param userName    the name of {@code uid}, resolved live; "" when unknown
 */
// An event fact for Drools Fusion, stamped with its own time (ms), not the insertion time.
@Role(Role.Type.EVENT)
@Timestamp("tsMillis")
public record Vfork(long ts, int pid, int ppid, int uid, String comm, String via,
                    String parentExe, List<String> parentArgs, int loginUid, List<String> ancestors,
                    String containerId, String userName) implements Event {
    public static final String TYPE = "vfork";
    public static final int NO_LOGIN_UID = -1;

    public Vfork {
        Objects.requireNonNull(comm, "comm");
        if (via == null) {
            via = "vfork";
        }
        parentExe = parentExe == null ? "" : parentExe;
        parentArgs = parentArgs == null ? List.of() : List.copyOf(parentArgs);
        ancestors = ancestors == null ? List.of() : List.copyOf(ancestors);
        containerId = containerId == null ? "" : containerId;
        userName = userName == null ? "" : userName;
    }

    /** A vfork with no context (older traces, tests): every context field at its default. */
    public Vfork(long ts, int pid, int ppid, int uid, String comm, String via) {
        this(ts, pid, ppid, uid, comm, via, "", List.of(), NO_LOGIN_UID, List.of(), "", "");
    }

    /** The parent's argument vector joined by single spaces (Falco's proc.pcmdline). */
    public String parentCmdline() {
        return String.join(" ", parentArgs);
    }

    @Override
    public String type() {
        return TYPE;
    }
}
