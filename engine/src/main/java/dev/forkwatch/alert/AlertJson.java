package dev.forkwatch.alert;

import com.fasterxml.jackson.core.JsonProcessingException;
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

/** The one JSON form of an alert (stdout --output json, webhook body, spool files): Falco's keys. */
public final class AlertJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();
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
}
