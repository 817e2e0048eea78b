package dev.forkwatch.event;

import org.kie.api.definition.type.Role;
import org.kie.api.definition.type.Timestamp;
import java.util.List;
import java.util.Objects;

/**
 * A process called execve successfully. Every field and its default in a trace: docs/events.md.
 *
 * @param ts           nanoseconds since the Unix epoch
 * @param pid          the pid that exec'd
 * @param comm         the new command name
 * @param filename     the path that was executed, as passed to execve
 * @param args         the argument vector (capped; see docs/events.md); empty when unknown
 * @param execIndex    1 for the first exec after the vfork, 2 for the next, ...
 * @param euid         the effective uid after the exec (setuid applied); -1 when unknown
 * @param exeFromMemfd the executable is a memfd (fexecve of memory)
 * @param exeDeleted   the executable's file was unlinked
 * @param exePath      the executable's full path, resolved in the kernel; "" when unknown
 * @param argsTruncated {@code args} was cut at its byte or count cap (docs/events.md)
 */
// An event fact for Drools Fusion, stamped with its own time (ms), not the insertion time.
@Role(Role.Type.EVENT)
@Timestamp("tsMillis")
public record Exec(long ts, int pid, String comm, String filename, List<String> args, int execIndex, int euid,
                   boolean exeFromMemfd, boolean exeDeleted, String exePath, boolean argsTruncated) implements Event {
    public static final String TYPE = "exec";
    public static final int UNKNOWN_UID = -1;

    public Exec {
        Objects.requireNonNull(comm, "comm");
        Objects.requireNonNull(filename, "filename");
        args = args == null ? List.of() : List.copyOf(args);
        exePath = exePath == null ? "" : exePath;
    }

    /** An exec with no context (older traces, tests): the first exec, every other field at its default. */
    public Exec(long ts, int pid, String comm, String filename) {
        this(ts, pid, comm, filename, List.of(), 1, UNKNOWN_UID, false, false, "", false);
    }

    /** An exec whose args were not cut. */
    public Exec(long ts, int pid, String comm, String filename, List<String> args, int execIndex, int euid,
                boolean exeFromMemfd, boolean exeDeleted, String exePath) {
        this(ts, pid, comm, filename, args, execIndex, euid, exeFromMemfd, exeDeleted, exePath, false);
    }

    /** The argument vector joined by single spaces (Falco's proc.cmdline). */
    public String cmdline() {
        return String.join(" ", args);
    }

    @Override
    public String type() {
        return TYPE;
    }
}
