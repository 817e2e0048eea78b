package dev.forkwatch.sink.spool;

import java.io.IOException;

/** The spool directory, or a file in it, is not safe to use (owner, mode, a link, not a regular file). */
public final class UnsafeSpoolException extends IOException {
    UnsafeSpoolException(String message) {
        super(message);
    }
}
