package dev.forkwatch.source;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads UTF-8 lines of at most a given length, holding no more than that in memory: a 50 MB line is refused after
 * its first {@code maxChars} characters' worth of bytes, not read whole as {@link java.io.BufferedReader#readLine}
 * would. Each line is decoded on its own with a decoder that reports malformed input, so bytes that are not UTF-8
 * are refused at their line instead of becoming U+FFFD (a reader decodes ahead, so its error has no line). Lines
 * end at \n; a \r before it is dropped.
 */
public final class BoundedLineReader {
    /** Thrown when a line is longer than the limit. */
    static final class LineTooLongException extends IOException {
        LineTooLongException() {
            super("line too long");
        }
    }

    /** Thrown when a line is not valid UTF-8. */
    static final class MalformedLineException extends IOException {
        MalformedLineException(int byteOffset) {
            super("not valid UTF-8 at byte " + byteOffset + " of the line");
        }
    }

    private final InputStream in;
    private final int maxChars;
    /** UTF-8 takes at most 3 bytes per char (4 for a surrogate pair): a line over this is too long whatever it holds. */
    private final long maxBytes;
    private final byte[] buf = new byte[1 << 16];
    private int pos;
    private int end;
    private byte[] line = new byte[256];
    private int lineLen;
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);

    public BoundedLineReader(InputStream in, int maxChars) {
        this.in = in;
        this.maxChars = maxChars;
        this.maxBytes = 3L * maxChars + 1; // +1: a \r before the \n
    }

    /**
     * The next line without its end, or null at the end of input; a line too long or not UTF-8 is a
     * {@link TraceFormatException} whose message starts with {@code where} ("file:line: ").
     */
    public String readLine(String where) throws IOException {
        try {
            return readLine();
        } catch (LineTooLongException e) {
            throw new TraceFormatException(where + "line longer than " + maxChars + " characters");
        } catch (MalformedLineException e) {
            throw new TraceFormatException(where + e.getMessage());
        }
    }

    /** The next line without its end, or null at the end of input. */
    String readLine() throws IOException {
        lineLen = 0;
        boolean any = false;
        while (true) {
            if (pos == end) {
                end = in.read(buf, 0, buf.length);
                pos = 0;
                if (end <= 0) {
                    end = 0;
                    return any ? finish() : null;
                }
            }
            any = true;
            int start = pos;
            while (pos < end && buf[pos] != '\n') {
                pos++;
            }
            append(start, pos - start);
            if (pos < end) {
                pos++; // the \n
                return finish();
            }
        }
    }

    private void append(int from, int n) throws LineTooLongException {
        if (lineLen + (long) n > maxBytes) {
            throw new LineTooLongException();
        }
        if (lineLen + n > line.length) {
            line = Arrays.copyOf(line, (int) Math.min(maxBytes, Math.max(lineLen + n, 2L * line.length)));
        }
        System.arraycopy(buf, from, line, lineLen, n);
        lineLen += n;
    }

    private String finish() throws IOException {
        int n = lineLen;
        if (n > 0 && line[n - 1] == '\r') {
            n--;
        }
        ByteBuffer bytes = ByteBuffer.wrap(line, 0, n);
        CharBuffer chars = CharBuffer.allocate(n); // UTF-8 never decodes to more chars than bytes
        utf8.reset();
        CoderResult r = utf8.decode(bytes, chars, true);
        if (r.isError()) {
            throw new MalformedLineException(bytes.position() + 1);
        }
        r = utf8.flush(chars);
        if (r.isError()) {
            throw new MalformedLineException(bytes.position() + 1);
        }
        if (chars.position() > maxChars) {
            throw new LineTooLongException();
        }
        return chars.flip().toString();
    }
}
