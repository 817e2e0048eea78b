package dev.forkwatch.rules;

import dev.forkwatch.alert.Alert;
import dev.forkwatch.alert.AlertIds;
import dev.forkwatch.alert.Priority;
import dev.forkwatch.event.Event;
import dev.forkwatch.event.Exec;
import dev.forkwatch.event.Text;
import dev.forkwatch.event.Vfork;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.kie.api.runtime.rule.RuleContext;

/**
 * The alert API for rule consequences, available in every rule file as the global {@code alerts}.
 * Priority, tags and description come from the rule's metadata ({@code @priority}, {@code @tags},
 * {@code @description}); the alert time is the event time at which the rule fired ({@link #now}). In messages,
 * {@code %name} is replaced by the output field of that name (Falco style), e.g. {@code %proc.pid} or
 * {@code %proc.aname[2]}; an empty value reads {@code <NA>}. Context fields: {@link AlertContext}.
 * Extra fields are given as key/value pairs: {@code "vfork.count", $n}.
 */
public final class Alerts {
    // %proc.pid, %proc.aname[2]
    private static final Pattern FIELD = Pattern.compile("%([a-z_]+(?:\\.[a-z_]+)+(?:\\[[0-9]+])?)");
    /** How a field with no known value ("") reads in a message, as in Falco. */
    static final String NOT_AVAILABLE = "<NA>";

    private final Consumer<Alert> out;
    private final LongSupplier clockNs;
    private final String hostname;
    private final Function<String, RuleMeta> meta;
    private final RaisedIds ids;
    private long raised;

    /**
     * @param clockNs the session clock in ns: the time at which timers fire
     * @param meta    an alert rule's metadata by name, from the pack in effect (it changes at a reload)
     * @param ids     the alerts raised lately, so that a rule re-added by a reload does not raise one twice
     */
    Alerts(Consumer<Alert> out, LongSupplier clockNs, String hostname, Function<String, RuleMeta> meta, RaisedIds ids) {
        this.out = out;
        this.clockNs = clockNs;
        this.hostname = hostname;
        this.meta = meta;
        this.ids = ids;
    }

    /**
     * The event time at which a rule fired: the newest of the events it matched, or the session clock when
     * that is later (a rule fired by a timer, such as "no exec within 5 s", fires at the timer's time).
     * {@link #child} and {@link #parent} also count the vfork they are given, which may have been reached
     * through a helper fact.
     */
    public long now(RuleContext drools) {
        long t = clockNs.getAsLong();
        for (Object o : drools.getMatch().getObjects()) {
            if (o instanceof Event e && e.ts() > t) {
                t = e.ts();
            }
        }
        return t;
    }

    /**
     * An alert about the vfork child {@code v}: proc.pid is the child, proc.ppid its parent. When the rule
     * matched execs of the child, the process fields describe the newest of them.
     */
    public void child(RuleContext drools, Vfork v, String message, Object... keyValues) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("proc.pid", v.pid());
        f.put("proc.ppid", v.ppid());
        f.put("proc.name", v.comm()); // a vfork child keeps its parent's comm until it execs
        f.put("proc.pname", v.comm());
        f.put("user.uid", v.uid());
        f.put("vfork.via", v.via());
        AlertContext.child(f, v, newestExec(drools, v));
        long now = Math.max(now(drools), v.ts());
        long elapsed = now - v.ts();
        f.put("vfork.elapsed_ns", elapsed);
        f.put("vfork.elapsed", formatNanos(elapsed));
        emit(drools, now, message, f, keyValues);
    }

    /** An alert about the parent of vfork child {@code v}: proc.pid is the parent. */
    public void parent(RuleContext drools, Vfork v, String message, Object... keyValues) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("proc.pid", v.ppid());
        f.put("proc.name", v.comm());
        f.put("user.uid", v.uid());
        f.put("vfork.via", v.via());
        AlertContext.parent(f, v);
        emit(drools, Math.max(now(drools), v.ts()), message, f, keyValues);
    }

    /** The newest exec of {@code v}'s child among the facts the rule matched, or null. */
    private static Exec newestExec(RuleContext drools, Vfork v) {
        Exec newest = null;
        for (Object o : drools.getMatch().getObjects()) {
            if (o instanceof Exec x && x.pid() == v.pid() && x.ts() >= v.ts()
                    && (newest == null || x.ts() > newest.ts() || (x.ts() == newest.ts() && x.execIndex() > newest.execIndex()))) {
                newest = x;
            }
        }
        return newest;
    }

    /** An alert with only the fields given. */
    public void raise(RuleContext drools, String message, Object... keyValues) {
        emit(drools, now(drools), message, new LinkedHashMap<>(), keyValues);
    }

    /** How many alerts were raised. */
    public long count() {
        return raised;
    }

    private void emit(RuleContext drools, long timeNs, String message, Map<String, Object> fields, Object... keyValues) {
        if (keyValues.length % 2 != 0) {
            throw new IllegalArgumentException("alert fields must be key/value pairs, got " + keyValues.length + " values");
        }
        for (int i = 0; i < keyValues.length; i += 2) {
            fields.put(String.valueOf(keyValues[i]), keyValues[i + 1]);
        }
        fields.values().removeIf(java.util.Objects::isNull);
        String rule = drools.getRule().getName();
        RuleMeta meta = this.meta.apply(rule);
        if (meta == null) { // an @internal(true) helper that raises an alert after all
            meta = RuleMeta.parse(drools.getRule().getMetaData());
        }
        String output = expand(message, fields);
        // The match without its message: a rule put back by a reload may word it differently (an elapsed time).
        if (!ids.first(rule, AlertIds.match(rule, drools.getMatch().getObjects(), ""), timeNs)) {
            return;
        }
        raised++;
        out.accept(new Alert(AlertIds.match(rule, drools.getMatch().getObjects(), output), timeNs, rule, meta.priority(),
                output, fields, meta.tags(), hostname));
    }

    static String expand(String message, Map<String, Object> fields) {
        Matcher m = FIELD.matcher(message);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            Object v = fields.get(m.group(1));
            String s = v == null ? m.group() : String.valueOf(v);
            // a field value is text from the watched programs: it must never break the output's one line
            m.appendReplacement(sb, Matcher.quoteReplacement(s.isEmpty() ? NOT_AVAILABLE : Text.printable(s)));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /** 5.000s, 120ms, 3.2us: short and exact enough for a message. */
    public static String formatNanos(long ns) {
        if (ns >= 1_000_000_000L) {
            return String.format(java.util.Locale.ROOT, "%.3fs", ns / 1e9);
        }
        if (ns >= 1_000_000L) {
            return String.format(java.util.Locale.ROOT, "%.3fms", ns / 1e6);
        }
        return String.format(java.util.Locale.ROOT, "%.1fus", ns / 1e3);
    }

    /** Checks that a priority name is valid; used at rule load so a typo fails before any event. */
    static Priority priority(String s) {
        return Priority.parse(s);
    }
}
