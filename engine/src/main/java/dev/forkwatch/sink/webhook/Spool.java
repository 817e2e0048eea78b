package dev.forkwatch.sink.webhook;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.forkwatch.alert.AlertJson;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The on-disk queue of undelivered alerts. Layout of the spool directory:
 * <ul>
 * <li>{@code 00000000000000000001.seg}, ...: append-only segment files, one record per line:
 * {@code <spooled-at epoch ms> <alert JSON>\n}. A new segment is started at each open and when one passes
 * {@link #SEGMENT_BYTES}; older segments are never written again.</li>
 * <li>{@code cursor}: {@code <segment> <byte offset>} of the first record not yet delivered, replaced atomically
 * (write, fsync, rename). Records before it are done; segments wholly before it are deleted.</li>
 * <li>{@code dead-letter.jsonl}: alerts given up on, one JSON object per line with the reason.</li>
 * <li>{@code lock}: held (flock) while a forkwatch process uses the directory.</li>
 * </ul>
 * The cursor is saved at most every few hundred milliseconds, so after a crash a few delivered alerts may be sent
 * again (at-least-once; receivers dedupe on webhook-id). A torn last line (crash mid-write) is cut off at open.
 * Thread use: one producer calls {@link #append}, one consumer calls {@link #peek}/{@link #advance}.
 */
final class Spool implements Closeable {
    static final long SEGMENT_BYTES = 8L << 20;
    private static final String SUFFIX = ".seg";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** One spooled line. {@code json} is null when the line is corrupt ({@code raw} holds it). */
    record Record(long segment, long offset, long end, long spooledAtMs, String json, String raw) {
    }

    private final Path dir;
    private final long maxBytes;
    private final boolean syncEachAppend;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final TreeSet<Long> segments = new TreeSet<>();

    // writer (producer thread)
    private long writeSeg;
    private FileChannel writer;
    private long writeSize;
    private volatile boolean unsynced;

    // reader (consumer thread): read-ahead position, and the head = first record not yet advanced past
    private long fillSeg;
    private long fillPos;
    private FileChannel reader;
    private long readerSeg = -1;
    private final ArrayDeque<Record> readAhead = new ArrayDeque<>();
    private long headSeg;
    private long headOff;
    private boolean cursorDirty;

    private long pendingBytes;
    private long pendingCount;
    private long truncatedAtOpen;

    Spool(Path dir, long maxBytes, boolean syncEachAppend) throws IOException {
        this.dir = dir;
        this.maxBytes = maxBytes;
        this.syncEachAppend = syncEachAppend;
        if (!Files.isDirectory(dir)) {
            // alerts name processes and users: the spool is for the owner only
            try {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } catch (UnsupportedOperationException e) {
                Files.createDirectories(dir);
            }
        }
        lockChannel = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock l;
        try {
            l = lockChannel.tryLock();
        } catch (OverlappingFileLockException e) {
            l = null;
        }
        if (l == null) {
            lockChannel.close();
            throw new SpoolBusyException(dir);
        }
        lock = l;
        try {
            recover();
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Another process (or sink) holds the spool directory. */
    static final class SpoolBusyException extends IOException {
        SpoolBusyException(Path dir) {
            super("spool directory " + dir + " is in use by another forkwatch process");
        }
    }

    private void recover() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            s.map(p -> p.getFileName().toString()).filter(n -> n.matches("\\d{20}\\" + SUFFIX))
                    .forEach(n -> segments.add(Long.parseLong(n.substring(0, 20))));
        }
        long cSeg = 0;
        long cOff = 0;
        try {
            String[] c = Files.readString(dir.resolve("cursor")).trim().split(" ");
            cSeg = Long.parseLong(c[0]);
            cOff = Long.parseLong(c[1]);
        } catch (NoSuchFileException e) {
            // first use
        } catch (RuntimeException e) {
            cSeg = 0; // unreadable cursor: start from the first segment (at-least-once)
        }
        for (Long s : new TreeSet<>(segments.headSet(cSeg))) {
            Files.deleteIfExists(segPath(s)); // delivered before a crash that came between cursor save and delete
            segments.remove(s);
        }
        if (!segments.contains(cSeg)) {
            cSeg = segments.isEmpty() ? cSeg : segments.first();
            cOff = 0;
        }
        if (!segments.isEmpty()) {
            truncatedAtOpen = cutTornTail(segments.last());
        }
        for (long s : segments) {
            long size = Files.size(segPath(s));
            long from = s == cSeg ? Math.min(cOff, size) : 0;
            pendingBytes += size - from;
            pendingCount += countLines(segPath(s), from);
        }
        headSeg = cSeg;
        headOff = segments.contains(cSeg) ? cOff : 0;
        fillSeg = headSeg;
        fillPos = headOff;
        writeSeg = Math.max(cSeg, segments.isEmpty() ? 0 : segments.last()) + 1;
        openWriter();
        commitCursor(); // drops segments an earlier run delivered in full
    }

    /** Bytes cut from the end of the newest segment at open (a torn write), 0 normally. */
    long truncatedAtOpen() {
        return truncatedAtOpen;
    }

    private long cutTornTail(long seg) throws IOException {
        try (FileChannel ch = FileChannel.open(segPath(seg), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long size = ch.size();
            long pos = size;
            ByteBuffer b = ByteBuffer.allocate(8192);
            while (pos > 0) {
                int n = (int) Math.min(b.capacity(), pos);
                b.clear().limit(n);
                ch.read(b, pos - n);
                for (int i = n - 1; i >= 0; i--) {
                    if (b.get(i) == '\n') {
                        long keep = pos - n + i + 1;
                        if (keep < size) {
                            ch.truncate(keep);
                            ch.force(true);
                        }
                        return size - keep;
                    }
                }
                pos -= n;
            }
            ch.truncate(0);
            return size;
        }
    }

    private static long countLines(Path p, long from) throws IOException {
        long n = 0;
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(1 << 16);
            long pos = from;
            int r;
            while ((r = ch.read(b.clear(), pos)) > 0) {
                for (int i = 0; i < r; i++) {
                    if (b.get(i) == '\n') {
                        n++;
                    }
                }
                pos += r;
            }
        }
        return n;
    }

    private Path segPath(long seg) {
        return dir.resolve(String.format("%020d%s", seg, SUFFIX));
    }

    private void openWriter() throws IOException {
        writer = FileChannel.open(segPath(writeSeg), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
        writeSize = writer.size();
        segments.add(writeSeg);
        syncDir(); // the new file's directory entry must survive a crash too
    }

    private void syncDir() throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // some file systems cannot fsync a directory; the data files themselves are still fsync'd
        }
    }

    /**
     * Appends one alert. Returns false (nothing written) when it would take the spool past its bound: the
     * oldest alerts are kept. With per-append sync the record is fsync'd before this returns; otherwise it is
     * written (it survives a crash of this process) and fsync'd by the next {@link #sync}.
     */
    boolean append(String json, long nowMs) throws IOException {
        byte[] line = (nowMs + " " + json + "\n").getBytes(StandardCharsets.UTF_8);
        FileChannel w;
        synchronized (this) {
            if (pendingBytes + line.length > maxBytes) {
                return false;
            }
            if (writeSize > 0 && writeSize + line.length > SEGMENT_BYTES) {
                writer.force(false);
                writer.close();
                writeSeg++;
                openWriter();
            }
            ByteBuffer b = ByteBuffer.wrap(line);
            while (b.hasRemaining()) {
                writer.write(b);
            }
            if (!syncEachAppend) {
                unsynced = true;
            }
            writeSize += line.length;
            pendingBytes += line.length;
            pendingCount++;
            w = writer;
        }
        if (syncEachAppend) {
            // outside the lock, so that the delivery thread is not held up by the disk; only this (producer)
            // thread rolls segments, so w cannot be closed under us
            w.force(false);
        }
        return true;
    }

    /** fsyncs appended records (group commit). */
    void sync() throws IOException {
        if (!unsynced) {
            return;
        }
        FileChannel w;
        synchronized (this) {
            unsynced = false;
            w = writer;
        }
        try {
            w.force(false); // outside the lock: accept() is not held up by the disk
        } catch (ClosedChannelException e) {
            // rolled or closed meanwhile: that path forced it
        }
    }

    /** The first record not yet advanced past, or null when the spool is empty. */
    synchronized Record peek() throws IOException {
        if (readAhead.isEmpty()) {
            fill();
        }
        return readAhead.peek();
    }

    private void fill() throws IOException {
        while (readAhead.isEmpty()) {
            long limit = fillSeg == writeSeg ? writeSize : (segments.contains(fillSeg) ? Files.size(segPath(fillSeg)) : 0);
            if (fillPos >= limit) {
                Long next = segments.higher(fillSeg);
                if (fillSeg >= writeSeg || next == null) {
                    return;
                }
                fillSeg = next;
                fillPos = 0;
                continue;
            }
            if (readerSeg != fillSeg) {
                if (reader != null) {
                    reader.close();
                }
                reader = FileChannel.open(segPath(fillSeg), StandardOpenOption.READ);
                readerSeg = fillSeg;
            }
            int want = (int) Math.min(limit - fillPos, 1 << 20);
            ByteBuffer b = ByteBuffer.allocate(want);
            while (b.hasRemaining() && reader.read(b, fillPos + b.position()) > 0) {
                // read fully
            }
            int n = b.position();
            int start = 0;
            for (int i = 0; i < n && readAhead.size() < 1024; i++) {
                if (b.get(i) == '\n') {
                    readAhead.add(parse(fillSeg, fillPos + start, fillPos + i + 1,
                            new String(b.array(), start, i - start, StandardCharsets.UTF_8)));
                    start = i + 1;
                }
            }
            if (start == 0) {
                // no complete line in 1 MiB, or a sealed segment without a final newline: one corrupt record
                readAhead.add(parse(fillSeg, fillPos, fillPos + n, new String(b.array(), 0, n, StandardCharsets.UTF_8)));
                start = n;
            }
            fillPos += start;
        }
    }

    private static Record parse(long seg, long off, long end, String line) {
        int sp = line.indexOf(' ');
        if (sp > 0) {
            try {
                long at = Long.parseLong(line.substring(0, sp));
                String json = line.substring(sp + 1);
                if (json.startsWith("{") && json.endsWith("}")) {
                    return new Record(seg, off, end, at, json, line);
                }
            } catch (NumberFormatException e) {
                // corrupt
            }
        }
        return new Record(seg, off, end, 0, null, line);
    }

    /** Marks the head record done (delivered or dead-lettered). */
    synchronized void advance(Record r) {
        Record head = readAhead.peek();
        if (head != r) {
            throw new IllegalStateException("advance must be called with the head record");
        }
        readAhead.poll();
        pendingBytes -= r.end() - r.offset();
        pendingCount--;
        headSeg = r.segment();
        headOff = r.end();
        cursorDirty = true;
    }

    /** Saves the cursor (atomically) and deletes segments wholly delivered. */
    synchronized void commitCursor() throws IOException {
        // step over the ends of sealed segments so that they can go
        while (headSeg < writeSeg && segments.contains(headSeg) && headOff >= Files.size(segPath(headSeg))) {
            Long next = segments.higher(headSeg);
            if (next == null) {
                break;
            }
            headSeg = next;
            headOff = 0;
            cursorDirty = true;
        }
        if (!cursorDirty) {
            return;
        }
        Path tmp = dir.resolve("cursor.tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(ByteBuffer.wrap((headSeg + " " + headOff + "\n").getBytes(StandardCharsets.US_ASCII)));
            ch.force(true);
        }
        Files.move(tmp, dir.resolve("cursor"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        cursorDirty = false;
        for (Long s : new TreeSet<>(segments.headSet(headSeg))) {
            if (readerSeg == s && reader != null) {
                reader.close();
                reader = null;
                readerSeg = -1;
            }
            Files.deleteIfExists(segPath(s));
            segments.remove(s);
        }
    }

    /** Appends an alert (or a corrupt record) to dead-letter.jsonl with the reason, fsync'd. */
    synchronized void deadLetter(Record r, String reason, long nowMs) throws IOException {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("dead_lettered_at", AlertJson.rfc3339(nowMs * 1_000_000L));
        n.put("reason", reason);
        if (r.json() != null) {
            n.set("alert", MAPPER.readTree(r.json()));
        } else {
            n.put("record", r.raw());
        }
        byte[] line = (MAPPER.writeValueAsString(n) + "\n").getBytes(StandardCharsets.UTF_8);
        try (FileChannel ch = FileChannel.open(deadLetterFile(), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            ByteBuffer b = ByteBuffer.wrap(line);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(false);
        }
    }

    Path deadLetterFile() {
        return dir.resolve("dead-letter.jsonl");
    }

    Path dir() {
        return dir;
    }

    synchronized long pendingCount() {
        return pendingCount;
    }

    synchronized long pendingBytes() {
        return pendingBytes;
    }

    long maxBytes() {
        return maxBytes;
    }

    @Override
    public synchronized void close() throws IOException {
        try {
            if (writer != null) {
                writer.force(false);
                writer.close();
                if (writeSize == 0) {
                    Files.deleteIfExists(segPath(writeSeg)); // nothing written this run
                    segments.remove(writeSeg);
                }
            }
            if (reader != null) {
                reader.close();
            }
        } finally {
            lock.release();
            lockChannel.close();
        }
    }
}
