package dev.forkwatch.source;

/** A trace line that cannot be read; the message starts with {@code file:line:}. Exit code 2. */
public final class TraceFormatException extends RuntimeException {
    public TraceFormatException(String message) {
        super(message);
    }
}
