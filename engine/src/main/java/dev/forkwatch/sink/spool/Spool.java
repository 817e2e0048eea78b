package dev.forkwatch.sink.spool;

import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableSet;
import java.util.TreeSet;

/**
 * An on-disk queue of records that must not be lost, for any sink that delivers them later (the webhook). The
 * directory ({@link SpoolDir}) holds numbered segments ({@link SegmentWriter}, {@link SegmentReader}), the
 * {@link Cursor}, the {@link DeadLetter} file and the {@link SpoolLock}; {@link Recovery} makes them consistent at
 * open. Guarantees (docs/outputs.md): a record is wholly in a segment or not at all; an accepted record stays until
 * it is advanced past (at-least-once: duplicates after a crash or a bad cursor, never loss); a record that is not
 * JSON goes to the dead-letter file, never to {@link #peek}'s caller as an alert; a full disk refuses new records
 * but never stops delivery or the cursor.
 * Thread use: one producer calls {@link #append}; one consumer calls {@link #peek}, {@link #advance},
 * {@link #commitCursor} and {@link #deadLetter}.
 */
public final class Spool implements Closeable {
    public static final long SEGMENT_BYTES = 8L << 20;
    /** The longest record (line) taken: the reader reads this much at a time looking for a record's end. */
    public static final int MAX_RECORD_BYTES = SegmentReader.CHUNK;

    private final SpoolDir dir;
    private final SpoolLock lock;
    private final Cursor cursor;
    private final DeadLetter deadLetter;
    private final long maxBytes;
    private final boolean syncEachAppend;
    private final List<String> notes;
    private final NavigableSet<Long> segments;
    private final SegmentWriter writer;
    private final SegmentReader reader;
    private volatile boolean unsynced;

    private Cursor.Position head; // first record not yet advanced past
    private boolean cursorDirty;
    private long pendingBytes;
    private long pendingCount;

    private Spool(SpoolDir dir, SpoolLock lock, Cursor cursor, long maxBytes, boolean syncEachAppend, long segmentBytes)
            throws IOException {
        this.dir = dir;
        this.lock = lock;
        this.cursor = cursor;
        this.deadLetter = new DeadLetter(dir);
        this.maxBytes = maxBytes;
        this.syncEachAppend = syncEachAppend;
        Recovery.Result r = Recovery.run(dir, cursor.read());
        this.notes = new ArrayList<>(r.notes());
        this.segments = new TreeSet<>(r.segments());
        this.head = r.head();
        this.pendingBytes = r.pendingBytes();
        this.pendingCount = r.pendingCount();
        long next = Math.max(head.segment(), segments.isEmpty() ? 0 : segments.last()) + 1;
        this.writer = new SegmentWriter(dir, next, segmentBytes);
        segments.add(next);
        this.reader = new SegmentReader(dir, head);
        // Give the cursor its full size now, while there is room, and record the repaired position.
        try {
            cursor.write(head);
        } catch (IOException e) {
            cursorDirty = true; // retried at each commit; until then a restart resends from the old cursor
            notes.add("cannot write the cursor yet (" + e.getMessage() + "): retried as delivery goes on");
        }
        commitCursor();
    }

    /**
     * Opens (creating it 0700) the spool directory {@code path}.
     *
     * @param maxBytes       bound on undelivered records; {@link #append} refuses beyond it
     * @param syncEachAppend fdatasync each record before {@link #append} returns (else at {@link #sync})
     * @throws UnsafeSpoolException the directory or a file in it is not safe to use
     * @throws SpoolBusyException   another process uses it
     */
    public static Spool open(Path path, long maxBytes, boolean syncEachAppend) throws IOException {
        return open(path, maxBytes, syncEachAppend, SEGMENT_BYTES);
    }

    static Spool open(Path path, long maxBytes, boolean syncEachAppend, long segmentBytes) throws IOException {
        SpoolDir dir = SpoolDir.open(path);
        SpoolLock lock = null;
        Cursor cursor = null;
        try {
            lock = SpoolLock.take(dir);
            cursor = Cursor.open(dir);
            return new Spool(dir, lock, cursor, maxBytes, syncEachAppend, segmentBytes);
        } catch (IOException | RuntimeException e) {
            closeQuietly(cursor, e);
            closeQuietly(lock, e);
            closeQuietly(dir, e);
            throw e;
        }
    }

    private static void closeQuietly(Closeable c, Exception into) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException | RuntimeException e) {
                into.addSuppressed(e);
            }
        }
    }

    /** What the start found and repaired (torn tails, a bad cursor), one line each, for the log. */
    public List<String> notes() {
        return List.copyOf(notes);
    }

    /**
     * Appends one record, wholly or not at all. Returns false (nothing written) when it would take the spool past
     * its bound: the oldest records are kept. Throws (nothing written either) when the disk refuses it, or when it
     * is longer than {@link #MAX_RECORD_BYTES} (it could not be read back as one record).
     */
    public boolean append(String json, long nowMs) throws IOException {
        byte[] line = (nowMs + " " + json + "\n").getBytes(StandardCharsets.UTF_8);
        if (line.length > MAX_RECORD_BYTES) {
            throw new IOException("a record of " + line.length + " bytes is longer than the spool's limit of "
                    + MAX_RECORD_BYTES + " bytes");
        }
        synchronized (this) {
            if (pendingBytes + line.length > maxBytes) {
                return false;
            }
            if (writer.full(line.length)) {
                writer.roll();
                segments.add(writer.segment());
            }
            writer.append(line, false);
            unsynced = true;
            pendingBytes += line.length;
            pendingCount++;
        }
        if (syncEachAppend) {
            // Outside the lock, so that delivery is not held up by the disk (only this thread rolls segments). A
            // failed fsync leaves the record written and queued (a later sync retries): it is not refused.
            try {
                sync();
            } catch (IOException e) {
                // still unsynced: the next sync (group commit thread, flush, close) retries and reports it
            }
        }
        return true;
    }

    /** fdatasyncs appended records (group commit). */
    public void sync() throws IOException {
        if (unsynced) {
            unsynced = false;
            try {
                writer.sync();
            } catch (IOException e) {
                unsynced = true;
                throw e;
            }
        }
    }

    /** The first record not yet advanced past, or null when there is none. */
    public synchronized Record peek() throws IOException {
        return reader.peek(segments, writer.segment(), writer.size());
    }

    /** Marks the head record (from {@link #peek}) done: delivered or dead-lettered. */
    public synchronized void advance(Record r) {
        if (reader.take() != r) {
            throw new IllegalStateException("advance must be called with the head record");
        }
        pendingBytes -= r.end() - r.offset();
        pendingCount--;
        head = new Cursor.Position(r.segment(), r.end());
        cursorDirty = true;
    }

    /** Saves the cursor (in place) when it moved, then deletes segments wholly done. */
    public synchronized void commitCursor() throws IOException {
        // step over the ends of sealed segments so that they can go
        while (head.segment() < writer.segment() && segments.contains(head.segment())
                && head.offset() >= dir.regularSize(Segment.name(head.segment()))) {
            Long next = segments.higher(head.segment());
            if (next == null) {
                break;
            }
            head = new Cursor.Position(next, 0);
            cursorDirty = true;
        }
        if (!cursorDirty) {
            return;
        }
        cursor.write(head);
        cursorDirty = false;
        for (Long s : new TreeSet<>(segments.headSet(head.segment()))) {
            reader.release(s);
            dir.delete(Segment.name(s));
            segments.remove(s);
        }
    }

    /** Appends the record to the dead-letter file with the reason (fdatasync'd); then {@link #advance} it. */
    public synchronized void deadLetter(Record r, String reason, String time) throws IOException {
        deadLetter.append(r, reason, time);
    }

    public Path deadLetterFile() {
        return deadLetter.path();
    }

    public Path dir() {
        return dir.path();
    }

    public synchronized long pendingCount() {
        return pendingCount;
    }

    public synchronized long pendingBytes() {
        return pendingBytes;
    }

    public long maxBytes() {
        return maxBytes;
    }

    @Override
    public synchronized void close() throws IOException {
        IOException first = null;
        for (Closeable c : new Closeable[] {writer, reader, cursor, lock, dir}) {
            try {
                c.close();
            } catch (IOException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
