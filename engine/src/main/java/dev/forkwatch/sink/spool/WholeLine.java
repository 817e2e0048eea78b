package dev.forkwatch.sink.spool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/** Writes a line into a file wholly or not at all: a failed write (full disk, I/O error) is cut back off. */
final class WholeLine {
    private WholeLine() {
    }

    /**
     * Writes {@code line} at {@code at} (the end of the good data) and, with {@code force}, fdatasyncs it. On any
     * failure the file is truncated back to {@code at} before the exception is rethrown; if even that fails, the
     * bytes past {@code at} are not a line the readers will take (they read up to the known end, and a start
     * cuts a tail without a newline), and the next write at {@code at} overwrites them.
     *
     * @return the new end, {@code at + line.length}
     */
    static long write(FileChannel ch, long at, byte[] line, boolean force) throws IOException {
        try {
            ByteBuffer b = ByteBuffer.wrap(line);
            while (b.hasRemaining()) {
                ch.write(b, at + b.position());
            }
            if (force) {
                ch.force(false);
            }
            return at + line.length;
        } catch (IOException | RuntimeException e) {
            try {
                ch.truncate(at);
            } catch (IOException | RuntimeException e2) {
                e.addSuppressed(e2);
            }
            throw e;
        }
    }
}
