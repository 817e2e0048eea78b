package dev.forkwatch.source;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import dev.forkwatch.event.Event;
import dev.forkwatch.event.EventReceiver;
import dev.forkwatch.event.Exec;
import dev.forkwatch.event.Exit;
import dev.forkwatch.event.Text;
import dev.forkwatch.event.Vfork;
import dev.forkwatch.event.VforkReturn;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Set;

/**
 * Reads a trace in the JSON Lines format of docs/events.md: one event per line, snake_case keys, unknown keys
 * ignored, blank lines skipped. A {@code {"type":"clock","ts":N}} line says time reached N with no event.
 * A bad line stops the read with a {@link TraceFormatException} naming {@code file:line}; the lines before it
 * have already been delivered. Every line is checked against {@link TraceLimits} before and while it is parsed.
 */
public final class TraceReader implements EventSource {
    public static final String CLOCK = "clock";
    private static final JsonFactory JSON = TraceLimits.jsonFactory();
    /** Expectation records of a rule test case (forkwatch test-rules): a case is also a trace, replay skips them. */
    public static final String EXPECT = "expect";
    public static final String EXPECT_NONE = "expect_none";
    private static final Set<String> TYPES = Set.of(Vfork.TYPE, VforkReturn.TYPE, Exec.TYPE, Exit.TYPE, CLOCK, EXPECT, EXPECT_NONE);

    private final Path file;
    private final String name;
    private volatile boolean stopped;

    public TraceReader(Path file) {
        this.file = file;
        this.name = file.toString();
    }

    @Override
    public void run(EventReceiver receiver) throws IOException {
        InputStream in;
        try {
            in = name.equals("-") ? System.in : Files.newInputStream(file);
        } catch (NoSuchFileException e) {
            throw new TraceFormatException(name + ": trace file not found");
        } catch (IOException e) {
            throw new TraceFormatException(name + ": cannot read trace: " + e.getMessage());
        }
        try (InputStream r = in) {
            read(r, name, receiver);
        } catch (IOException e) {
            throw new TraceFormatException(name + ": cannot read trace: " + e.getMessage()); // e.g. a directory
        }
    }

    @Override
    public void stop() {
        stopped = true;
    }

    /** Reads every line of {@code r} (UTF-8); {@code name} is used in error messages. */
    void read(InputStream r, String name, EventReceiver receiver) throws IOException {
        BoundedLineReader lines = new BoundedLineReader(r, TraceLimits.MAX_LINE_CHARS);
        TraceFields f = new TraceFields();
        int lineNo = 0;
        while (!stopped) {
            String where = name + ":" + (lineNo + 1) + ": ";
            String line = lines.readLine(where);
            if (line == null) {
                return;
            }
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            f.clear();
            parse(line, f, where);
            if (f.type == null) {
                throw new TraceFormatException(where + "missing required field 'type'");
            }
            if (!TYPES.contains(f.type)) {
                throw new TraceFormatException(where + "unknown event type '" + Text.shown(f.type, TraceLimits.MAX_SHOWN)
                        + "' (expected one of vfork, vfork_return, exec, exit, clock, expect, expect_none)");
            }
            if (f.type.equals(EXPECT) || f.type.equals(EXPECT_NONE)) {
                continue;
            }
            long ts = f.ts(where);
            if (f.type.equals(CLOCK)) {
                receiver.clock(ts);
                continue;
            }
            receiver.event(f.event(ts, where));
        }
    }

    private static void parse(String line, TraceFields f, String where) throws IOException {
        try (JsonParser p = JSON.createParser(line)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new TraceFormatException(where + "expected a JSON object, one event per line");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                JsonToken v = p.nextToken();
                f.set(key, v, p, where);
            }
            if (p.nextToken() != null) {
                throw new TraceFormatException(where + "text after the JSON object");
            }
        } catch (StreamConstraintsException e) {
            throw new TraceFormatException(where + limitMessage(e));
        } catch (JsonParseException e) {
            String m = e.getOriginalMessage();
            throw new TraceFormatException(where + (m.startsWith("Duplicate field") ? "duplicate key" + m.substring(15)
                    : "malformed JSON: " + Text.shown(m, 200)));
        }
    }

    /** Our words for the parser's limits (set from {@link TraceLimits}). */
    private static String limitMessage(StreamConstraintsException e) {
        String m = String.valueOf(e.getOriginalMessage());
        if (m.contains("Number value length")) {
            return "number longer than " + TraceLimits.MAX_NUMBER_CHARS + " characters";
        }
        if (m.contains("nesting depth")) {
            return "JSON nested deeper than " + TraceLimits.MAX_DEPTH + " levels";
        }
        return "too large: " + Text.shown(m, 200);
    }
}
