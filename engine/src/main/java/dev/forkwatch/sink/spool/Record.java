package dev.forkwatch.sink.spool;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forkwatch.event.Text;
import java.nio.charset.StandardCharsets;

/**
 * One spooled line: {@code <spooled-at epoch ms> <JSON object>}, from {@code offset} to {@code end} (after the
 * newline) in {@code segment}.
 *
 * @param json null when the line is not that (corrupt: zero bytes, a fragment, not JSON); {@code raw} then holds
 *             it in {@link Text} form, at most {@link #RAW_MAX} bytes of it
 * @param raw  the line without its newline, in {@link Text} form (for the dead-letter file)
 */
public record Record(long segment, long offset, long end, long spooledAtMs, String json, String raw) {
    static final int RAW_MAX = 64 << 10;
    private static final ObjectMapper STRICT = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** Parses {@code len} bytes (the line without its newline) at {@code off} of {@code b}. */
    static Record parse(long segment, long offset, long end, byte[] b, int off, int len) {
        int sp = -1;
        for (int i = off; i < off + len && i < off + 20; i++) {
            if (b[i] == ' ') {
                sp = i;
                break;
            }
            if (b[i] < '0' || b[i] > '9') {
                break;
            }
        }
        if (sp > off) {
            String json = new String(b, sp + 1, off + len - sp - 1, StandardCharsets.UTF_8);
            if (isObject(json)) {
                long at = Long.parseLong(new String(b, off, sp - off, StandardCharsets.US_ASCII));
                return new Record(segment, offset, end, at, json, null);
            }
        }
        String raw = Text.fromBytes(b, off, Math.min(len, RAW_MAX)) + (len > RAW_MAX ? "...(" + len + " bytes)" : "");
        return new Record(segment, offset, end, 0, null, raw);
    }

    /** Only a whole JSON object may reach a receiver: not a fragment, not two, not zero bytes. */
    private static boolean isObject(String s) {
        if (s.isEmpty() || s.charAt(0) != '{' || s.charAt(s.length() - 1) != '}' || s.indexOf('\0') >= 0) {
            return false;
        }
        try {
            JsonNode n = STRICT.readTree(s);
            return n != null && n.isObject();
        } catch (JsonProcessingException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        return "Record[" + segment + ":" + offset + "-" + end + (json == null ? ", corrupt" : "") + "]";
    }
}
