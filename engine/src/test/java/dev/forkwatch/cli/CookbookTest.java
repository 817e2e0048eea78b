package dev.forkwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The DRL cookbook of docs/rules.md: every recipe in samples/cookbook/ is a rule file (with its parameters in a
 * config beside it) whose cases, in samples/cookbook/tests/RECIPE/, run through {@code forkwatch test-rules} as a
 * user runs them, each rule shown firing and not firing; the doc shows every file as it is.
 */
class CookbookTest {
    static final Path COOKBOOK = Cli.root().resolve("samples/cookbook");
    static final Pattern RULE = Pattern.compile("^rule \"([^\"]+)\"\\R((?:\\s+@.*\\R)+)", Pattern.MULTILINE);
    /** A file shown in the doc: the marker line, then a fenced block that must be the file's text. */
    static final Pattern SHOWN = Pattern.compile("<!-- cookbook: (samples/cookbook/[^ ]+) -->\\n```[a-z]*\\n(.*?)```\\n",
            Pattern.DOTALL);
    static final ObjectMapper JSON = new ObjectMapper();

    static List<String> recipes() throws IOException {
        try (Stream<Path> s = Files.list(COOKBOOK)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".drl"))
                    .map(n -> n.substring(0, n.length() - 4)).sorted().toList();
        }
    }

    /** The alert rules of a recipe (not the {@code @internal} helpers). */
    static List<String> alertRules(String drl) {
        List<String> names = new ArrayList<>();
        Matcher m = RULE.matcher(drl);
        while (m.find()) {
            if (!m.group(2).contains("@internal(true)")) {
                names.add(m.group(1));
            }
        }
        return names;
    }

    @ParameterizedTest
    @MethodSource("recipes")
    void everyRecipePassesItsCasesWhichShowItFiringAndNot(String recipe) throws IOException {
        Path drl = COOKBOOK.resolve(recipe + ".drl");
        Path config = COOKBOOK.resolve(recipe + ".yaml");
        Path cases = COOKBOOK.resolve("tests").resolve(recipe);
        List<Path> files;
        try (Stream<Path> s = Files.list(cases)) {
            files = s.filter(f -> f.toString().endsWith(".jsonl")).sorted().toList();
        }
        List<String> args = new ArrayList<>(List.of("test-rules", "--rules", drl.toString()));
        if (Files.exists(config)) {
            args.addAll(List.of("--config", config.toString()));
        }
        Path report = Path.of("target", "test-rules-cookbook-" + recipe + ".xml");
        args.addAll(List.of("--junit", report.toString(), cases.toString()));
        Cli.Result r = Cli.run(args.toArray(String[]::new));
        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(ExitCode.OK);
        assertThat(r.out().lines().filter(l -> l.startsWith("PASS "))).hasSize(files.size());
        assertThat(Files.readString(report)).contains("tests=\"" + files.size() + "\" failures=\"0\"");

        // Each alert rule has a case where it fires and one where it must not.
        Map<String, List<String>> kinds = new LinkedHashMap<>();
        for (Path f : files) {
            for (String line : Files.readAllLines(f)) {
                JsonNode n = JSON.readTree(line);
                String type = n.path("type").asText();
                if (type.startsWith("expect")) {
                    kinds.computeIfAbsent(n.path("rule").asText(), k -> new ArrayList<>()).add(type);
                }
            }
        }
        List<String> rules = alertRules(Files.readString(drl));
        assertThat(rules).isNotEmpty();
        for (String rule : rules) {
            assertThat(kinds.get(rule)).as("cases of rule \"%s\"", rule).contains("expect", "expect_none");
        }
    }

    @Test
    void theDocShowsEveryRecipeFileAsItIs() throws IOException {
        String doc = Files.readString(Cli.root().resolve("docs/rules.md"));
        Map<String, String> shown = new LinkedHashMap<>();
        Matcher m = SHOWN.matcher(doc);
        while (m.find()) {
            assertThat(shown.put(m.group(1), m.group(2))).as("%s shown twice", m.group(1)).isNull();
        }
        List<String> files = new ArrayList<>();
        try (Stream<Path> s = Files.list(COOKBOOK)) {
            s.filter(Files::isRegularFile).map(p -> "samples/cookbook/" + p.getFileName()).sorted().forEach(files::add);
        }
        assertThat(files).hasSizeGreaterThanOrEqualTo(2 * 5);
        assertThat(shown.keySet()).containsExactlyInAnyOrderElementsOf(files);
        for (String f : files) {
            assertThat(shown.get(f)).as("docs/rules.md shows %s as it is", f).isEqualTo(Files.readString(Cli.root().resolve(f)));
        }
    }

    @Test
    void allRecipesLoadTogetherBesideTheDefaultPack(@TempDir Path tmp) throws IOException {
        // The parameters of every recipe in one config, as a user who takes them all writes it; no name twice.
        YAMLMapper yaml = new YAMLMapper();
        ObjectNode cookbook = yaml.createObjectNode();
        for (String recipe : recipes()) {
            Path config = COOKBOOK.resolve(recipe + ".yaml");
            if (Files.exists(config)) {
                JsonNode params = yaml.readTree(config.toFile()).path("params").path("cookbook");
                params.fieldNames().forEachRemaining(k -> assertThat(cookbook.has(k)).as("param cookbook.%s set twice", k).isFalse());
                cookbook.setAll((ObjectNode) params);
            }
        }
        ObjectNode root = yaml.createObjectNode();
        root.putObject("params").set("cookbook", cookbook);
        Path merged = tmp.resolve("all.yaml");
        yaml.writeValue(merged.toFile(), root);
        Cli.Result r = Cli.run("check", "--rules", Cli.root().resolve("rules").toString(), "--rules", COOKBOOK.toString(),
                "--config", merged.toString());
        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(ExitCode.OK);
        assertThat(r.err()).doesNotContain("warning");
        for (String recipe : recipes()) {
            for (String rule : alertRules(Files.readString(COOKBOOK.resolve(recipe + ".drl")))) {
                assertThat(r.out()).contains(rule);
            }
        }
        assertThat(r.out()).contains("Vfork child stalled");
    }
}
