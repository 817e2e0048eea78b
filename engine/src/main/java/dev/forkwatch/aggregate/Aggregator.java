package dev.forkwatch.aggregate;

import dev.forkwatch.alert.Alert;
import dev.forkwatch.alert.AlertIds;
import dev.forkwatch.alert.AlertJson;
import dev.forkwatch.alert.Priority;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.function.Consumer;

/**
 * Collapses floods of alerts of one kind, hiding nothing: the first alert of a kind is passed on at once and
 * opens a window of fixed length (event time); further alerts of that kind within the window are counted, not
 * passed on; when the window closes with a count above zero, one summary alert (same rule and priority, timed at
 * the window's end, the last held-back alert's fields plus {@code alert.suppressed}, {@code alert.first_time},
 * {@code alert.last_time}) is passed on. A kind is the rule plus the values of its key fields.
 *
 * <p>Sits between the rule engine's {@code Consumer<Alert>} and the sinks. Time comes from the alerts and from
 * {@link #advance} (the engine's clock), never from the wall: the same input gives the same output. Rules with no
 * keys (unknown to the pack: engine alerts such as "Events dropped") and alerts of priority Critical and above
 * pass straight through. Not thread-safe: the engine thread calls it.
 */
public final class Aggregator implements Consumer<Alert> {
    /** The default kind: the parent's executable (its pid when unknown), the container and the uid. */
    public static final List<String> DEFAULT_KEYS = List.of("proc.pexepath|proc.ppid", "container.id", "user.uid");

    /** Told how many alerts of a rule were held back (for the metrics). */
    public interface Listener {
        void heldBack(String rule);
    }

    private record Kind(String rule, List<String> values) {
    }

    private static final class Window {
        final Kind kind;
        final long startNs;
        final long endNs;
        final long seq;
        long count;
        long firstNs;
        Alert last;

        Window(Kind kind, long startNs, long endNs, long seq) {
            this.kind = kind;
            this.startNs = startNs;
            this.endNs = endNs;
            this.seq = seq;
        }
    }

    private final long windowNs;
    private final int maxKinds;
    private final Map<String, List<KeyField>> keysByRule = new HashMap<>();
    private final Consumer<Alert> out;
    private final Listener listener;
    private final Map<Kind, Window> open = new HashMap<>();
    private final PriorityQueue<Window> byEnd = new PriorityQueue<>(
            Comparator.<Window>comparingLong(w -> w.endNs).thenComparingLong(w -> w.seq));
    private long seq;
    private long clockNs = Long.MIN_VALUE;
    private long heldBack;
    private long summaries;

    /**
     * @param windowNs   window length, above 0
     * @param maxKinds   open windows at most; past it the window closing soonest is closed early (summary sent)
     * @param keysByRule the rules to aggregate and their key fields ({@code "a|b"}: a, or b where a is empty)
     * @param out        where alerts and summaries go
     */
    public Aggregator(long windowNs, int maxKinds, Map<String, List<String>> keysByRule, Consumer<Alert> out,
                      Listener listener) {
        if (windowNs <= 0 || maxKinds <= 0) {
            throw new IllegalArgumentException("window and max kinds must be above 0");
        }
        this.windowNs = windowNs;
        this.maxKinds = maxKinds;
        rules(keysByRule);
        this.out = out;
        this.listener = listener;
    }

    /** After a reload: the rules to aggregate now; windows already open close as they would have. */
    public void rules(Map<String, List<String>> keysByRule) {
        this.keysByRule.clear();
        keysByRule.forEach((rule, keys) -> this.keysByRule.put(rule, keys.stream().map(KeyField::parse).toList()));
    }

    @Override
    public void accept(Alert a) {
        advance(a.timeNs());
        List<KeyField> keys = keysByRule.get(a.rule());
        if (keys == null || a.priority().compareTo(Priority.CRITICAL) <= 0) {
            out.accept(a);
            return;
        }
        Kind kind = new Kind(a.rule(), keys.stream().map(k -> k.value(a.outputFields())).toList());
        Window w = open.get(kind);
        if (w != null) {
            if (w.count++ == 0) {
                w.firstNs = a.timeNs();
            }
            w.last = a;
            heldBack++;
            listener.heldBack(a.rule());
            return;
        }
        if (open.size() >= maxKinds) {
            close(byEnd.poll(), clockNs);
        }
        w = new Window(kind, a.timeNs(), a.timeNs() + windowNs, seq++);
        open.put(kind, w);
        byEnd.add(w);
        out.accept(a);
    }

    /** Event time has reached {@code nowNs}: every window that ended by then is closed. */
    public void advance(long nowNs) {
        if (nowNs <= clockNs) {
            return;
        }
        clockNs = nowNs;
        while (!byEnd.isEmpty() && byEnd.peek().endNs <= nowNs) {
            Window w = byEnd.poll();
            close(w, w.endNs);
        }
    }

    /** End of input: every open window is closed now, its summary timed at the end of time seen. */
    public void flush() {
        while (!byEnd.isEmpty()) {
            Window w = byEnd.poll();
            close(w, Math.max(w.last == null ? w.startNs : w.last.timeNs(), Math.min(w.endNs, clockNs)));
        }
    }

    /** Alerts counted and not passed on. */
    public long heldBack() {
        return heldBack;
    }

    /** Summary alerts passed on. */
    public long summaries() {
        return summaries;
    }

    private void close(Window w, long atNs) {
        open.remove(w.kind);
        if (w.count == 0) {
            return;
        }
        Alert last = w.last;
        Map<String, Object> f = new LinkedHashMap<>(last.outputFields());
        f.put("alert.suppressed", w.count);
        f.put("alert.first_time", AlertJson.rfc3339(w.firstNs));
        f.put("alert.last_time", AlertJson.rfc3339(last.timeNs()));
        String output = w.count + " more like this in " + duration(atNs - w.startNs) + "; the last: " + last.output();
        summaries++;
        out.accept(new Alert(AlertIds.engine(last.rule(), atNs, f), atNs, last.rule(), last.priority(), output, f,
                last.tags(), last.hostname()));
    }

    /** 60s, 250ms, 24.159s: as a duration is written in the config where it is exact, else seconds. */
    static String duration(long ns) {
        if (ns % 1_000_000_000L == 0) {
            return ns / 1_000_000_000L + "s";
        }
        if (ns < 1_000_000_000L && ns % 1_000_000L == 0) {
            return ns / 1_000_000L + "ms";
        }
        return String.format(java.util.Locale.ROOT, "%.3fs", ns / 1e9);
    }
}
