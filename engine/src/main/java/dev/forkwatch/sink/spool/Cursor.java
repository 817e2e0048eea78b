package dev.forkwatch.sink.spool;

import dev.forkwatch.event.Text;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;

/**
 * The {@code cursor} file: where delivery stands (segment, byte offset of the first record not yet done). It has
 * a fixed size of two 80-byte slots, written alternately in place and fdatasync'd, each with a sequence number
 * and a CRC-32. Overwriting blocks a file already has needs no free space, so a full disk never stops the
 * cursor from moving (the old write-then-rename needed a new block each time); a write torn by a crash spoils
 * only one slot, and the other still holds the previous position.
 */
final class Cursor implements Closeable {
    static final String FILE = "cursor";
    static final int SLOT = 80;
    private static final Pattern SLOT_TEXT = Pattern.compile("fwcursor1 ([0-9a-f]{16}) (\\d{20}) (\\d{20}) ([0-9a-f]{8}) *\n");
    private static final Pattern LEGACY = Pattern.compile("(\\d{1,18}) (\\d{1,18})\n?");

    /** A position in the spool. */
    record Position(long segment, long offset) {
        @Override
        public String toString() {
            return segment + " " + offset;
        }
    }

    /**
     * What the file held at open: {@code position} null when there was none; {@code problem} non-null when the
     * file could not be read (then position is null).
     */
    record Read(Position position, String problem) {
    }

    private final FileChannel ch;
    private final Read read;
    private long seq;

    private Cursor(FileChannel ch, Read read, long seq) {
        this.ch = ch;
        this.read = read;
        this.seq = seq;
    }

    /** Opens (or creates, 0600) the cursor file and reads it. Nothing is written until {@link #write}. */
    static Cursor open(SpoolDir dir) throws IOException {
        FileChannel ch = dir.open(FILE, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            long size = ch.size();
            if (size == 0) {
                return new Cursor(ch, new Read(null, null), 0);
            }
            ByteBuffer b = ByteBuffer.allocate((int) Math.min(size, 2 * SLOT));
            while (b.hasRemaining() && ch.read(b, b.position()) > 0) {
                // read fully
            }
            byte[] bytes = Arrays.copyOf(b.array(), b.position());
            if (size == 2 * SLOT) {
                long[] a = slot(bytes, 0);
                long[] c = slot(bytes, SLOT);
                long[] best = a == null ? c : c == null ? a : (Long.compareUnsigned(a[0], c[0]) >= 0 ? a : c);
                if (best != null) {
                    return new Cursor(ch, new Read(new Position(best[1], best[2]), null), best[0]);
                }
            } else {
                // the write-then-rename format of earlier versions: "<segment> <offset>\n"
                Matcher m = LEGACY.matcher(new String(bytes, StandardCharsets.US_ASCII));
                if (size < 40 && m.matches()) {
                    return new Cursor(ch, new Read(new Position(Long.parseLong(m.group(1)), Long.parseLong(m.group(2))), null), 0);
                }
            }
            String shown = Text.printable(Text.fromBytes(bytes, 0, Math.min(bytes.length, 48)));
            return new Cursor(ch, new Read(null, "the cursor file is unreadable ('" + shown + "', " + size + " bytes)"), 0);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** {sequence, segment, offset} of a slot whose checksum holds, or null. */
    private static long[] slot(byte[] b, int at) {
        String s = new String(b, at, SLOT, StandardCharsets.US_ASCII);
        Matcher m = SLOT_TEXT.matcher(s);
        if (!m.matches()) {
            return null;
        }
        String body = s.substring(0, m.start(4) - 1);
        if (!Long.toHexString(crc(body) | 0x1_0000_0000L).substring(1).equals(m.group(4))) {
            return null;
        }
        try {
            return new long[] {Long.parseUnsignedLong(m.group(1), 16), Long.parseLong(m.group(2)), Long.parseLong(m.group(3))};
        } catch (NumberFormatException e) {
            return null; // 20 digits past Long.MAX_VALUE
        }
    }

    private static long crc(String s) {
        CRC32 c = new CRC32();
        c.update(s.getBytes(StandardCharsets.US_ASCII));
        return c.getValue();
    }

    Read read() {
        return read;
    }

    /**
     * Saves {@code p} in the older slot and fdatasyncs it. The first write gives the file its full size (both
     * slots), so that later ones only overwrite.
     */
    void write(Position p) throws IOException {
        seq++;
        byte[] slot = text(seq, p);
        if (ch.size() != 2 * SLOT) {
            byte[] both = new byte[2 * SLOT];
            System.arraycopy(slot, 0, both, 0, SLOT);
            System.arraycopy(slot, 0, both, SLOT, SLOT);
            ch.truncate(0);
            writeAt(0, both);
            return;
        }
        writeAt((seq % 2) * SLOT, slot); // never truncated on failure: the other slot must stay
    }

    private void writeAt(long at, byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            ch.write(b, at + b.position());
        }
        ch.force(false);
    }

    static byte[] text(long seq, Position p) {
        String body = String.format("fwcursor1 %016x %020d %020d", seq, p.segment(), p.offset());
        String s = body + " " + Long.toHexString(crc(body) | 0x1_0000_0000L).substring(1);
        return (s + " ".repeat(SLOT - 1 - s.length()) + "\n").getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() throws IOException {
        ch.close();
    }
}
