package dev.forkwatch.sink.spool;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;

/**
 * Appends records to the newest segment, each wholly or not at all ({@link WholeLine}): a record refused by a
 * full disk leaves nothing behind, and the next one is written where it would have started. Rolls to a new
 * segment past {@code segmentBytes}. Used by one (producer) thread; {@link #sync} may come from another.
 */
final class SegmentWriter implements Closeable {
    private final SpoolDir dir;
    private final long segmentBytes;
    private long segment;
    private volatile FileChannel ch;
    private long size;

    SegmentWriter(SpoolDir dir, long segment, long segmentBytes) throws IOException {
        this.dir = dir;
        this.segmentBytes = segmentBytes;
        this.segment = segment;
        this.ch = create(segment);
    }

    private FileChannel create(long seg) throws IOException {
        FileChannel c = dir.open(Segment.name(seg), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        dir.sync(); // the new entry must survive a crash too
        return c;
    }

    /** True when {@code len} more bytes would take a non-empty segment past its size: {@link #roll} first. */
    boolean full(int len) {
        return size > 0 && size + len > segmentBytes;
    }

    /** Seals the current segment (fsync'd) and starts the next; on failure the current one stays in use. */
    void roll() throws IOException {
        FileChannel next = create(segment + 1);
        FileChannel old = ch;
        ch = next;
        segment++;
        size = 0;
        try {
            old.force(false);
        } finally {
            old.close();
        }
    }

    /** Writes one line at the end; on failure the segment is as it was and the exception is thrown. */
    void append(byte[] line, boolean force) throws IOException {
        size = WholeLine.write(ch, size, line, force);
    }

    /** fdatasyncs what was appended (group commit). */
    void sync() throws IOException {
        try {
            ch.force(false);
        } catch (ClosedChannelException e) {
            // rolled meanwhile: roll() forced it
        }
    }

    long segment() {
        return segment;
    }

    long size() {
        return size;
    }

    /** Closes; a segment nothing was written to is removed. */
    @Override
    public void close() throws IOException {
        try {
            ch.force(false);
        } finally {
            ch.close();
            if (size == 0) {
                dir.delete(Segment.name(segment));
            }
        }
    }
}
