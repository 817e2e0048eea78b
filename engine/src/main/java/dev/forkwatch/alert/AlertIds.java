package dev.forkwatch.alert;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Alert ids derived from what the alert is about (name-based UUIDs, RFC 4122 version 3): the same input always
 * gives the same ids, so two replays of one trace print identical output and a receiver can drop an alert
 * delivered twice (e.g. again after a restart).
 */
public final class AlertIds {
    private AlertIds() {
    }

    /** An alert raised by a rule: its name, the facts it matched (their values) and its text. */
    public static String match(String rule, List<?> facts, String output) {
        StringBuilder sb = new StringBuilder("match\0").append(rule).append('\0');
        for (Object f : facts) {
            sb.append(describe(f)).append('\0');
        }
        return uuid(sb.append(output));
    }

    /** An alert that matched no facts (raised by the engine): its name, its time and its fields (the counts). */
    public static String engine(String rule, long timeNs, Map<String, ?> fields) {
        return uuid(new StringBuilder("engine\0").append(rule).append('\0').append(timeNs).append('\0')
                .append(new TreeMap<>(fields)));
    }

    /** A fact's value; an object without a value-based toString counts by its type only. */
    private static String describe(Object o) {
        if (o == null) {
            return "null";
        }
        String s = o.toString();
        String type = o.getClass().getName();
        return s.startsWith(type + "@") ? type : s; // Object.toString: the hash differs from run to run
    }

    private static String uuid(CharSequence name) {
        return UUID.nameUUIDFromBytes(name.toString().getBytes(StandardCharsets.UTF_8)).toString();
    }
}
