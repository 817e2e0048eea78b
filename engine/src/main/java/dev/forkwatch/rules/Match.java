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

    /**
     * True if the last path component of {@code path} is one of {@code names}. A name ending in {@code *}
     * matches every basename that starts with the rest ({@code "php-fpm*"} matches {@code php-fpm8.2}).
     */
    public static boolean basenameIn(String path, String... names) {
        if (path == null || path.isEmpty()) {
            return false;
        }
        String base = path.substring(path.lastIndexOf('/') + 1);
        if (base.isEmpty()) {
            return false;
        }
        for (String n : names) {
            if (n.endsWith("*") ? base.startsWith(n.substring(0, n.length() - 1)) : base.equals(n)) {
                return true;
            }
        }
        return false;
    }
}
