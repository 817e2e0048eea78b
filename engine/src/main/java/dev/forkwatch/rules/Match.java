package dev.forkwatch.rules;

/** Small helpers for rule conditions, imported into every rule file. */
public final class Match {
    private Match() {
    }

    /** True if {@code s} starts with any of the prefixes (use with a list parameter). */
    public static boolean startsWithAny(String s, String... prefixes) {
        if (s == null) {
            return false;
        }
        for (String p : prefixes) {
            if (s.startsWith(p)) {
                return true;
            }
        }
        return false;
    }
}
