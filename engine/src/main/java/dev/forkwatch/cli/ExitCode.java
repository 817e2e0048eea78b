package dev.forkwatch.cli;

/** Every exit code forkwatch uses, in one place. Documented in README.md ("Exit codes"). */
public final class ExitCode {
    /** Success. */
    public static final int OK = 0;
    /** test-rules: at least one case failed (what test runners mean by 1). */
    public static final int TEST_FAILED = 1;
    /** Bad input: a trace, rule file, config file or command-line argument. The message names the place. */
    public static final int BAD_INPUT = 2;
    /** The host cannot run live probes: not root/no CAP_BPF, no BTF, libbpf missing, probe mode unsupported. */
    public static final int ENVIRONMENT = 3;
    /** Alerts could not all be delivered before exit; they remain in the spool directory. */
    public static final int UNDELIVERED = 4;
    /** Alerts were lost: a write to stdout failed, or the spool refused alerts (full disk, spool_max_bytes). */
    public static final int ALERTS_LOST = 5;
    /** run did not stop within its grace period after SIGTERM (a rule stuck in a loop) and was halted. */
    public static final int HALTED = 6;
    /** An unexpected internal failure (a bug): sysexits' EX_SOFTWARE. The message and stack trace go to stderr. */
    public static final int INTERNAL = 70;

    private ExitCode() {
    }
}
