package dev.forkwatch.rules;

import dev.forkwatch.aggregate.Aggregator;
import dev.forkwatch.config.Config;
import dev.forkwatch.config.ConfigSchema;
import dev.forkwatch.config.FileTrust;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.drools.drl.parser.ParserError;
import org.drools.kiesession.rulebase.InternalKnowledgeBase;
import org.drools.kiesession.rulebase.KnowledgeBaseFactory;
import org.kie.api.KieBase;
import org.kie.api.KieBaseConfiguration;
import org.kie.api.KieServices;
import org.kie.api.builder.Message;
import org.kie.api.conf.EventProcessingOption;
import org.kie.api.definition.KiePackage;
import org.kie.api.definition.rule.Rule;
import org.kie.api.io.ResourceType;
import org.kie.internal.builder.CompositeKnowledgeBuilder;
import org.kie.internal.builder.KnowledgeBuilder;
import org.kie.internal.builder.KnowledgeBuilderFactory;
import org.kie.internal.builder.KnowledgeBuilderResult;
import org.kie.internal.builder.ResultSeverity;
import org.kie.internal.io.ResourceFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A compiled set of rules: the DRL files, preprocessed ({@link Preprocessor}), compiled by Drools into a
 * STREAM-mode KieBase. Every problem is reported as {@code file:line:column: message} in one
 * {@link RuleCompileException}; nothing runs when the rules do not compile.
 */
public final class RulePack {
    public static final String EMBEDDED_DIR = "/forkwatch/rules";
    private static final Logger LOG = LoggerFactory.getLogger(RulePack.class);
    private static final String RESOURCES = "src/main/resources/";
    private static final Pattern PARSER_POS = Pattern.compile("^Line (\\d+):(\\d+)");
    private static final Pattern RULE_NAME = Pattern.compile("^:?\\s*\\[Rule name='([^']+)'\\]");
    private static final Pattern RULE_DECL = Pattern.compile("^\\s*rule\\s+(\"([^\"]+)\"|'([^']+)'|(\\S+))", Pattern.MULTILINE);

    private final KieBase base;
    private final List<String> ruleNames;
    private final Map<String, RuleMeta> meta;
    private final Map<String, String> locations;
    private final Map<String, String> conditions;
    private final Set<String> disabled;
    private final List<RuleError> warnings;
    private final long longestWindowMs;
    /** The DRL as Drools compiled it (params substituted), by source: what a reload compares ({@link PackDiff}). */
    private final List<RuleSource> compiled;

    private RulePack(KieBase base, List<String> ruleNames, Map<String, RuleMeta> meta, Map<String, String> locations,
                     Map<String, String> conditions, Set<String> disabled, List<RuleError> warnings,
                     long longestWindowMs, List<RuleSource> compiled) {
        this.base = base;
        this.ruleNames = ruleNames;
        this.meta = Map.copyOf(meta);
        this.locations = locations;
        this.conditions = conditions;
        this.disabled = disabled;
        this.warnings = List.copyOf(warnings);
        this.longestWindowMs = longestWindowMs;
        this.compiled = List.copyOf(compiled);
    }

    /** The sources as compiled: original names, preprocessed text. */
    List<RuleSource> compiled() {
        return compiled;
    }

    /**
     * The KieBase that sessions run on. A rule that fails at run time is removed from it ({@link RuleGuard}):
     * it stays off for every session of this pack, until the rules are reloaded; a reload changes it in place
     * ({@link RuleEngine#reload}).
     */
    public KieBase kieBase() {
        return base;
    }

    /** "file:line" of a rule's declaration, or "&lt;rules&gt;" when unknown. */
    public String location(String rule) {
        return locations.getOrDefault(rule, "<rules>");
    }

    /** Rules turned off in the config ({@code rules.disabled}). */
    public Set<String> disabled() {
        return disabled;
    }

    /**
     * The rules whose conditions contain {@code expression} (whitespace ignored): how a constraint that fails
     * before Drools can name its rules (an MVEL compile error at first evaluation) is traced back. A constraint
     * shared by several rules is one node in the network, so all of them are named.
     */
    public Set<String> rulesWithCondition(String expression) {
        String e = expression.replaceAll("\\s+", "");
        Set<String> out = new TreeSet<>();
        if (!e.isEmpty()) {
            conditions.forEach((rule, lhs) -> {
                if (lhs.contains(e)) {
                    out.add(rule);
                }
            });
        }
        return out;
    }

    /** The longest temporal window in the rules, in ms ({@link RuleWindows}): how late an event may still matter. */
    public long longestWindowMs() {
        return longestWindowMs;
    }

    /** Names of the rules that raise alerts (not {@code @internal} helpers), in file order. */
    public List<String> ruleNames() {
        return ruleNames;
    }

    /**
     * What aggregation keys each alert rule's alerts by: its {@code @aggregate} fields, or the default kind; rules with
     * {@code @aggregate(false)} are left out (never aggregated).
     */
    public Map<String, List<String>> aggregateKeys() {
        Map<String, List<String>> keys = new java.util.HashMap<>();
        for (String name : ruleNames) {
            RuleMeta m = meta.get(name);
            if (m.aggregated()) {
                keys.put(name, m.aggregateKeys().isEmpty() ? Aggregator.DEFAULT_KEYS : m.aggregateKeys());
            }
        }
        return keys;
    }

    /** The metadata of an alert rule (one of {@link #ruleNames}). */
    public RuleMeta meta(String ruleName) {
        return meta.get(ruleName);
    }

    /**
     * Loads the rules named by the config ({@code rules.paths}), or the embedded default pack when none, and those in
     * {@code rules.extra_dirs} beside them.
     */
    public static RulePack load(Config config) {
        return load(config, PackCache.off());
    }

    /** As {@link #load(Config)}, taking the compiled packages from {@code cache} when it has them. */
    public static RulePack load(Config config, PackCache cache) {
        long t0 = System.nanoTime();
        List<String> paths = config.list("rules.paths");
        List<RuleSource> sources = new ArrayList<>(paths.isEmpty() ? embedded() : read(paths.stream().map(Path::of).toList()));
        sources.addAll(RuleDirs.read(config.list("rules.extra_dirs").stream().map(Path::of).toList()));
        long t1 = System.nanoTime();
        long allowanceNs = config.nanos("engine.reorder_allowance");
        long retentionNs = config.nanos("engine.event_retention");
        // Entries that load() stores passed the smoke run with these settings: a hit skips it (same pack, same
        // forkwatch code, same built-in trace, so the same result). Their key differs from compile()'s entries.
        Compiled c = compile(sources, config, cache, "smoke run passed: " + allowanceNs + " " + retentionNs);
        long t2 = System.nanoTime();
        if (!c.fromCache()) {
            List<RuleError> smoke = SmokeCheck.run(c.pack(), allowanceNs, retentionNs);
            if (!smoke.isEmpty()) {
                throw new RuleCompileException(smoke); // never cached: the next load runs it again
            }
            c.store().run();
        }
        // Where start-up goes (docs/performance.md "Start-up"); -Dorg.slf4j.simpleLogger.log.dev.forkwatch=debug.
        LOG.debug("start-up: rules read {} ms, compiled {} ms, smoke run {} ms", (t1 - t0) / 1_000_000,
                (t2 - t1) / 1_000_000, c.fromCache() ? "skipped (cached pack)" : (System.nanoTime() - t2) / 1_000_000);
        return c.pack();
    }

    /** A compiled pack, whether its packages came from the cache, and how to store them there. */
    private record Compiled(RulePack pack, boolean fromCache, Runnable store) {
    }

    /** Problems that do not stop the pack: windows longer than engine.event_retention. */
    public List<RuleError> warnings() {
        return warnings;
    }

    /** Compiles DRL sources with the config's rule parameters. */
    public static RulePack compile(List<RuleSource> sources, Config config) {
        return compile(sources, config, PackCache.off());
    }

    /**
     * Compiles DRL sources with the config's rule parameters; Drools' part (parsing, consequence compilation) is
     * skipped when {@code cache} has the packages of the same preprocessed DRL, which it only has of packs that
     * compiled cleanly, so that every error still comes from a real compile.
     */
    public static RulePack compile(List<RuleSource> sources, Config config, PackCache cache) {
        Compiled c = compile(sources, config, cache, "");
        c.store().run(); // a clean pack only: every check of the compile passed
        return c.pack();
    }

    /** {@code keySalt} keeps apart entries stored under different conditions (see {@link #load(Config, PackCache)}). */
    private static Compiled compile(List<RuleSource> sources, Config config, PackCache cache, String keySalt) {
        if (sources.isEmpty()) {
            throw new RuleCompileException(List.of(new RuleError("<rules>", 1, 1, "no rule files (*.drl) found")));
        }
        Map<String, Config.Value> params = config.params();
        Map<String, Config.Value> defaultParams = Config.defaults().params();
        List<RuleError> errors = new ArrayList<>();
        Map<String, Preprocessor> byPath = new LinkedHashMap<>();
        Map<String, RuleSource> srcByPath = new LinkedHashMap<>();
        Set<String> used = new TreeSet<>();
        int n = 0;
        for (RuleSource s : sources) {
            Preprocessor p = Preprocessor.run(s, params, defaultParams);
            for (RuleError e : p.errors()) {
                // A wrong-typed param is reported once, at its config line, however many rules use it.
                boolean seen = e.message().startsWith("params.") && errors.stream().anyMatch(x -> x.file().equals(e.file())
                        && x.line() == e.line() && x.message().startsWith("params."));
                if (!seen) {
                    errors.add(e);
                }
            }
            used.addAll(p.used());
            String path = RESOURCES + "forkwatch/r" + (n++) + ".drl";
            byPath.put(path, p);
            srcByPath.put(path, s);
        }
        for (RuleSource src : sources) {
            errors.addAll(DroolsMessages.missingEnds(src)); // the parser would only notice at the next rule
        }
        long buildStart = System.nanoTime();
        long built = buildStart;
        String key = null;
        Collection<KiePackage> cached = null;
        if (errors.isEmpty() && cache.enabled()) {
            Map<String, String> texts = new LinkedHashMap<>();
            byPath.forEach((path, p) -> texts.put(path, p.text()));
            key = cache.key(texts, params, keySalt);
            cached = cache.read(key);
            built = System.nanoTime();
        }
        KnowledgeBuilder builder = null;
        if (errors.isEmpty() && cached == null) {
            // A KnowledgeBuilder, not a KieBuilder: no KieModule (pom, kmodule.xml through XStream, a release id kept
            // in the global KieRepository) to build for a pack that only lives in this process; about a second less
            // start-up. Not even made on a cache hit.
            builder = KnowledgeBuilderFactory.newKnowledgeBuilder();
            CompositeKnowledgeBuilder batch = builder.batch();
            byPath.forEach((path, p) -> batch.add(ResourceFactory.newByteArrayResource(p.text().getBytes(StandardCharsets.UTF_8))
                    .setSourcePath(path.substring(RESOURCES.length())), ResourceType.DRL));
            try {
                batch.build();
            } catch (RuntimeException e) {
                throw new RuleCompileException(List.of(DroolsMessages.thrown(e, List.copyOf(srcByPath.values()),
                        List.copyOf(byPath.values()), params)));
            }
            built = System.nanoTime();
            List<Message> messages = new ArrayList<>();
            var results = builder.getResults(ResultSeverity.ERROR);
            // A file that does not parse leaves the package without its declared types, so every other file of the
            // package gets "Unable to resolve ObjectType" errors at correct lines: report the parse errors alone.
            boolean parseErrors = results.stream().anyMatch(ParserError.class::isInstance);
            for (KnowledgeBuilderResult r : results) {
                if (!parseErrors || r instanceof ParserError) {
                    messages.add(r.asMessage(messages.size()));
                }
            }
            for (Message m : messages) {
                String text = clean(m.getText());
                if (text.startsWith("Parser returned a null Package") && messages.size() > 1) {
                    continue; // follows from the parse errors already reported
                }
                String path = m.getPath() == null ? null : RESOURCES + m.getPath();
                RuleSource s = srcByPath.get(path);
                Preprocessor p = byPath.get(path);
                String file = s == null ? (m.getPath() == null ? "<rules>" : m.getPath()) : s.name();
                RuleError declared = s == null ? DroolsMessages.declaredType(text, sources) : null;
                if (declared != null) {
                    errors.add(declared);
                    continue;
                }
                int line = m.getLine();
                int col = m.getColumn();
                Matcher lc = PARSER_POS.matcher(text);
                if (lc.find()) { // the parser knows the column; its text starts with "Line L:C"
                    line = Integer.parseInt(lc.group(1));
                    col = Integer.parseInt(lc.group(2)) + 1;
                    text = text.substring(lc.end()).trim();
                }
                Matcher rn = RULE_NAME.matcher(text);
                String rule = null;
                if (line <= 0 && rn.find()) { // consequence errors carry the rule name, not a line
                    rule = rn.group(1);
                    int[] where = declaration(sources, rule);
                    if (where[0] >= 0) {
                        s = sources.get(where[0]);
                        file = s.name();
                        line = where[1];
                        p = null; // the column below is found in the original text
                    }
                    text = text.substring(rn.end()).trim();
                } else if (s != null) {
                    rule = ruleAt(s.text(), line);
                }
                int column = p == null ? col : p.originalColumn(line, col);
                if (s != null) {
                    DroolsMessages.Located at = DroolsMessages.refine(s, rule, line, column, text);
                    line = at.line();
                    column = at.column();
                    text = at.text();
                }
                if (rule != null && !text.startsWith("rule \"")) {
                    text = "rule \"" + rule + "\": " + text;
                }
                errors.add(new RuleError(file, line, column, text));
            }
        }
        unusedParams(config, used, errors);
        if (!errors.isEmpty()) {
            throw new RuleCompileException(errors);
        }
        byte[] entry = cached == null && key != null ? cache.encode(key, builder) : null;
        KieBaseConfiguration conf = KieServices.Factory.get().newKieBaseConfiguration();
        conf.setOption(EventProcessingOption.STREAM);
        InternalKnowledgeBase base = KnowledgeBaseFactory.newKnowledgeBase(conf);
        base.addPackages(cached != null ? cached : builder.getKnowledgePackages());
        EventExpiry.leaveToEngine(base);
        LOG.debug("start-up: {} {} ms, KieBase {} ms", cached != null ? "compiled pack from the cache"
                : "DRL parsing and consequence compilation", (built - buildStart) / 1_000_000, (System.nanoTime() - built) / 1_000_000);
        List<String> names = new ArrayList<>();
        Map<String, RuleMeta> metas = new java.util.HashMap<>();
        for (var pkg : base.getKiePackages()) {
            for (Rule r : pkg.getRules()) {
                try {
                    RuleMeta m = RuleMeta.parse(r.getMetaData());
                    if (!m.internal()) {
                        names.add(r.getName());
                        metas.put(r.getName(), m);
                    }
                } catch (IllegalArgumentException e) {
                    int[] where = declaration(sources, r.getName());
                    String file = where[0] >= 0 ? sources.get(where[0]).name() : "<rules>";
                    errors.add(new RuleError(file, where[1], 1, "rule \"" + r.getName() + "\": " + e.getMessage()));
                }
            }
        }
        if (!errors.isEmpty()) {
            throw new RuleCompileException(errors);
        }
        Map<String, Long> position = new java.util.HashMap<>();
        for (String name : names) {
            int[] d = declaration(sources, name);
            position.put(name, ((long) d[0] << 32) + d[1]); // file, then line
        }
        names.sort(java.util.Comparator.comparing(position::get));
        Map<String, String> locations = new LinkedHashMap<>();
        Map<String, String> conditions = new LinkedHashMap<>();
        List<String> preprocessed = byPath.values().stream().map(Preprocessor::text).toList();
        for (var pkg : base.getKiePackages()) {
            for (Rule r : pkg.getRules()) {
                int[] d = declaration(sources, r.getName());
                if (d[0] >= 0) {
                    locations.put(r.getName(), sources.get(d[0]).name() + ":" + d[1]);
                    conditions.put(r.getName(), whenPart(preprocessed.get(d[0]), d[1]));
                }
            }
        }
        Set<String> disabled = disabledRules(config, locations.keySet());
        for (var pkg : base.getKiePackages()) {
            for (Rule r : List.copyOf(pkg.getRules())) {
                if (disabled.contains(r.getName())) {
                    base.removeRule(pkg.getName(), r.getName());
                }
            }
        }
        List<RuleError> warnings = new ArrayList<>();
        for (var e : byPath.entrySet()) {
            warnings.addAll(RuleWindows.longerThan(srcByPath.get(e.getKey()), e.getValue().text(),
                    config.nanos("engine.event_retention")));
        }
        long longestWindowMs = preprocessed.stream().mapToLong(RuleWindows::longestMs).max().orElse(0);
        List<RuleSource> compiled = byPath.entrySet().stream()
                .map(e -> new RuleSource(srcByPath.get(e.getKey()).name(), e.getValue().text())).toList();
        String entryKey = key;
        return new Compiled(new RulePack(base, List.copyOf(names), metas, Map.copyOf(locations), Map.copyOf(conditions),
                disabled, warnings, longestWindowMs, compiled), cached != null, () -> cache.write(entryKey, entry));
    }

    /** {@code rules.disabled}: every name must be a rule of the pack (a typo would silently keep it on). */
    private static Set<String> disabledRules(Config config, Set<String> known) {
        Set<String> out = new TreeSet<>();
        List<RuleError> errors = new ArrayList<>();
        for (String name : config.list("rules.disabled")) {
            if (known.contains(name)) {
                out.add(name);
                continue;
            }
            String origin = config.origin("rules.disabled");
            String[] fileLine = origin == null ? new String[] {"<config>"} : origin.split(":(?=\\d+$)");
            String near = known.stream().filter(k -> k.equalsIgnoreCase(name.trim())).findFirst().orElse(null);
            errors.add(new RuleError(fileLine[0], fileLine.length > 1 ? Integer.parseInt(fileLine[1]) : 1, 1,
                    "rules.disabled: no rule named '" + name + "'" + (near == null ? "" : " (did you mean '" + near + "'?)")));
        }
        if (!errors.isEmpty()) {
            throw new RuleCompileException(errors);
        }
        return Set.copyOf(out);
    }

    /** The text between a rule's {@code when} and {@code then}, whitespace removed, from its declaration line. */
    private static String whenPart(String text, int declLine) {
        int at = 0;
        for (int i = 1; i < declLine && at >= 0; i++) {
            at = text.indexOf('\n', at) + 1;
        }
        Matcher w = Pattern.compile("\\bwhen\\b").matcher(text);
        Matcher t = Pattern.compile("\\bthen\\b").matcher(text);
        if (at < 0 || !w.find(at) || !t.find(w.end())) {
            return "";
        }
        return text.substring(w.end(), t.start()).replaceAll("\\s+", "");
    }

    /** A parameter set in the user's config file that no rule uses is almost always a typo. */
    private static void unusedParams(Config config, Set<String> used, List<RuleError> errors) {
        Config defaults = Config.defaults();
        for (var e : config.params().entrySet()) {
            String origin = e.getValue().origin();
            boolean fromUser = origin != null && !origin.startsWith("<embedded>");
            if (fromUser && !used.contains(e.getKey()) && !defaults.has(ConfigSchema.PARAMS + e.getKey())) {
                String[] fileLine = origin.split(":(?=\\d+$)");
                errors.add(new RuleError(fileLine[0], fileLine.length > 1 ? Integer.parseInt(fileLine[1]) : 1, 1,
                        "parameter 'params." + e.getKey() + "' is not used by any rule (a typo?)"));
            }
        }
    }

    /** The name of the rule declared last at or before {@code line}, or null. */
    static String ruleAt(String text, int line) {
        Matcher m = RULE_DECL.matcher(text);
        String name = null;
        while (m.find()) {
            int at = (int) text.substring(0, m.start(1)).chars().filter(c -> c == '\n').count() + 1;
            if (at > line) {
                break;
            }
            name = m.group(2) != null ? m.group(2) : m.group(3) != null ? m.group(3) : m.group(4);
        }
        return name;
    }

    /** [source index, line] of {@code rule "name"}, or [-1, 1]. */
    private static int[] declaration(List<RuleSource> sources, String name) {
        for (int i = 0; i < sources.size(); i++) {
            Matcher m = RULE_DECL.matcher(sources.get(i).text());
            while (m.find()) {
                String n = m.group(2) != null ? m.group(2) : m.group(3) != null ? m.group(3) : m.group(4);
                if (name.equals(n)) {
                    String before = sources.get(i).text().substring(0, m.start(1));
                    return new int[] {i, (int) before.chars().filter(c -> c == '\n').count() + 1};
                }
            }
        }
        return new int[] {-1, 1};
    }

    private static String clean(String text) {
        // Drools prefixes messages with "Rule Compilation error" and the generated class name; keep what helps.
        String t = text.replaceAll("\\s+", " ").trim();
        return t.replaceAll("Rule Compilation error\\s*", "").replaceAll("\\[ERR \\d+\\] ", "");
    }

    /** Reads DRL files and directories (every *.drl below a directory, sorted by path). */
    public static List<RuleSource> read(Collection<Path> paths) {
        List<RuleSource> out = new ArrayList<>();
        List<RuleError> errors = new ArrayList<>();
        for (Path p : paths) {
            try {
                FileTrust.check(p, Files.isDirectory(p) ? "rule directory" : "rule file");
                if (Files.isDirectory(p)) {
                    try (Stream<Path> s = Files.walk(p)) {
                        List<Path> files = s.filter(f -> f.toString().endsWith(".drl") && Files.isRegularFile(f)).sorted().toList();
                        if (files.isEmpty()) {
                            errors.add(new RuleError(p.toString(), 1, 1, "no rule files (*.drl) in this directory"));
                        }
                        for (Path f : files) {
                            FileTrust.check(f, "rule file");
                            out.add(new RuleSource(f.toString(), Files.readString(f, StandardCharsets.UTF_8)));
                        }
                    }
                } else {
                    out.add(new RuleSource(p.toString(), Files.readString(p, StandardCharsets.UTF_8)));
                }
            } catch (NoSuchFileException e) {
                errors.add(new RuleError(p.toString(), 1, 1, "no such file or directory"));
            } catch (IOException e) {
                errors.add(new RuleError(p.toString(), 1, 1, "cannot read: " + e.getMessage()));
            }
        }
        if (!errors.isEmpty()) {
            throw new RuleCompileException(errors);
        }
        return out;
    }

    /** The default rule pack embedded in the jar (rules/*.drl at build time). */
    public static List<RuleSource> embedded() {
        URL url = RulePack.class.getResource(EMBEDDED_DIR);
        if (url == null) {
            throw new IllegalStateException("embedded rule pack " + EMBEDDED_DIR + " is missing from the jar");
        }
        try {
            URI uri = url.toURI();
            if (uri.getScheme().equals("jar")) {
                FileSystem fs;
                try {
                    fs = FileSystems.getFileSystem(uri);
                } catch (FileSystemNotFoundException e) {
                    fs = FileSystems.newFileSystem(uri, Map.of());
                }
                return embeddedFrom(fs.getPath(EMBEDDED_DIR));
            }
            return embeddedFrom(Path.of(uri));
        } catch (URISyntaxException | IOException e) {
            throw new IllegalStateException("cannot list embedded rules", e);
        }
    }

    private static List<RuleSource> embeddedFrom(Path dir) throws IOException {
        List<RuleSource> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path f : s.filter(x -> x.toString().endsWith(".drl")).sorted().toList()) {
                try (InputStream in = Files.newInputStream(f)) {
                    out.add(new RuleSource("<embedded>/" + f.getFileName(), new String(in.readAllBytes(), StandardCharsets.UTF_8)));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        return out;
    }
}
