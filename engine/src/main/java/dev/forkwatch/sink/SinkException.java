package dev.forkwatch.sink;

/**
 * A sink cannot start or cannot go on. The message names the setting or path (never a header value or the
 * secret); cli/Main turns the {@link Kind} into an exit code.
 */
public final class SinkException extends RuntimeException {
    /** What went wrong, as far as the exit code is concerned. */
    public enum Kind {
        /** A setting is wrong, or a spool directory is unsafe to use (exit 2). */
        BAD_SETTING,
        /** The host does not let the sink work: a directory that cannot be created, a spool in use (exit 3). */
        UNUSABLE,
        /** Alerts were lost and the sink was told to stop then (outputs.stdout.on_error: stop; exit 5). */
        ALERTS_LOST
    }

    private final Kind kind;

    public SinkException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public SinkException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
