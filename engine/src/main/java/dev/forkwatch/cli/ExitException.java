package dev.forkwatch.cli;

/** Ends the program with a message on stderr and a code from {@link ExitCode}. */
public final class ExitException extends RuntimeException {
    private final int code;

    public ExitException(int code, String message) {
        super(message);
        this.code = code;
    }

    public ExitException(int code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static ExitException badInput(String message) {
        return new ExitException(ExitCode.BAD_INPUT, message);
    }
}
