package dev.forkwatch.source;

import java.io.IOException;
import java.io.Reader;

/**
 * Reads lines of at most a given length, holding no more than that in memory: a 50 MB line is refused after
 * its first {@code maxChars} characters, not read whole as {@link java.io.BufferedReader#readLine} would.
 * Lines end at \n; a \r before it is dropped.
 */
final class BoundedLineReader {
    /** Thrown when a line is longer than the limit. */
    static final class LineTooLongException extends IOException {
        LineTooLongException() {
            super("line too long");
        }
    }

    private final Reader in;
    private final int maxChars;
    private final char[] buf = new char[1 << 16];
    private int pos;
    private int end;
    private final StringBuilder line = new StringBuilder();

    BoundedLineReader(Reader in, int maxChars) {
        this.in = in;
        this.maxChars = maxChars;
    }

    /** The next line without its end, or null at the end of input. */
    String readLine() throws IOException {
        line.setLength(0);
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
            if (line.length() + (pos - start) > maxChars + 1) { // +1: a \r before the \n
                throw new LineTooLongException();
            }
            line.append(buf, start, pos - start);
            if (pos < end) {
                pos++; // the \n
                return finish();
            }
        }
    }

    private String finish() throws LineTooLongException {
        int n = line.length();
        if (n > 0 && line.charAt(n - 1) == '\r') {
            line.setLength(--n);
        }
        if (n > maxChars) {
            throw new LineTooLongException();
        }
        return line.toString();
    }
}
