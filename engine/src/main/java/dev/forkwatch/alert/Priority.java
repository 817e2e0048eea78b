package dev.forkwatch.alert;

import java.util.Locale;

/** Alert priority on Falco's scale, most severe first. */
public enum Priority {
    EMERGENCY, ALERT, CRITICAL, ERROR, WARNING, NOTICE, INFORMATIONAL, DEBUG;

    /** The name as Falco prints it: "Warning", "Critical", ... */
    public String label() {
        String n = name().toLowerCase(Locale.ROOT);
        return Character.toUpperCase(n.charAt(0)) + n.substring(1);
    }

    /** Parses a priority name, case-insensitive; "info" is accepted for Informational as Falco does. */
    public static Priority parse(String s) {
        String n = s.trim().toUpperCase(Locale.ROOT);
        if (n.equals("INFO")) {
            return INFORMATIONAL;
        }
        for (Priority p : values()) {
            if (p.name().equals(n)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown priority '" + s + "' (expected one of Emergency, Alert, "
                + "Critical, Error, Warning, Notice, Informational, Debug)");
    }
}
