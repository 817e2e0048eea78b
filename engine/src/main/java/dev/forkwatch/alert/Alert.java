package dev.forkwatch.alert;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One alert raised by a rule. Field names follow Falco's JSON output so that Falco tooling can consume it.
 *
 * @param uuid         unique id, stable for the life of the alert (also the webhook-id)
 * @param timeNs       event time at which the rule fired, nanoseconds since the Unix epoch
 * @param rule         the rule name
 * @param priority     Falco-scale priority
 * @param output       the human-readable message
 * @param outputFields Falco-style fields: proc.pid, proc.ppid, proc.name, ..., vfork.*
 * @param tags         tags, including MITRE ATT&amp;CK ids
 * @param hostname     the host that produced the alert
 */
public record Alert(String uuid, long timeNs, String rule, Priority priority, String output,
                    Map<String, Object> outputFields, List<String> tags, String hostname) {
    public static final String SOURCE = "forkwatch";

    public Alert {
        Objects.requireNonNull(uuid, "uuid");
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(priority, "priority");
        Objects.requireNonNull(output, "output");
        outputFields = Map.copyOf(outputFields);
        tags = List.copyOf(tags);
        Objects.requireNonNull(hostname, "hostname");
    }

    public String source() {
        return SOURCE;
    }
}
