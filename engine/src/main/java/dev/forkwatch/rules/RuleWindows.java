package dev.forkwatch.rules;

import dev.forkwatch.config.Durations;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the time windows a rule waits over (temporal operator bounds such as {@code after[0ms, 5000ms]}, and
 * {@code over window:time(…)}) so that a window longer than {@code engine.event_retention} is reported: events
 * leave the session at the retention, so such a window silently loses the alerts it was written for.
 */
final class RuleWindows {
    private static final Pattern OPERATOR = Pattern.compile(
            "\\b(?:after|before|coincides|during|includes|finishes|finishedby|meets|metby|overlaps|overlappedby|starts|startedby)"
                    + "\\s*\\[([^\\]]*)\\]");
    private static final Pattern WINDOW = Pattern.compile("window\\s*:\\s*time\\s*\\(([^)]*)\\)");
    private static final Pattern PART = Pattern.compile("(\\d+)\\s*(ms|d|h|m|s)");

    private RuleWindows() {
    }

    /** Warnings for windows longer than {@code retentionNs} in one preprocessed file. */
    static List<RuleError> longerThan(RuleSource src, String text, long retentionNs) {
        List<RuleError> out = new ArrayList<>();
        for (Pattern p : List.of(OPERATOR, WINDOW)) {
            Matcher m = p.matcher(text);
            while (m.find()) {
                for (String bound : m.group(1).split(",")) {
                    long ms = millis(bound.trim());
                    if (ms * 1_000_000L > retentionNs) {
                        int line = (int) text.substring(0, m.start()).chars().filter(c -> c == '\n').count() + 1;
                        String rule = RulePack.ruleAt(src.text(), line);
                        out.add(new RuleError(src.name(), line, 1, (rule == null ? "" : "rule \"" + rule + "\": ")
                                + "window " + Durations.format(ms * 1_000_000L) + " is longer than engine.event_retention ("
                                + Durations.format(retentionNs) + "): events leave the session before it closes; raise "
                                + "engine.event_retention or shorten the window"));
                    }
                }
            }
        }
        return out;
    }

    /**
     * The longest window in one preprocessed file, in ms; 0 when it has none. It decides how late an event may
     * still be inserted ({@link LateEvents}). A bound written without a unit or as a variable is not counted.
     */
    static long longestMs(String text) {
        long max = 0;
        for (Pattern p : List.of(OPERATOR, WINDOW)) {
            Matcher m = p.matcher(text);
            while (m.find()) {
                for (String bound : m.group(1).split(",")) {
                    max = Math.max(max, millis(bound.trim().replaceFirst("^-\\s*", "")));
                }
            }
        }
        return max;
    }

    /** A Drools time literal ("5000ms", "1h30m", "2d") in ms; -1 for anything else (a variable, empty). */
    static long millis(String s) {
        Matcher m = PART.matcher(s);
        long total = 0;
        int end = 0;
        while (m.find() && m.start() == end) {
            if (m.group(1).length() > 12) {
                return Long.MAX_VALUE / 4; // centuries: treated as "never closes", and no overflow below
            }
            long n = Long.parseLong(m.group(1));
            total += switch (m.group(2)) {
                case "ms" -> n;
                case "s" -> n * 1000;
                case "m" -> n * 60_000;
                case "h" -> n * 3_600_000;
                default -> n * 86_400_000;
            };
            end = m.end();
        }
        return end == s.length() && end > 0 ? total : -1;
    }
}
