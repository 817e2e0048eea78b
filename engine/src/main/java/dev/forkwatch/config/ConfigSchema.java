package dev.forkwatch.config;

import dev.forkwatch.event.Text;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Every config key forkwatch knows, with its type. Keys not listed here are errors, except below the open
 * prefixes: "params." (rule parameters, any plain value or list) and "outputs.webhook.headers." (strings).
 * docs/configuration.md documents each key; keep the two in step.
 */
public final class ConfigSchema {
    public static final String PARAMS = "params.";
    private static final String HEADERS = "outputs.webhook.headers.";
    /** How much of a bad value or key an error message quotes. */
    static final int MAX_SHOWN = 80;

    /** Text from the config as an error message quotes it ({@link Text#shown}). */
    static String shown(String s) {
        return Text.shown(s, MAX_SHOWN);
    }

    /** The type of a key, and how its text is converted. */
    public enum Kind {
        SECTION, STRING, INT, BOOL, DURATION, STRING_LIST, PARAM,
        OUTPUT_FORMAT, PROBE_MODE, ON_ERROR;

        String describe() {
            return switch (this) {
                case SECTION -> "a mapping";
                case STRING -> "a string";
                case INT -> "a whole number";
                case BOOL -> "true or false";
                case DURATION -> "a duration like 5s or 100ms";
                case STRING_LIST -> "a list of strings";
                case PARAM -> "a plain value or a list";
                case OUTPUT_FORMAT -> "text or json";
                case PROBE_MODE -> "auto, tracepoint or kprobe";
                case ON_ERROR -> "continue or stop";
            };
        }

        Object convert(Object raw) {
            if (raw == null) {
                return null;
            }
            if (raw instanceof List<?> l) {
                if (this == STRING_LIST || this == PARAM) {
                    return List.copyOf(l);
                }
                throw new IllegalArgumentException("expected " + describe() + ", got a list");
            }
            String s = raw.toString();
            return switch (this) {
                case STRING, PARAM -> s;
                case STRING_LIST -> List.of(s);
                case INT -> {
                    try {
                        yield Long.parseLong(s.trim());
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException(s.trim().matches("-?\\d+")
                                ? "whole number '" + shown(s) + "' is out of range (at most " + Long.MAX_VALUE + ")"
                                : "expected a whole number, got '" + shown(s) + "'");
                    }
                }
                case BOOL -> switch (s.trim().toLowerCase(Locale.ROOT)) {
                    case "true" -> Boolean.TRUE;
                    case "false" -> Boolean.FALSE;
                    default -> throw new IllegalArgumentException("expected true or false, got '" + shown(s) + "'");
                };
                case DURATION -> Durations.parseNanos(s);
                case OUTPUT_FORMAT -> oneOf(s, Set.of("text", "json"));
                case PROBE_MODE -> oneOf(s, Set.of("auto", "tracepoint", "kprobe"));
                case ON_ERROR -> oneOf(s, Set.of("continue", "stop"));
                case SECTION -> throw new IllegalArgumentException("expected a mapping");
            };
        }

        private String oneOf(String s, Set<String> allowed) {
            String v = s.trim().toLowerCase(Locale.ROOT);
            if (!allowed.contains(v)) {
                throw new IllegalArgumentException("expected " + describe() + ", got '" + shown(s) + "'");
            }
            return v;
        }
    }

    private static final Map<String, Kind> KEYS = new LinkedHashMap<>();

    static {
        section("rules");
        KEYS.put("rules.paths", Kind.STRING_LIST);
        KEYS.put("rules.disabled", Kind.STRING_LIST);
        KEYS.put("rules.extra_dirs", Kind.STRING_LIST);
        section("output");
        KEYS.put("output.format", Kind.OUTPUT_FORMAT);
        section("engine");
        KEYS.put("engine.reorder_allowance", Kind.DURATION);
        KEYS.put("engine.hostname", Kind.STRING);
        KEYS.put("engine.event_retention", Kind.DURATION);
        KEYS.put("engine.max_facts", Kind.INT);
        section("params");
        section("live");
        KEYS.put("live.probe", Kind.PROBE_MODE);
        KEYS.put("live.ring_size_bytes", Kind.INT);
        KEYS.put("live.drain_interval", Kind.DURATION);
        KEYS.put("live.counter_poll", Kind.DURATION);
        KEYS.put("live.bpf_object", Kind.STRING);
        KEYS.put("live.capture_args", Kind.BOOL);
        KEYS.put("live.stop_grace", Kind.DURATION);
        KEYS.put("live.warmup", Kind.DURATION);
        KEYS.put("live.warmup_events", Kind.INT);
        section("outputs");
        section("outputs.stdout");
        KEYS.put("outputs.stdout.on_error", Kind.ON_ERROR);
        section("outputs.webhook");
        KEYS.put("outputs.webhook.url", Kind.STRING);
        section("outputs.webhook.headers");
        KEYS.put("outputs.webhook.timeout", Kind.DURATION);
        KEYS.put("outputs.webhook.secret_env", Kind.STRING);
        section("outputs.webhook.tls");
        KEYS.put("outputs.webhook.tls.ca_file", Kind.STRING);
        KEYS.put("outputs.webhook.tls.client_cert", Kind.STRING);
        KEYS.put("outputs.webhook.tls.client_key", Kind.STRING);
        KEYS.put("outputs.webhook.tls.insecure", Kind.BOOL);
        section("outputs.webhook.retry");
        KEYS.put("outputs.webhook.retry.initial_backoff", Kind.DURATION);
        KEYS.put("outputs.webhook.retry.max_backoff", Kind.DURATION);
        KEYS.put("outputs.webhook.retry.max_age", Kind.DURATION);
        KEYS.put("outputs.webhook.spool_dir", Kind.STRING);
        KEYS.put("outputs.webhook.spool_max_bytes", Kind.INT);
        KEYS.put("outputs.webhook.drain_timeout", Kind.DURATION);
        KEYS.put("outputs.webhook.fsync_interval", Kind.DURATION);
        section("metrics");
        KEYS.put("metrics.listen", Kind.STRING);
        KEYS.put("metrics.max_lag", Kind.DURATION);
        section("outputs.aggregate");
        KEYS.put("outputs.aggregate.enabled", Kind.BOOL);
        KEYS.put("outputs.aggregate.window", Kind.DURATION);
        KEYS.put("outputs.aggregate.max_kinds", Kind.INT);
    }

    private static void section(String key) {
        KEYS.put(key, Kind.SECTION);
    }

    private ConfigSchema() {
    }

    /** The kind of a key, or null if it is not known. */
    public static Kind kindOf(String key) {
        Kind k = KEYS.get(key);
        if (k != null) {
            return k;
        }
        if (key.startsWith(PARAMS)) {
            return Kind.PARAM;
        }
        if (key.startsWith(HEADERS)) {
            return Kind.STRING;
        }
        return null;
    }

    /** True where a mapping may appear: known sections, and nested parameter groups ("params.vfork"). */
    static boolean isSectionOrOpen(String key) {
        return KEYS.get(key) == Kind.SECTION || key.startsWith(PARAMS);
    }

    /** " (did you mean 'x'?)" for a near miss, or "". */
    static String hint(String key) {
        if (key.length() > MAX_SHOWN) {
            return ""; // no near miss, and the edit distance would cost length squared
        }
        List<String> close = new ArrayList<>();
        for (String k : KEYS.keySet()) {
            if (EditDistance.of(k, key) <= 2) {
                close.add(k);
            }
        }
        return close.isEmpty() ? "" : " (did you mean '" + close.get(0) + "'?)";
    }

    public static Set<String> keys() {
        return KEYS.keySet();
    }
}
