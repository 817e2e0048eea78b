package dev.forkwatch.ruletest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forkwatch.alert.Alert;
import java.util.Map;

/**
 * One expectation record of a case: {@code expect} (an alert of the rule whose output fields include these, at
 * this time if given) or {@code expect_none} (no alert of the rule, with these fields if given). Numbers compare
 * as numbers (1 equals 1.0), everything else as JSON values; a field expected as {@code null} must be absent.
 *
 * @param where  "file:line" of the record
 * @param timeNs the alert's time in ns since the epoch, or null for any time
 */
public record Expectation(String where, boolean none, String rule, Map<String, JsonNode> fields, Long timeNs) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public Expectation {
        fields = Map.copyOf(fields);
    }

    public boolean matches(Alert a) {
        if (!a.rule().equals(rule) || timeNs != null && a.timeNs() != timeNs) {
            return false;
        }
        for (var e : fields.entrySet()) {
            Object actual = a.outputFields().get(e.getKey());
            JsonNode want = e.getValue();
            if (want.isNull()) {
                if (actual != null) {
                    return false;
                }
                continue;
            }
            if (actual == null || !same(want, JSON.valueToTree(actual))) {
                return false;
            }
        }
        return true;
    }

    private static boolean same(JsonNode want, JsonNode got) {
        if (want.isNumber() && got.isNumber()) {
            return want.decimalValue().compareTo(got.decimalValue()) == 0;
        }
        return want.equals(got);
    }

    /** The record as written, for failure messages. */
    public String describe() {
        var n = JSON.createObjectNode();
        n.put("type", none ? "expect_none" : "expect");
        n.put("rule", rule);
        if (!fields.isEmpty()) {
            var f = n.putObject("fields");
            new java.util.TreeMap<>(fields).forEach(f::set);
        }
        if (timeNs != null) {
            n.put("time", timeNs);
        }
        return n.toString() + " (" + where + ")";
    }
}
