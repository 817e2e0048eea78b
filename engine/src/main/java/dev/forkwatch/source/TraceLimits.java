package dev.forkwatch.source;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;

/**
 * The limits of a trace line, documented in docs/events.md ("Limits"). They sit below Jackson's own: a line
 * longer than {@link #MAX_LINE_CHARS} never reaches the parser, and the parser is built with our nesting and
 * number limits, so every oversized input is a {@link TraceFormatException} (exit 2) naming file:line, with
 * memory bounded by the line limit. String caps are in characters of the escaped form (docs/events.md, "Strings
 * from the kernel"), about four times the kernel's byte sizes.
 */
public final class TraceLimits {
    /** One line, in characters. */
    public static final int MAX_LINE_CHARS = 1 << 20;
    /** Objects and arrays nested in one line (an event needs 2). */
    public static final int MAX_DEPTH = 16;
    /** Digits of one number (a 64-bit integer has at most 19, and a sign). */
    public static final int MAX_NUMBER_CHARS = 20;
    /** {@code ts}: 0 (1970-01-01) up to 2100-01-01T00:00:00Z, in ns. */
    public static final long MAX_TS = 4_102_444_800_000_000_000L;
    /** comm and each ancestor: the kernel's 16 bytes, escaped. */
    public static final int MAX_COMM_CHARS = 64;
    /** filename, exe_path, parent_exe: PATH_MAX (4096 bytes), escaped. */
    public static final int MAX_PATH_CHARS = 16_384;
    /** user_name and container_id. */
    public static final int MAX_NAME_CHARS = 1_024;
    /** args and parent_args: all items together, in characters (the kernel keeps 4096 bytes). */
    public static final int MAX_ARGS_CHARS = 16_384;
    /** args and parent_args: items. */
    public static final int MAX_ARGS_ITEMS = 4_096;
    /** ancestors: items. */
    public static final int MAX_ANCESTORS = 4;
    /** The highest signal number (Linux: SIGRTMAX = 64). */
    public static final int MAX_SIGNAL = 64;
    /** How much of a bad value an error message quotes. */
    static final int MAX_SHOWN = 80;

    private TraceLimits() {
    }

    /** A JSON parser factory with these limits and duplicate keys as errors. */
    static JsonFactory jsonFactory() {
        return JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(MAX_DEPTH)
                        .maxNumberLength(MAX_NUMBER_CHARS)
                        .maxStringLength(MAX_LINE_CHARS)
                        .maxNameLength(MAX_LINE_CHARS)
                        .build())
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .build();
    }
}
