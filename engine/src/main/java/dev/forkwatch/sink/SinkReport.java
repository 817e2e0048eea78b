package dev.forkwatch.sink;

import java.util.ArrayList;
import java.util.List;

/**
 * What sinks say at the end of a run: summary lines for stderr, alerts still waiting (in a spool, sent on the next
 * start: exit 4) and alerts lost (never written anywhere they were bound: exit 5).
 */
public record SinkReport(List<String> lines, long pending, long lost) {
    public static final SinkReport NONE = new SinkReport(List.of(), 0, 0);

    public SinkReport {
        lines = List.copyOf(lines);
    }

    /** This report followed by {@code other}'s lines, with the counts added. */
    public SinkReport plus(SinkReport other) {
        List<String> all = new ArrayList<>(lines);
        all.addAll(other.lines);
        return new SinkReport(all, pending + other.pending, lost + other.lost);
    }
}
