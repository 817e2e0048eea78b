package dev.forkwatch.rules;

import dev.forkwatch.config.Config;
import dev.forkwatch.config.EditDistance;
import dev.forkwatch.event.Exec;
import dev.forkwatch.event.Exit;
import dev.forkwatch.event.Vfork;
import dev.forkwatch.event.VforkReturn;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Makes Drools' compile messages point at the faulty line with one column, and suggest the field or method meant
 * when a rule names one the event classes do not have. Also finds rules that lack their {@code end}, which the
 * parser only notices at the next rule, and gives a place to what Drools throws or reports without one.
 */
final class DroolsMessages {
    private static final Map<String, Class<?>> EVENTS = Map.of("Vfork", Vfork.class, "Exec", Exec.class,
            "Exit", Exit.class, "VforkReturn", VforkReturn.class);
    /** MVEL, in a condition: "unable to resolve method using strict-mode: dev.forkwatch.event.Vfork.com()". */
    private static final Pattern MVEL_UNKNOWN = Pattern.compile(
            "unable to resolve method using strict-mode: [\\w.]*\\.(\\w+)\\.(\\w+)\\(\\)");
    /** javac, in a consequence: "The method commm() is undefined for the type Vfork". */
    private static final Pattern JAVA_UNKNOWN = Pattern.compile("The method (\\w+)\\([^)]*\\) is undefined for the type (\\w+)");
    private static final Pattern MVEL_NOISE = Pattern.compile("\\s*\\[Near : \\{.*?}]\\s*\\^?|\\s*\\[Line: \\d+, Column: \\d+]");
    private static final Pattern BLOCK = Pattern.compile("^\\s*(rule|declare|query)\\b");
    private static final Pattern END = Pattern.compile("(^|[\\s;}])end\\s*(//.*)?$");
    /** What Drools throws, rather than reports, for some bad values: a number too large for an int, a bad duration. */
    private static final Pattern BAD_NUMBER = Pattern.compile("For input string: \"([^\"]*)\"");
    private static final Pattern BAD_DURATION = Pattern.compile("Error parsing time string: \\[ ?(.*?) ?]");
    /** "TypeDeclaration 'forkwatch.rules.Foo'", "for type 'Foo'": Drools' messages about a declared type carry no place. */
    private static final Pattern DECLARED = Pattern.compile("(?:TypeDeclaration|for type) '(?:[\\w$]+\\.)*([\\w$]+)'");
    private static final Pattern ANNOTATION_NAMED = Pattern.compile("@(timestamp|duration|expires)\\b");
    private static final Pattern ANNOTATION_OBJECT = Pattern.compile("'org\\.drools\\.[\\w.]*AnnotationDescr@\\w+'");

    private DroolsMessages() {
    }

    /** A message, where it is: line and column in the original file (1-based). */
    record Located(int line, int column, String text) {
    }

    /**
     * Refines a message about {@code source} at {@code line}: an unknown field or method is found on its line (in a
     * consequence, Drools gives no line) and gets a suggestion; MVEL's own position notes are dropped.
     */
    static Located refine(RuleSource source, String rule, int line, int column, String text) {
        Matcher m = MVEL_UNKNOWN.matcher(text);
        String type = null;
        String name = null;
        if (m.find()) {
            type = m.group(1);
            name = m.group(2);
        } else if ((m = JAVA_UNKNOWN.matcher(text)).find()) {
            name = m.group(1);
            type = m.group(2);
        }
        if (name == null || !EVENTS.containsKey(type)) {
            return new Located(line, column, MVEL_NOISE.matcher(text).replaceAll("").trim());
        }
        String what = text.contains("strict-mode") ? "field" : "method";
        String msg = (rule == null ? "" : "rule \"" + rule + "\": ") + type + " has no " + what + " '" + name + "'"
                + suggestion(EVENTS.get(type), name);
        int[] at = find(source.text(), rule, name);
        return at == null ? new Located(line, column, msg) : new Located(at[0], at[1], msg);
    }

    /** " (did you mean 'comm'?)", or the list of what there is. */
    static String suggestion(Class<?> type, String name) {
        TreeSet<String> names = new TreeSet<>();
        for (Method md : type.getMethods()) {
            if (md.getParameterCount() == 0 && Modifier.isPublic(md.getModifiers()) && md.getDeclaringClass() == type
                    && !Modifier.isStatic(md.getModifiers()) && !List.of("hashCode", "toString", "type").contains(md.getName())) {
                names.add(md.getName());
            }
        }
        List<String> close = new ArrayList<>();
        for (String n : names) {
            if (EditDistance.of(n.toLowerCase(), name.toLowerCase()) <= 2) {
                close.add(n);
            }
        }
        return close.isEmpty() ? " (it has: " + String.join(", ", names) + ")" : " (did you mean '" + close.get(0) + "'?)";
    }

    /** The first {@code name} as a word at or after the declaration of {@code rule}: [line, column], or null. */
    private static int[] find(String text, String rule, String name) {
        String[] lines = text.split("\n", -1);
        int from = 0;
        if (rule != null) {
            for (int i = 0; i < lines.length; i++) {
                if (lines[i].matches("^\\s*rule\\s+[\"']" + Pattern.quote(rule) + "[\"'].*")) {
                    from = i;
                    break;
                }
            }
        }
        Pattern word = Pattern.compile("\\b" + Pattern.quote(name) + "\\b");
        for (int i = from; i < lines.length; i++) {
            Matcher w = word.matcher(lines[i]);
            if (w.find()) {
                return new int[] {i + 1, w.start() + 1};
            }
        }
        return null;
    }

    /**
     * An error for an exception thrown out of Drools' build (it reports most problems as messages, but throws on a
     * duration such as {@code @expires(99999999999ms)}): at the first place of the bad value in the sources as
     * compiled (params substituted; lines are the original's), or at the first file when it is not found. A value
     * that a param put there names the param and its config line, as the preprocessor's own errors do.
     */
    static RuleError thrown(RuntimeException e, List<RuleSource> sources, List<Preprocessor> compiled,
                            Map<String, Config.Value> params) {
        String msg = String.valueOf(e.getMessage());
        Matcher n = BAD_NUMBER.matcher(msg);
        Matcher d = BAD_DURATION.matcher(msg);
        String value = null;
        String text;
        if (n.find()) {
            value = n.group(1);
            text = "'" + value + "' is too large: Drools reads each number of a duration or timer as an int (at most "
                    + Integer.MAX_VALUE + "); use a larger unit (e.g. 30d, not 2592000000ms)";
        } else if (d.find()) {
            value = d.group(1);
            text = "'" + value + "' is not a duration (e.g. 500ms, 5s, 10m, 1h30m)";
        } else {
            text = "Drools failed to build the rules: " + e.getClass().getSimpleName() + ": " + msg;
        }
        for (int f = 0; value != null && !value.isEmpty() && f < compiled.size(); f++) {
            String[] lines = compiled.get(f).text().split("\n", -1);
            for (int i = 0; i < lines.length; i++) {
                int at = lines[i].indexOf(value);
                if (at >= 0) {
                    String[] original = sources.get(f).text().split("\n", -1);
                    String line = i < original.length ? original[i] : "";
                    if (!line.contains(value)) {
                        for (var p : params.entrySet()) {
                            if (String.valueOf(p.getValue().value()).contains(value) && line.contains("${" + p.getKey())) {
                                text = "parameter '" + p.getKey() + "' (" + p.getValue().origin() + "): " + text;
                                break;
                            }
                        }
                    }
                    return new RuleError(sources.get(f).name(), i + 1, compiled.get(f).originalColumn(i + 1, at + 1), text);
                }
            }
        }
        return new RuleError(sources.get(0).name(), 1, 1, text);
    }

    /**
     * A message about a declared type, put at its {@code declare}, or at the annotation it is about ({@code @timestamp},
     * {@code @duration}, {@code @expires}) with that annotation's text in place of the parser object Drools prints;
     * null when the message names no type declared in the sources.
     */
    static RuleError declaredType(String text, List<RuleSource> sources) {
        Matcher t = DECLARED.matcher(text);
        if (!t.find()) {
            return null;
        }
        Pattern decl = Pattern.compile("^\\s*declare\\s+(?:[\\w$]+\\.)*" + Pattern.quote(t.group(1)) + "\\b");
        Matcher named = ANNOTATION_NAMED.matcher(text);
        String annotation = named.find() ? named.group(1) : text.contains("timestamp field") ? "timestamp" : null;
        Pattern at = annotation == null ? null : Pattern.compile("@" + annotation + "\\s*\\(\\s*([^)]*?)\\s*\\)");
        for (RuleSource s : sources) {
            String[] lines = s.text().split("\n", -1);
            for (int i = 0; i < lines.length; i++) {
                if (!decl.matcher(lines[i]).find()) {
                    continue;
                }
                for (int j = i; at != null && j < lines.length && (j == i || !END.matcher(lines[j]).find()); j++) {
                    Matcher a = at.matcher(lines[j]);
                    if (a.find()) {
                        String msg = ANNOTATION_OBJECT.matcher(text).replaceAll(Matcher.quoteReplacement("'" + a.group(1) + "'"));
                        return new RuleError(s.name(), j + 1, a.start() + 1, msg);
                    }
                }
                return new RuleError(s.name(), i + 1, lines[i].indexOf("declare") + 1, text);
            }
        }
        return null;
    }

    /** A rule (or declare, query) that reaches the next one, or the end of the file, without its {@code end}. */
    static List<RuleError> missingEnds(RuleSource source) {
        List<RuleError> out = new ArrayList<>();
        String[] lines = source.text().split("\n", -1);
        int open = -1;
        String openWhat = null;
        for (int i = 0; i < lines.length; i++) {
            Matcher b = BLOCK.matcher(lines[i]);
            if (b.find()) {
                if (open >= 0) {
                    out.add(new RuleError(source.name(), open + 1, 1, openWhat + " has no 'end' before the "
                            + b.group(1) + " at line " + (i + 1)));
                }
                open = i;
                openWhat = describe(lines[i], b.group(1));
            } else if (END.matcher(lines[i]).find()) {
                open = -1;
            }
        }
        if (open >= 0) {
            out.add(new RuleError(source.name(), open + 1, 1, openWhat + " has no 'end' before the end of the file"));
        }
        return out;
    }

    private static String describe(String line, String keyword) {
        Matcher n = Pattern.compile(keyword + "\\s+(\"[^\"]*\"|'[^']*'|\\S+)").matcher(line);
        return n.find() ? keyword + " " + n.group(1) : keyword;
    }
}
