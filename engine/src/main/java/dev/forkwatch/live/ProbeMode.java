package dev.forkwatch.live;

import java.util.Locale;

/** How the vfork syscalls are hooked (config live.probe, option --probe). */
public enum ProbeMode {
    /** kprobes when the kernel has them, otherwise tracepoints. */
    AUTO,
    /** The raw sys_enter/sys_exit tracepoints (BTF, no tracefs needed): works on every BTF kernel. */
    TRACEPOINT,
    /** kprobes on the vfork/clone/clone3 syscall functions only: other syscalls pay nothing. */
    KPROBE;

    public static ProbeMode parse(String s) {
        return valueOf(s.trim().toUpperCase(Locale.ROOT));
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
