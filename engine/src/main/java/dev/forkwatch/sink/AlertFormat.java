package dev.forkwatch.sink;

import dev.forkwatch.alert.Alert;
import dev.forkwatch.alert.AlertJson;
import dev.forkwatch.event.Text;

/** How an alert becomes one line of stdout (no newline); kept apart from where the bytes go. */
public enum AlertFormat {
    /** {@code <time> <priority> <rule>: <output>}; every field through {@link Text#printable}, so one alert is one line. */
    TEXT {
        @Override
        public String line(Alert a) {
            return AlertJson.rfc3339(a.timeNs()) + " " + a.priority().label() + " " + Text.printable(a.rule()) + ": "
                    + Text.printable(a.output());
        }
    },
    /** Falco JSON ({@link AlertJson#toJson}): control characters, DEL and C1 are JSON escapes. */
    JSON {
        @Override
        public String line(Alert a) {
            return AlertJson.toJson(a);
        }
    };

    public abstract String line(Alert a);
}
