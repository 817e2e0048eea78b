package dev.forkwatch.config;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses the duration syntax used in config and on the command line: 5s, 100ms, 2m, 1h, 250us, 10ns. */
public final class Durations {
    private static final Pattern P = Pattern.compile("(\\d+)(ns|us|ms|s|m|h)");

    private Durations() {
    }

    /** Nanoseconds; throws IllegalArgumentException with a message naming the expected form. */
    public static long parseNanos(String text) {
        Matcher m = P.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("expected a duration like 5s, 100ms, 2m or 1h, got '" + ConfigSchema.shown(text) + "'");
        }
        if (m.group(1).length() > 18) {
            throw outOfRange(text);
        }
        long n = Long.parseLong(m.group(1));
        long unit = switch (m.group(2)) {
            case "ns" -> 1L;
            case "us" -> 1_000L;
            case "ms" -> 1_000_000L;
            case "s" -> 1_000_000_000L;
            case "m" -> 60_000_000_000L;
            default -> 3_600_000_000_000L;
        };
        try {
            return Math.multiplyExact(n, unit);
        } catch (ArithmeticException e) {
            throw outOfRange(text);
        }
    }

    private static IllegalArgumentException outOfRange(String text) {
        return new IllegalArgumentException("duration '" + ConfigSchema.shown(text) + "' is too long: at most "
                + (Long.MAX_VALUE / 3_600_000_000_000L) + "h (2^63 ns)");
    }

    public static java.time.Duration parse(String text) {
        return java.time.Duration.ofNanos(parseNanos(text));
    }

    /** A duration as Drools temporal operators accept it (milliseconds). */
    public static String drools(long nanos) {
        return (nanos / 1_000_000L) + "ms";
    }

    /** The shortest exact form in the config's syntax: 5s, 100ms, 2m, 1h, 250us, 10ns (as a user would write it). */
    public static String format(long nanos) {
        long[] units = {3_600_000_000_000L, 60_000_000_000L, 1_000_000_000L, 1_000_000L, 1_000L};
        String[] names = {"h", "m", "s", "ms", "us"};
        for (int i = 0; i < units.length; i++) {
            if (nanos != 0 && nanos % units[i] == 0) {
                return nanos / units[i] + names[i];
            }
        }
        return nanos + "ns";
    }
}
