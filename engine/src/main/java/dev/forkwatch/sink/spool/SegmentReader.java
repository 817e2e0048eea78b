package dev.forkwatch.sink.spool;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.NavigableSet;

/**
 * Reads records ahead from a position, segment after segment, never past the end the writer has reported (so a
 * record being written, or one rolled back, is never read). A line that is not a record becomes a corrupt
 * {@link Record}; a line with no newline within 1 MiB is cut into 1 MiB corrupt records.
 */
final class SegmentReader implements Closeable {
    static final int CHUNK = 1 << 20;
    private static final int AHEAD = 1024;

    private final SpoolDir dir;
    private final ArrayDeque<Record> ahead = new ArrayDeque<>();
    private long segment;
    private long pos;
    private FileChannel ch;
    private long chSegment = -1;

    SegmentReader(SpoolDir dir, Cursor.Position from) {
        this.dir = dir;
        this.segment = from.segment();
        this.pos = from.offset();
    }

    /**
     * The next record not yet taken, or null when none is written yet.
     *
     * @param segments   the segments on disk
     * @param writing    the segment being written, and {@code writtenEnd} its good end
     */
    Record peek(NavigableSet<Long> segments, long writing, long writtenEnd) throws IOException {
        while (ahead.isEmpty()) {
            long limit = segment == writing ? writtenEnd : segments.contains(segment) ? dir.regularSize(Segment.name(segment)) : 0;
            if (pos >= limit) {
                Long next = segments.higher(segment);
                if (segment >= writing || next == null) {
                    return null;
                }
                segment = next;
                pos = 0;
                continue;
            }
            readChunk(limit);
        }
        return ahead.peek();
    }

    /** Takes the head record (the one {@link #peek} returned). */
    Record take() {
        return ahead.poll();
    }

    private void readChunk(long limit) throws IOException {
        if (chSegment != segment) {
            closeChannel();
            ch = dir.open(Segment.name(segment), StandardOpenOption.READ);
            chSegment = segment;
        }
        ByteBuffer b = ByteBuffer.allocate((int) Math.min(limit - pos, CHUNK));
        while (b.hasRemaining() && ch.read(b, pos + b.position()) > 0) {
            // read fully
        }
        byte[] a = b.array();
        int n = b.position();
        if (n == 0) {
            throw new IOException(Segment.name(segment) + " in " + dir.path() + " is shorter than expected (truncated by someone?)");
        }
        int start = 0;
        for (int i = 0; i < n && ahead.size() < AHEAD; i++) {
            if (a[i] == '\n') {
                ahead.add(Record.parse(segment, pos + start, pos + i + 1, a, start, i - start));
                start = i + 1;
            }
        }
        if (start == 0) {
            // no newline in 1 MiB, or a sealed segment that does not end in one: one corrupt record
            ahead.add(Record.parse(segment, pos, pos + n, a, 0, n));
            start = n;
        }
        pos += start;
    }

    /** Forgets a segment about to be deleted. */
    void release(long seg) throws IOException {
        if (chSegment == seg) {
            closeChannel();
        }
    }

    private void closeChannel() throws IOException {
        if (ch != null) {
            ch.close();
            ch = null;
            chSegment = -1;
        }
    }

    @Override
    public void close() throws IOException {
        closeChannel();
    }
}
