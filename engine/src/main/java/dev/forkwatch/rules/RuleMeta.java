package dev.forkwatch.rules;

import dev.forkwatch.alert.Priority;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.kie.api.definition.rule.Rule;

/**
 * A rule's metadata: {@code @priority("Warning")}, {@code @tags("process, vfork, T1106")},
 * {@code @description("...")}. Every rule that raises alerts must carry all three; {@link RulePack} checks
 * this when it compiles. A helper rule that raises no alert may say {@code @internal(true)} instead of giving a
 * priority and tags.
 */
public record RuleMeta(Priority priority, List<String> tags, String description, boolean internal) {
    private static final Map<Rule, RuleMeta> CACHE = new ConcurrentHashMap<>();

    public static RuleMeta of(Rule rule) {
        return CACHE.computeIfAbsent(rule, r -> parse(r.getMetaData()));
    }

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
            return new RuleMeta(Priority.DEBUG, List.of(), unquote(d), true);
        }
        List<String> tags = new ArrayList<>();
        for (String s : unquote(t).split(",")) {
            if (!s.isBlank()) {
                tags.add(s.trim());
            }
        }
        return new RuleMeta(Priority.parse(unquote(p)), List.copyOf(tags), unquote(d), false);
    }

    private static String unquote(Object o) {
        String s = String.valueOf(o).trim();
        if (s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"")) {
            s = s.substring(1, s.length() - 1);
        }
        return s;
    }
}
