package dev.forkwatch.sink.spool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableSet;
import java.util.OptionalLong;
import java.util.TreeSet;

/**
 * What a start finds in the spool, made consistent: every segment a regular file, each one's torn tail (a write
 * cut short by a crash or a full disk: bytes after the last newline) cut off, and the cursor checked against the
 * segments. A cursor that does not fit them (unreadable, a segment that is not there while older ones are, an
 * offset past the end or inside a line) is reported and replaced by the start of the oldest segment: everything
 * still on disk is delivered again (duplicates, never loss).
 */
final class Recovery {
    /**
     * @param segments  the segment numbers left, oldest first
     * @param head      the first record not yet done
     * @param cutBytes  bytes cut from torn tails
     * @param notes     what was found and repaired, for the log
     */
    record Result(NavigableSet<Long> segments, Cursor.Position head, long cutBytes, long pendingBytes,
                  long pendingCount, List<String> notes) {
    }

    private Recovery() {
    }

    static Result run(SpoolDir dir, Cursor.Read cursor) throws IOException {
        TreeSet<Long> segments = new TreeSet<>();
        for (String name : dir.names()) {
            OptionalLong n = Segment.number(name);
            if (n.isPresent()) {
                dir.regularSize(name); // a link, a FIFO, a directory named *.seg: refused, never opened
                segments.add(n.getAsLong());
            }
        }
        List<String> notes = new ArrayList<>();
        long cut = 0;
        for (long s : segments) {
            cut += cutTornTail(dir, Segment.name(s));
        }
        if (cut > 0) {
            notes.add("cut " + cut + " byte(s) of unfinished writes (a crash or a full disk) from the end of the spool");
        }
        Cursor.Position head = cursor.position();
        String problem = cursor.problem();
        if (problem == null && head != null) {
            problem = mismatch(dir, segments, head);
        }
        if (head == null && problem == null && !segments.isEmpty()) {
            problem = "there is no cursor file";
        }
        if (problem != null || head == null) {
            head = new Cursor.Position(segments.isEmpty() ? 0 : segments.first(), 0);
            if (problem == null) {
                // a new spool: nothing to say
            } else if (!segments.isEmpty()) {
                notes.add(problem + ": the spool is read again from its oldest segment; alerts delivered before may "
                        + "be sent again (receivers drop them by webhook-id)");
            } else {
                notes.add(problem + " (nothing is spooled): it is rewritten");
            }
        }
        for (Long s : new TreeSet<>(segments.headSet(head.segment()))) {
            dir.delete(Segment.name(s)); // done before a crash that came between saving the cursor and deleting
            segments.remove(s);
        }
        long bytes = 0;
        long count = 0;
        for (long s : segments) {
            String name = Segment.name(s);
            long from = s == head.segment() ? head.offset() : 0;
            bytes += dir.regularSize(name) - from;
            count += countLines(dir, name, from);
        }
        return new Result(segments, head, cut, bytes, count, notes);
    }

    /** Why {@code c} does not fit the segments on disk, or null when it does. */
    private static String mismatch(SpoolDir dir, NavigableSet<Long> segments, Cursor.Position c) throws IOException {
        String where = "the cursor (" + c + ")";
        if (segments.contains(c.segment())) {
            String name = Segment.name(c.segment());
            long size = dir.regularSize(name);
            if (c.offset() < 0 || c.offset() > size) {
                return where + " points past the end of segment " + c.segment() + " (" + size + " bytes)";
            }
            if (c.offset() > 0 && byteAt(dir, name, c.offset() - 1) != '\n') {
                return where + " points inside a record of segment " + c.segment();
            }
            return null;
        }
        // A segment that is gone can only be one the cursor was moved to (emptied and removed at exit): every
        // segment left must then be newer, and the offset 0.
        if (segments.isEmpty()) {
            return null; // nothing spooled: nothing to lose or resend
        }
        if (c.offset() != 0 || segments.first() < c.segment()) {
            return where + " names segment " + c.segment() + ", which is not there, while segments "
                    + segments.first() + ".." + segments.last() + " are";
        }
        return null;
    }

    private static int byteAt(SpoolDir dir, String name, long pos) throws IOException {
        try (FileChannel ch = dir.open(name, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            return ch.read(b, pos) == 1 ? b.get(0) : -1;
        }
    }

    private static long cutTornTail(SpoolDir dir, String name) throws IOException {
        try (FileChannel ch = dir.open(name, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            return WholeLine.cutTornTail(ch);
        }
    }

    private static long countLines(SpoolDir dir, String name, long from) throws IOException {
        long n = 0;
        try (FileChannel ch = dir.open(name, StandardOpenOption.READ)) {
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
}
