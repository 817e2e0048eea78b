package dev.forkwatch.rules;

import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * The matches (rule and matched facts, as {@link dev.forkwatch.alert.AlertIds} names them) that raised an alert within
 * engine.event_retention. A rule that a reload put back into the KieBase sees the facts already in the session and
 * matches again what it matched before: such a match raises no second alert. Facts leave the session after the
 * retention, so older matches cannot come again.
 */
final class RaisedIds {
    /** Ids kept at most, whatever the alert rate: about 10 MB. */
    static final int MAX = 100_000;

    private final long keepNs;
    private final LongSupplier clockNs;
    private final LinkedHashMap<String, Long> recent = new LinkedHashMap<>();
    private final Set<String> readded = new HashSet<>();
    private long suppressed;

    RaisedIds(long keepNs, LongSupplier clockNs) {
        this.keepNs = keepNs;
        this.clockNs = clockNs;
    }

    /** Rules a reload added to the live KieBase: their alerts are checked from now on. */
    void readded(Set<String> rules) {
        readded.addAll(rules);
    }

    /** Records the match; false when the rule was put back by a reload and this match raised an alert before. */
    boolean first(String rule, String id, long timeNs) {
        long cutoff = clockNs.getAsLong() - keepNs;
        Iterator<Map.Entry<String, Long>> it = recent.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<String, Long> oldest = it.next();
            if (oldest.getValue() >= cutoff && recent.size() < MAX) {
                break;
            }
            it.remove();
        }
        if (readded.contains(rule) && recent.containsKey(id)) {
            suppressed++;
            return false;
        }
        recent.put(id, timeNs);
        return true;
    }

    /** Alerts not raised again after a reload. */
    long suppressed() {
        return suppressed;
    }
}
