package dev.forkwatch.sink.spool;

import java.io.IOException;
import java.nio.file.Path;

/** Another process (or sink) holds the spool directory. */
public final class SpoolBusyException extends IOException {
    SpoolBusyException(Path dir) {
        super("spool directory " + dir + " is in use by another forkwatch process");
    }
}
