package dev.forkwatch.event;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * forkwatch's one escaping scheme for text written by the people it watches (comm, file names, arguments).
 * Documented in docs/events.md ("Strings from the kernel").
 * <ul>
 * <li>{@link #fromBytes}: kernel bytes to a field. Valid UTF-8 is kept; each byte of an invalid sequence becomes
 * {@code \xNN} (two lower-case hex digits) and a backslash becomes {@code \\}, so the field maps back to the
 * exact bytes ({@link #toBytes}). Traces store fields in this form.</li>
 * <li>{@link #printable}: a field to one line of output. C0 controls, DEL and C1 controls become {@code \xNN}
 * (C1 as {@code \u0085}-style escapes), and so do the Unicode line separators and bidirectional controls
 * ({@link #isFormatControl}), so a field can never start a new line, move the cursor, show its text in another order
 * or forge an alert. Backslashes are left alone: an escape in the field stays readable as it is.</li>
 * </ul>
 */
public final class Text {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private Text() {
    }

    /** Decodes {@code len} bytes at {@code off} as a field (see the class comment). */
    public static String fromBytes(byte[] b, int off, int len) {
        CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(b, off, len);
        CharBuffer out = CharBuffer.allocate(len);
        StringBuilder sb = new StringBuilder(len + 8);
        while (true) {
            CoderResult r = dec.decode(in, out, true);
            out.flip();
            appendEscapingBackslash(sb, out);
            out.clear();
            if (r.isError()) {
                for (int i = 0; i < r.length(); i++) {
                    hexByte(sb, in.get());
                }
            } else if (r.isUnderflow()) {
                break;
            }
        }
        return sb.toString();
    }

    public static String fromBytes(byte[] b) {
        return fromBytes(b, 0, b.length);
    }

    /** The bytes a field stands for: the inverse of {@link #fromBytes}. */
    public static byte[] toBytes(String field) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(field.length());
        int i = 0;
        int plain = 0;
        while (i < field.length()) {
            char c = field.charAt(i);
            if (c == '\\' && i + 1 < field.length()) {
                char n = field.charAt(i + 1);
                if (n == '\\' || (n == 'x' && isHex(field, i + 2) && isHex(field, i + 3))) {
                    out.writeBytes(field.substring(plain, i).getBytes(StandardCharsets.UTF_8));
                    if (n == '\\') {
                        out.write('\\');
                        i += 2;
                    } else {
                        out.write(Integer.parseInt(field.substring(i + 2, i + 4), 16));
                        i += 4;
                    }
                    plain = i;
                    continue;
                }
            }
            i++;
        }
        out.writeBytes(field.substring(plain).getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    /** A field made safe for one line of text output (see the class comment). */
    public static String printable(String s) {
        if (s == null) {
            return null;
        }
        int i = 0;
        while (i < s.length() && !isControl(s.charAt(i))) {
            i++;
        }
        if (i == s.length()) {
            return s;
        }
        StringBuilder sb = new StringBuilder(s.length() + 16).append(s, 0, i);
        for (; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                hexByte(sb, (byte) c);
            } else if ((c >= 0x80 && c <= 0x9f) || isFormatControl(c) || (Character.isSurrogate(c) && !validSurrogatePair(s, i))) {
                sb.append("\\u").append(HEX[c >> 12]).append(HEX[(c >> 8) & 0xf]).append(HEX[(c >> 4) & 0xf]).append(HEX[c & 0xf]);
            } else {
                sb.append(c);
                if (Character.isHighSurrogate(c)) {
                    sb.append(s.charAt(++i));
                }
            }
        }
        return sb.toString();
    }

    /**
     * A field or input text as an error message quotes it: at most {@code max} characters (then "..."), made
     * {@link #printable}. A message about hostile input never carries all of it, nor a control character.
     */
    public static String shown(String s, int max) {
        if (s == null) {
            return null;
        }
        int end = s.length() > max ? max : s.length();
        if (end < s.length() && end > 0 && Character.isHighSurrogate(s.charAt(end - 1))) {
            end--; // never split a pair
        }
        return printable(s.substring(0, end)) + (end < s.length() ? "..." : "");
    }

    /** True for characters {@link #printable} escapes: C0, DEL, C1, format controls, and lone surrogates. */
    public static boolean isControl(char c) {
        return c < 0x20 || (c >= 0x7f && c <= 0x9f) || isFormatControl(c) || Character.isSurrogate(c);
    }

    /**
     * The characters that change how the text around them is shown without being control characters: the line and
     * paragraph separators (U+2028, U+2029) and the bidirectional controls (U+061C, U+200E, U+200F, U+202A-U+202E,
     * U+2066-U+2069), with which a file name can make an alert read in another order ("Trojan Source").
     */
    public static boolean isFormatControl(char c) {
        return c == 0x061c || c == 0x200e || c == 0x200f || (c >= 0x2028 && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
    }

    private static boolean validSurrogatePair(String s, int i) {
        char c = s.charAt(i);
        return Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
    }

    private static boolean isHex(String s, int i) {
        return i < s.length() && Character.digit(s.charAt(i), 16) >= 0;
    }

    private static void appendEscapingBackslash(StringBuilder sb, CharBuffer chars) {
        while (chars.hasRemaining()) {
            char c = chars.get();
            if (c == '\\') {
                sb.append('\\');
            }
            sb.append(c);
        }
    }

    private static void hexByte(StringBuilder sb, byte b) {
        sb.append("\\x").append(HEX[(b >> 4) & 0xf]).append(HEX[b & 0xf]);
    }
}
