package dev.forkwatch.aggregate;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** One part of an alert's kind: a field, or alternatives {@code a|b} (b where a is missing or empty). */
public record KeyField(List<String> names) {
    private static final Pattern NAME = Pattern.compile("[a-z_]+(\\.[a-z_0-9]+)+(\\[[0-9]+\\])?");

    public KeyField {
        names = List.copyOf(names);
    }

    /** Parses {@code "proc.pexepath|proc.ppid"}; a malformed name is an IllegalArgumentException naming it. */
    public static KeyField parse(String text) {
        List<String> names = Arrays.stream(text.split("\\|", -1)).map(String::trim).toList();
        for (String n : names) {
            if (!NAME.matcher(n).matches()) {
                throw new IllegalArgumentException("'" + n + "' is not an alert field name (like proc.ppid)");
            }
        }
        return new KeyField(names);
    }

    /** name=value of the first name with a non-empty value (so a pid never equals a path), or "". */
    String value(Map<String, Object> fields) {
        for (String n : names) {
            Object v = fields.get(n);
            if (v != null && !v.toString().isEmpty()) {
                return n + "=" + v;
            }
        }
        return "";
    }
}
