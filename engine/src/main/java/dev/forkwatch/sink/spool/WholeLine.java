package dev.forkwatch.sink.spool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Lines in a file, wholly or not at all: a failed write (full disk, I/O error) is cut back off at once, and a line
 * cut short by a crash is cut off when the file is next opened.
 */
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

    /** Truncates the file after its last newline (a line cut short by a crash); returns the bytes cut. */
    static long cutTornTail(FileChannel ch) throws IOException {
        long size = ch.size();
        long pos = size;
        ByteBuffer b = ByteBuffer.allocate(8192);
        while (pos > 0) {
            int n = (int) Math.min(b.capacity(), pos);
            b.clear().limit(n);
            while (b.hasRemaining() && ch.read(b, pos - n + b.position()) > 0) {
                // read fully
            }
            for (int i = n - 1; i >= 0; i--) {
                if (b.get(i) == '\n') {
                    return cutTo(ch, size, pos - n + i + 1);
                }
            }
            pos -= n;
        }
        return cutTo(ch, size, 0);
    }

    private static long cutTo(FileChannel ch, long size, long keep) throws IOException {
        if (keep < size) {
            ch.truncate(keep);
            ch.force(true);
        }
        return size - keep;
    }
}
