package dev.forkwatch.rules;

import dev.forkwatch.aggregate.KeyField;
import dev.forkwatch.alert.Priority;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A rule's metadata: {@code @priority("Warning")}, {@code @tags("process, vfork, T1106")},
 * {@code @description("...")}. Every rule that raises alerts must carry all three; {@link RulePack} checks
 * this when it compiles. A helper rule that raises no alert may say {@code @internal(true)} instead of giving a
 * priority and tags. Optional: {@code @aggregate("field, field")} names the fields that make two of the rule's
 * alerts "of a kind" for aggregation, {@code @aggregate(false)} exempts the rule (docs/outputs.md).
 *
 * @param aggregated    false for {@code @aggregate(false)}
 * @param aggregateKeys the rule's own key fields; empty for the default kind
 */
public record RuleMeta(Priority priority, List<String> tags, String description, boolean internal,
                       boolean aggregated, List<String> aggregateKeys) {
    /** Parses metadata; throws IllegalArgumentException naming what is missing or wrong. */
    public static RuleMeta parse(Map<String, Object> md) {
        Object p = md.get("priority");
        Object t = md.get("tags");
        // Drools resolves @description to the kie-api annotation's class name.
        Object d = md.containsKey("description") ? md.get("description") : md.get("org.kie.api.definition.type.Description");
        boolean internal = "true".equals(md.containsKey("internal") ? unquote(md.get("internal")) : null);
        List<String> missing = new ArrayList<>();
        if (p == null && !internal) {
            missing.add("@priority");
        }
        if (t == null && !internal) {
            missing.add("@tags");
        }
        if (d == null) {
            missing.add("@description");
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("missing metadata " + String.join(", ", missing));
        }
        if (internal) {
            // A helper rule (feeds other rules, raises no alert): it needs only a description.
            return new RuleMeta(Priority.DEBUG, List.of(), unquote(d), true, false, List.of());
        }
        Object a = md.get("aggregate");
        String agg = a == null ? "" : unquote(a).trim();
        List<String> keys = agg.isEmpty() || agg.equals("false") || agg.equals("true") ? List.of() : split(agg);
        for (String k : keys) {
            KeyField.parse(k); // a malformed field name fails at load, naming the rule
        }
        if (a != null && agg.isEmpty()) {
            throw new IllegalArgumentException("@aggregate needs field names or false");
        }
        return new RuleMeta(Priority.parse(unquote(p)), split(unquote(t)), unquote(d), false, !agg.equals("false"), keys);
    }

    private static List<String> split(String s) {
        List<String> out = new ArrayList<>();
        for (String x : s.split(",")) {
            if (!x.isBlank()) {
                out.add(x.trim());
            }
        }
        return List.copyOf(out);
    }

    private static String unquote(Object o) {
        String s = String.valueOf(o).trim();
        if (s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"")) {
            s = s.substring(1, s.length() - 1);
        }
        return s;
    }
}
