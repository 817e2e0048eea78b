package dev.forkwatch.ruletest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forkwatch.source.BoundedLineReader;
import dev.forkwatch.source.TraceFormatException;
import dev.forkwatch.source.TraceLimits;
import dev.forkwatch.source.TraceReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the expectation records of a case file; the events are read by {@link TraceReader}, which skips these
 * lines. A bad record is a {@link TraceFormatException} naming {@code file:line}.
 */
public final class Expectations {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> KEYS = Set.of("type", "rule", "fields", "time");

    private Expectations() {
    }

    public static List<Expectation> read(Path file) throws IOException {
        List<Expectation> out = new ArrayList<>();
        // Bounded and strict as the trace reader is: this pass runs first, so it must not be the weaker one.
        try (InputStream in = Files.newInputStream(file)) {
            BoundedLineReader r = new BoundedLineReader(in, TraceLimits.MAX_LINE_CHARS);
            int n = 0;
            while (true) {
                String where = file + ":" + (n + 1);
                String line = r.readLine(where + ": ");
                if (line == null) {
                    break;
                }
                n++;
                // Cheap test first: a case is mostly events.
                if (line.contains("\"expect")) {
                    Expectation e = parse(line, where);
                    if (e != null) {
                        out.add(e);
                    }
                }
            }
        } catch (NoSuchFileException e) {
            throw new TraceFormatException(file + ": case file not found");
        }
        return out;
    }

    private static Expectation parse(String line, String where) {
        JsonNode n;
        try {
            n = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new TraceFormatException(where + ": malformed JSON: " + e.getOriginalMessage());
        }
        String type = n.path("type").asText("");
        boolean none = type.equals(TraceReader.EXPECT_NONE);
        if (!none && !type.equals(TraceReader.EXPECT)) {
            return null;
        }
        n.fieldNames().forEachRemaining(k -> {
            if (!KEYS.contains(k)) {
                throw new TraceFormatException(where + ": " + type + ": unknown key '" + k + "' (expected rule, fields, time)");
            }
        });
        JsonNode rule = n.get("rule");
        if (rule == null || !rule.isTextual() || rule.asText().isBlank()) {
            throw new TraceFormatException(where + ": " + type + ": 'rule' must be the rule's name");
        }
        Map<String, JsonNode> fields = new LinkedHashMap<>();
        JsonNode f = n.get("fields");
        if (f != null && !f.isNull()) {
            if (!f.isObject()) {
                throw new TraceFormatException(where + ": " + type + ": 'fields' must be an object of output fields");
            }
            f.fields().forEachRemaining(e -> fields.put(e.getKey(), e.getValue()));
        }
        Long time = null;
        JsonNode t = n.get("time");
        if (t != null && !t.isNull()) {
            if (none) {
                throw new TraceFormatException(where + ": expect_none: 'time' is for expect only");
            }
            if (!t.isIntegralNumber() || !t.canConvertToLong()) {
                throw new TraceFormatException(where + ": expect: 'time' must be an integer (ns since the epoch)");
            }
            time = t.asLong();
        }
        return new Expectation(where, none, rule.asText(), fields, time);
    }
}
