package dev.forkwatch.rules;

import dev.forkwatch.config.Config;
import dev.forkwatch.config.Durations;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Makes a user's DRL file ready to compile without boilerplate, keeping line numbers intact:
 * <ul>
 *   <li>adds the imports of the event classes and the {@code alerts} and {@code events} globals on the package line (or, with no
 *   package line, in front of line 1);</li>
 *   <li>replaces {@code ${name}} by the rule parameter {@code params.name} from the config. A duration becomes
 *   a Drools time literal ({@code 5000ms}); {@code ${name:ns}} / {@code ${name:ms}} give it as a number; a list
 *   becomes comma-separated string literals; a number stays a number; other text becomes a string literal.</li>
 * </ul>
 * Columns shifted by these edits are mapped back for error messages.
 */
final class Preprocessor {
    static final String DEFAULT_PACKAGE = "forkwatch.rules";
    static final String HEADER = " import dev.forkwatch.event.*; import dev.forkwatch.rules.Match; import dev.forkwatch.rules.Alerts;"
            + " global dev.forkwatch.rules.Alerts alerts; global dev.forkwatch.rules.SessionEvents events;";
    private static final Pattern PACKAGE = Pattern.compile("^\\s*package\\s+[\\w.]+\\s*;?");
    private static final Pattern PARAM = Pattern.compile("\\$\\{([A-Za-z0-9_.]+)(?::(ns|ms|text))?}");
    private static final Pattern NUMBER = Pattern.compile("-?\\d+(\\.\\d+)?");
    private static final Pattern DURATION = Pattern.compile("\\d+(ns|us|ms|s|m|h)");
    /** Text before a ${param} that makes it a duration: inside a temporal operator's [ ], window:time( ), @expires( ). */
    private static final Pattern TIME_CONTEXT = Pattern.compile("(?:\\b(?:after|before|coincides|during|includes|finishes|"
            + "finishedby|meets|metby|overlaps|overlappedby|starts|startedby)\\s*\\[[^\\]]*|(?:window\\s*:\\s*time|@expires)\\s*\\([^)]*)$");

    /** A column shift on one line: columns after {@code at} (in the output) moved right by {@code delta}. */
    private record Shift(int at, int delta) {
    }

    private final Map<Integer, List<Shift>> shifts = new HashMap<>();
    private final Set<String> used = new TreeSet<>();
    private final List<RuleError> errors = new ArrayList<>();
    private final String text;

    private final Map<String, Config.Value> defaults;

    private Preprocessor(RuleSource src, Map<String, Config.Value> params, Map<String, Config.Value> defaults) {
        this.defaults = defaults;
        String[] lines = src.text().split("\n", -1);
        boolean injected = false;
        for (int i = 0; i < lines.length; i++) {
            lines[i] = substitute(src.name(), i + 1, lines[i], params);
            if (!injected) {
                Matcher m = PACKAGE.matcher(lines[i]);
                if (m.find()) {
                    String head = lines[i].substring(0, m.end()) + (m.group().endsWith(";") ? "" : ";");
                    lines[i] = head + HEADER + lines[i].substring(m.end());
                    injected = true;
                }
            }
        }
        String out = String.join("\n", lines);
        if (!injected) {
            String prefix = "package " + DEFAULT_PACKAGE + ";" + HEADER + " ";
            out = prefix + out;
            shifts.computeIfAbsent(1, k -> new ArrayList<>()).add(0, new Shift(prefix.length(), prefix.length()));
        }
        this.text = out;
    }

    static Preprocessor run(RuleSource src, Map<String, Config.Value> params) {
        return new Preprocessor(src, params, Map.of());
    }

    /** @param defaults the embedded defaults of the params: their types are what the rules expect */
    static Preprocessor run(RuleSource src, Map<String, Config.Value> params, Map<String, Config.Value> defaults) {
        return new Preprocessor(src, params, defaults);
    }

    String text() {
        return text;
    }

    /** Parameters this file refers to. */
    Set<String> used() {
        return used;
    }

    List<RuleError> errors() {
        return errors;
    }

    /** The column in the original file for a column in the preprocessed text. */
    int originalColumn(int line, int column) {
        int c = column;
        for (Shift s : shifts.getOrDefault(line, List.of())) {
            if (column > s.at()) {
                c -= s.delta();
            }
        }
        return Math.max(c, 1);
    }

    private String substitute(String file, int lineNo, String line, Map<String, Config.Value> params) {
        Matcher m = PARAM.matcher(line);
        String t = line.stripLeading();
        if (t.startsWith("//") || t.startsWith("#") || t.startsWith("*") || t.startsWith("/*") || !m.find()) {
            // whole-line comments may mention ${name} freely
            return line;
        }
        m.reset();
        StringBuilder sb = new StringBuilder();
        int drift = 0;
        while (m.find()) {
            String name = m.group(1);
            String unit = m.group(2);
            Config.Value v = params.get(name);
            String repl;
            if (v == null || v.value() == null) {
                errors.add(new RuleError(file, lineNo, m.start() + 1, "unknown parameter '" + name
                        + "': set it under params: in the config (known: " + String.join(", ", new TreeSet<>(params.keySet())) + ")"));
                repl = m.group();
            } else {
                used.add(name);
                String expected = unit != null && !unit.equals("text") || TIME_CONTEXT.matcher(line.substring(0, m.start())).find()
                        ? "duration" : kind(defaults.get(name));
                if (expected != null && !expected.equals(kind(v)) && v.origin() != null) {
                    typeError(name, v, expected, file + ":" + lineNo);
                    repl = m.group(); // reported once, at the config line
                } else {
                    try {
                        repl = render(v.value(), unit);
                    } catch (IllegalArgumentException e) {
                        errors.add(new RuleError(file, lineNo, m.start() + 1, "parameter '" + name + "' (" + v.origin() + "): " + e.getMessage()));
                        repl = m.group();
                    }
                }
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(repl));
            int delta = repl.length() - m.group().length();
            shifts.computeIfAbsent(lineNo, k -> new ArrayList<>()).add(new Shift(m.start() + drift + repl.length(), delta));
            drift += delta;
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /** "duration", "number", "boolean", "list", or null for text (or no value). */
    private static String kind(Config.Value v) {
        if (v == null || v.value() == null) {
            return null;
        }
        if (v.value() instanceof List<?>) {
            return "list";
        }
        String s = String.valueOf(v.value()).trim();
        if (DURATION.matcher(s).matches()) {
            return "duration";
        }
        if (NUMBER.matcher(s).matches()) {
            return "number";
        }
        return s.equals("true") || s.equals("false") ? "boolean" : null;
    }

    /** A param of the wrong type is the config's fault: the error is at the config line that set it. */
    private void typeError(String name, Config.Value v, String expected, String usedAt) {
        String[] fileLine = v.origin().split(":(?=\\d+$)");
        String example = switch (expected) {
            case "duration" -> "a duration like 5s or 100ms";
            case "number" -> "a number";
            case "boolean" -> "true or false";
            default -> "a list like [\"a\", \"b\"]";
        };
        Object shown = v.value() instanceof List<?> ? "a list" : "'" + v.value() + "'";
        errors.add(new RuleError(fileLine[0], fileLine.length > 1 ? Integer.parseInt(fileLine[1]) : 1, 1,
                "params." + name + ": expected " + example + " (" + usedAt + " uses it as a " + expected + "), got " + shown));
    }

    static String render(Object value, String unit) {
        if ("text".equals(unit)) {
            // As the config wrote it ("1s", not "1000ms"), for inside a string literal: a message, a field value.
            String t = value instanceof List<?> l ? String.join(", ", l.stream().map(String::valueOf).toList()) : String.valueOf(value);
            return t.replace("\\", "\\\\").replace("\"", "\\\"");
        }
        if (value instanceof List<?> list) {
            if (unit != null) {
                throw new IllegalArgumentException(":" + unit + " applies to durations, not lists");
            }
            List<String> parts = new ArrayList<>();
            for (Object o : list) {
                parts.add(quote(String.valueOf(o)));
            }
            return String.join(", ", parts);
        }
        String s = String.valueOf(value).trim();
        boolean duration = s.matches("\\d+(ns|us|ms|s|m|h)");
        if (unit != null) {
            if (!duration) {
                throw new IllegalArgumentException(":" + unit + " needs a duration like 5s, got '" + s + "'");
            }
            long ns = Durations.parseNanos(s);
            return unit.equals("ns") ? ns + "L" : (ns / 1_000_000L) + "L";
        }
        if (duration) {
            return Durations.drools(Durations.parseNanos(s));
        }
        if (NUMBER.matcher(s).matches() || s.equals("true") || s.equals("false")) {
            return s;
        }
        return quote(s);
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
