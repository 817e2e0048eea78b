package dev.forkwatch.alert;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The one JSON form of an alert (stdout --output json, webhook body, spool files): Falco's keys. Besides what JSON
 * requires (C0 controls), DEL, the C1 controls, U+2028/U+2029 and the bidirectional controls are written as JSON escapes
 * (backslash, u, four hex digits), so
 * that no terminal or log viewer reading the line acts on a control character from a watched process.
 */
public final class AlertJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    static {
        MAPPER.getFactory().setCharacterEscapes(new ControlEscapes());
    }
    private static final DateTimeFormatter RFC3339 =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSSSS'Z'").withZone(ZoneOffset.UTC);

    private AlertJson() {
    }

    /** RFC 3339 UTC with nine fractional digits, as Falco prints "time". */
    public static String rfc3339(long epochNs) {
        return RFC3339.format(Instant.ofEpochSecond(Math.floorDiv(epochNs, 1_000_000_000L),
                Math.floorMod(epochNs, 1_000_000_000L)));
    }

    public static ObjectNode toNode(Alert a) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("uuid", a.uuid());
        n.put("time", rfc3339(a.timeNs()));
        n.put("rule", a.rule());
        n.put("priority", a.priority().label());
        n.put("output", a.output());
        // Sorted keys: stable output, easy to diff.
        n.set("output_fields", MAPPER.valueToTree(new TreeMap<>(a.outputFields())));
        n.put("source", a.source());
        n.set("tags", MAPPER.valueToTree(a.tags()));
        n.put("hostname", a.hostname());
        return n;
    }

    /** One line of JSON, no trailing newline. */
    public static String toJson(Alert a) {
        try {
            return MAPPER.writeValueAsString(toNode(a));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise alert " + a.uuid(), e);
        }
    }

    /** Any JSON tree as one line with the escapes above (dead-letter records). */
    public static String toJson(JsonNode n) {
        try {
            return MAPPER.writeValueAsString(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise a JSON tree", e);
        }
    }

    /** Parses what {@link #toJson} wrote (spool files). */
    public static Alert fromJson(String json) throws JsonProcessingException {
        JsonNode n = MAPPER.readTree(json);
        Instant t = Instant.parse(n.path("time").asText());
        long ns = t.getEpochSecond() * 1_000_000_000L + t.getNano();
        @SuppressWarnings("unchecked")
        Map<String, Object> fields = MAPPER.convertValue(n.path("output_fields"), Map.class);
        List<String> tags = new ArrayList<>();
        n.path("tags").forEach(x -> tags.add(x.asText()));
        return new Alert(n.path("uuid").asText(), ns, n.path("rule").asText(),
                Priority.parse(n.path("priority").asText()), n.path("output").asText(), fields, tags,
                n.path("hostname").asText());
    }

    /** JSON's standard escapes plus DEL, C1, the two Unicode line separators and the bidirectional controls. */
    private static final class ControlEscapes extends CharacterEscapes {
        private final int[] ascii = standardAsciiEscapesForJSON();

        ControlEscapes() {
            ascii[0x7f] = ESCAPE_CUSTOM;
        }

        @Override
        public int[] getEscapeCodesForAscii() {
            return ascii;
        }

        @Override
        public SerializableString getEscapeSequence(int ch) {
            // The line separators and bidirectional controls as in Text.isFormatControl (alert depends on no other package).
            if (ch == 0x7f || (ch >= 0x80 && ch <= 0x9f) || ch == 0x061c || ch == 0x200e || ch == 0x200f
                    || (ch >= 0x2028 && ch <= 0x202e) || (ch >= 0x2066 && ch <= 0x2069)) {
                return new SerializedString(String.format("\\u%04X", ch));
            }
            return null;
        }
    }
}
