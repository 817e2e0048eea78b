package dev.forkwatch.rules;

import dev.forkwatch.alert.Alert;
import dev.forkwatch.alert.AlertIds;
import dev.forkwatch.alert.Priority;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * An alert the engine raises about itself (not through rules, so no rule pack can silence it), at most once per
 * minute of event time. Occurrences are counted; each alert carries the count since the previous alert and the
 * total. Occurrences after the last alert of a run that come within a minute of it are in the summary only.
 */
final class EngineNotice {
    static final long PERIOD_NS = 60_000_000_000L;

    /** The alert text for {@code count} new occurrences, {@code total} in all. */
    interface Message {
        String text(long count, long total);
    }

    private final String rule;
    private final Priority priority;
    private final String field;
    private final Message message;
    private final String hostname;
    private final Consumer<Alert> out;
    private long total;
    private long pending;
    private long lastAlertNs = Long.MIN_VALUE;
    private long raised;

    /** @param field the output field for the count ({@code forkwatch.late}); the total is {@code field + "_total"} */
    EngineNotice(String rule, Priority priority, String field, Message message, String hostname, Consumer<Alert> out) {
        this.rule = rule;
        this.priority = priority;
        this.field = field;
        this.message = message;
        this.hostname = hostname;
        this.out = out;
    }

    /** Counts {@code n} occurrences; the alert follows at the next {@link #tick}. */
    void count(long n) {
        total += n;
        pending += n;
    }

    /**
     * The watermark moved to {@code nowNs}: raises the alert for what is pending, unless the last one was less
     * than a minute ago. Occurrences between two ticks (one drain, one trace line) thus make one alert.
     */
    void tick(long nowNs) {
        if (pending == 0 || (lastAlertNs != Long.MIN_VALUE && nowNs - lastAlertNs < PERIOD_NS)) {
            return;
        }
        Map<String, Object> f = new LinkedHashMap<>();
        f.put(field, pending);
        f.put(field + "_total", total);
        out.accept(new Alert(AlertIds.engine(rule, nowNs, f), nowNs, rule, priority, message.text(pending, total), f,
                List.of("forkwatch", "data_loss"), hostname));
        raised++;
        pending = 0;
        lastAlertNs = nowNs;
    }

    long total() {
        return total;
    }

    /** Alerts raised so far. */
    long raised() {
        return raised;
    }
}
