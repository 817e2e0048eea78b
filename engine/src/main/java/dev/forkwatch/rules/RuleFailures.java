package dev.forkwatch.rules;

import dev.forkwatch.alert.Alert;
import dev.forkwatch.alert.AlertIds;
import dev.forkwatch.alert.Priority;
import dev.forkwatch.event.Text;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * The {@code Rule failed} alerts (Critical): which rule, where it is declared, what it threw. A consequence that
 * throws is reported at most once per minute of event time per rule, with the number of failures since the
 * last report; a rule disabled for a failing condition or for running away is reported once.
 */
final class RuleFailures {
    static final String RULE = "Rule failed";
    private static final long REPORT_INTERVAL_NS = 60_000_000_000L;
    private static final int MAX_ERROR_CHARS = 300;

    /** Consequence failures of one rule not yet reported. */
    private static final class Pending {
        long count;
        long lastReportNs = Long.MIN_VALUE;
        String error;
        long lastNs;
    }

    private RulePack pack;
    private final String hostname;
    private final Consumer<Alert> out;
    private final Map<String, Pending> pending = new LinkedHashMap<>();
    private long raised;
    private long failures;

    RuleFailures(RulePack pack, String hostname, Consumer<Alert> out) {
        this.pack = pack;
        this.hostname = hostname;
        this.out = out;
    }

    /** After a reload: rule locations come from {@code next}. */
    void use(RulePack next) {
        pack = next;
    }

    /** A consequence threw: that match is skipped; the rule stays on. */
    void consequence(String rule, Throwable error, long timeNs) {
        failures++;
        Pending p = pending.computeIfAbsent(rule, r -> new Pending());
        p.count++;
        p.error = describe(error);
        p.lastNs = timeNs;
        if (p.lastReportNs == Long.MIN_VALUE || timeNs - p.lastReportNs >= REPORT_INTERVAL_NS) {
            report(rule, p, timeNs);
        }
    }

    /** Rules were taken out of the session ({@code how}: "condition" or "runaway"). */
    void disabled(Collection<String> rules, String how, String error, long timeNs) {
        failures++;
        String names = String.join(", ", rules);
        String where = rules.stream().map(pack::location).collect(Collectors.joining(", "));
        String what = how.equals("runaway")
                ? "kept firing without end (" + error + ")"
                : "failed in a condition: " + error;
        String msg = (rules.size() == 1 ? "rule \"" + names + "\" (" + where + ") " : "rules \"" + names + "\" (" + where
                + ", sharing one condition) ") + what + "; disabled until the next reload";
        Map<String, Object> f = fields(names, where, how, error, 1, true);
        emit(timeNs, msg, f);
    }

    /** End of input: consequence failures counted since their last report are reported now. */
    void finish(long timeNs) {
        pending.forEach((rule, p) -> {
            if (p.count > 0) {
                report(rule, p, Math.max(timeNs, p.lastNs));
            }
        });
    }

    /** How many {@code Rule failed} alerts were raised. */
    long raised() {
        return raised;
    }

    /** How many failures there were (each skipped match, each disabling). */
    long failures() {
        return failures;
    }

    /** Exception class and message of the innermost cause, on one line, bounded. */
    /** The rules a {@code Rule failed} alert names (several when they share the condition that failed). */
    static List<String> rules(Alert a) {
        return List.of(String.valueOf(a.outputFields().get("rule.name")).split(", "));
    }

    static String describe(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String m = root.getMessage();
        String s = root.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + m.strip().lines().findFirst().orElse(""));
        s = Text.printable(s);
        return s.length() > MAX_ERROR_CHARS ? s.substring(0, MAX_ERROR_CHARS) + "…" : s;
    }

    private void report(String rule, Pending p, long timeNs) {
        String where = pack.location(rule);
        String msg = "rule \"" + rule + "\" (" + where + ") failed in its consequence: " + p.error
                + (p.count > 1 ? " (" + p.count + " times since the last report)" : "")
                + "; the match was skipped, the rule stays on";
        emit(timeNs, msg, fields(rule, where, "consequence", p.error, p.count, false));
        p.count = 0;
        p.lastReportNs = timeNs;
    }

    private static Map<String, Object> fields(String rule, String where, String how, String error, long count, boolean disabled) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("rule.name", rule);
        f.put("rule.location", where);
        f.put("rule.failure", how);
        f.put("rule.error", error);
        f.put("rule.failures", count);
        f.put("rule.disabled", disabled);
        return f;
    }

    private void emit(long timeNs, String msg, Map<String, Object> f) {
        raised++;
        out.accept(new Alert(AlertIds.engine(RULE, timeNs, f), timeNs, RULE, Priority.CRITICAL, msg, f,
                List.of("forkwatch", "rules"), hostname));
    }
}
