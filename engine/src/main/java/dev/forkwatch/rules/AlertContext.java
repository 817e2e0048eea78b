package dev.forkwatch.rules;

import dev.forkwatch.event.Exec;
import dev.forkwatch.event.Vfork;
import java.util.List;
import java.util.Map;

/**
 * Falco's process, user and container fields of an alert, taken from the events (where each comes from:
 * docs/rules.md, "Context fields"). Unknown values are "" (user.loginuid: -1); a field the events cannot
 * give for this kind of alert is left out.
 */
final class AlertContext {
    /** proc.aname[N] is filled for N up to this, as far as the vfork's ancestors reach. */
    static final int ANAME_MAX = 5;
    // Vfork.ancestors() holds up to 4 (the kernel reads no further): a parent's aname[5] is never known.
    private static final int ANCESTORS = 4;

    private AlertContext() {
    }

    /**
     * The child of {@code v}. {@code exec} is the newest of its execs the rule matched, or null: a child that
     * never exec'd runs its parent's image, so its executable and command line are the parent's.
     */
    static void child(Map<String, Object> f, Vfork v, Exec exec) {
        if (exec != null) {
            f.put("proc.name", exec.comm());
            f.put("proc.exepath", exec.exePath().isEmpty() ? exec.filename() : exec.exePath());
            f.put("proc.cmdline", exec.cmdline());
            f.put("proc.args", args(exec.args()));
        } else {
            f.put("proc.exepath", v.parentExe());
            f.put("proc.cmdline", v.parentCmdline());
            f.put("proc.args", args(v.parentArgs()));
        }
        f.put("proc.pexepath", v.parentExe());
        f.put("proc.pcmdline", v.parentCmdline());
        // aname[1] is the parent (proc.pname); the ancestors list starts above it
        for (int n = 2; n <= ANAME_MAX; n++) {
            f.put("proc.aname[" + n + "]", nth(v.ancestors(), n - 2));
        }
        common(f, v);
    }

    /** The parent of {@code v}: its parent is the vfork's nearest ancestor. */
    static void parent(Map<String, Object> f, Vfork v) {
        f.put("proc.exepath", v.parentExe());
        f.put("proc.cmdline", v.parentCmdline());
        f.put("proc.args", args(v.parentArgs()));
        f.put("proc.pname", nth(v.ancestors(), 0));
        for (int n = 2; n <= ANAME_MAX && n <= ANCESTORS; n++) {
            f.put("proc.aname[" + n + "]", nth(v.ancestors(), n - 1));
        }
        common(f, v);
    }

    private static void common(Map<String, Object> f, Vfork v) {
        f.put("container.id", v.containerId());
        f.put("user.name", v.userName());
        f.put("user.loginuid", v.loginUid());
    }

    /** Falco's proc.args: the arguments after argv[0], joined by single spaces. */
    static String args(List<String> argv) {
        return argv.size() <= 1 ? "" : String.join(" ", argv.subList(1, argv.size()));
    }

    private static String nth(List<String> list, int i) {
        return i < list.size() ? list.get(i) : "";
    }
}
