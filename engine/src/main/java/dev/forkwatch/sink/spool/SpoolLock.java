package dev.forkwatch.sink.spool;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.StandardOpenOption;

/** The {@code lock} file, held (flock) while a process uses the spool: two processes never share one. */
final class SpoolLock implements Closeable {
    private final FileChannel ch;
    private final FileLock lock;

    private SpoolLock(FileChannel ch, FileLock lock) {
        this.ch = ch;
        this.lock = lock;
    }

    /** @throws SpoolBusyException when another process (or another sink in this one) holds it */
    static SpoolLock take(SpoolDir dir) throws IOException {
        FileChannel ch = dir.open("lock", StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock l;
        try {
            l = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            l = null;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        if (l == null) {
            ch.close();
            throw new SpoolBusyException(dir.path());
        }
        return new SpoolLock(ch, l);
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            ch.close();
        }
    }
}
