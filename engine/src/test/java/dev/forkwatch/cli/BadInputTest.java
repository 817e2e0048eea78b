package dev.forkwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every kind of bad input: a clear message naming the place, exit code 2, and no partial run. */
class BadInputTest {
    static final String EXIT = "{\"type\":\"exit\",\"ts\":1764300000001000000,\"pid\":2201";
    static final String VF = "{\"type\":\"vfork\",\"ts\":1764300000000000000,\"pid\":2201,\"ppid\":2200,\"uid\":1000,\"comm\":\"make\"}";

    static final String EX = "{\"type\":\"exec\",\"ts\":1764300000000000001,\"pid\":2201,\"comm\":\"sh\",\"filename\":\"/bin/sh\"";

    @TempDir
    Path dir;

    static Stream<Arguments> badTraces() {
        return Stream.of(
                Arguments.of("{\"type\":\"vfork\",", ":2: malformed JSON"),
                Arguments.of("[1,2]", ":2: expected a JSON object"),
                Arguments.of("{\"type\":\"fork\",\"ts\":1}", ":2: unknown event type 'fork'"),
                Arguments.of("{\"ts\":1764300000000000000,\"pid\":3}", ":2: missing required field 'type'"),
                Arguments.of("{\"type\":\"exec\",\"ts\":1764300000000000000,\"pid\":3,\"comm\":\"x\"}", ":2: missing required field 'filename' for exec event"),
                Arguments.of("{\"type\":\"exit\",\"pid\":3}", ":2: missing required field 'ts' for exit event"),
                Arguments.of("{\"type\":\"exit\",\"ts\":\"soon\",\"pid\":3}", ":2: field 'ts' must be an integer"),
                Arguments.of("{\"type\":\"exit\",\"ts\":1764300000000000000,\"pid\":-4}", ":2: field 'pid' must be a positive pid"),
                Arguments.of("{\"type\":\"vfork\",\"ts\":1764300000000000000,\"pid\":3,\"ppid\":2,\"uid\":0,\"comm\":\"a\",\"via\":\"fork\"}", ":2: field 'via' must be vfork, clone or clone3"),
                Arguments.of("{\"type\":\"exit\",\"ts\":1764300000000000000,\"pid\":3} x", ":2: "),
                // context fields (docs/events.md): optional, but of the right type when present
                Arguments.of(EX + ",\"args\":\"sh -c x\"}", ":2: field 'args' must be an array of strings"),
                Arguments.of(EX + ",\"args\":[\"sh\",1]}", ":2: field 'args' must be an array of strings"),
                Arguments.of(EX + ",\"exec_index\":\"2\"}", ":2: field 'exec_index' must be an integer"),
                Arguments.of(EX + ",\"exec_index\":0}", ":2: field 'exec_index' out of range: 0 (expected 1 to"),
                Arguments.of(EX + ",\"euid\":4294967296}", ":2: field 'euid' out of range"),
                Arguments.of(EX + ",\"exe_from_memfd\":1}", ":2: field 'exe_from_memfd' must be true or false"),
                Arguments.of(EX + ",\"exe_path\":[]}", ":2: field 'exe_path' must be a string"),
                Arguments.of(VF.replace("}", ",\"login_uid\":-2}"), ":2: field 'login_uid' out of range"),
                Arguments.of(VF.replace("}", ",\"ancestors\":{}}"), ":2: field 'ancestors' must be an array of strings"),
                Arguments.of(VF.replace("}", ",\"container_id\":12}"), ":2: field 'container_id' must be a string"),
                // limits and ranges (docs/events.md, "Limits"): the reproductions
                Arguments.of(EXIT + ",\"exit_code\":4294967423}", ":2: field 'exit_code' out of range: 4294967423 (expected 0 to 255)"),
                Arguments.of(EXIT + ",\"signal\":65}", ":2: field 'signal' out of range: 65 (expected 0 to 64)"),
                Arguments.of("{\"type\":\"exit\",\"ts\":-9223372036854775808,\"pid\":3}", ":2: field 'ts' out of range: -9223372036854775808"),
                Arguments.of("{\"type\":\"exit\",\"ts\":9223372036854775807,\"pid\":3}", ":2: field 'ts' out of range"),
                Arguments.of("{\"type\":\"exit\",\"ts\":1764300000000000000,\"pid\":99999999999999999999}", ":2: field 'pid' is out of range: 99999999999999999999"),
                Arguments.of("{\"type\":\"exit\",\"ts\":1764300000000000000,\"pid\":2201,\"type\":\"exec\"}", ":2: duplicate key 'type'"),
                Arguments.of(EXIT + ",\"x\":" + "9".repeat(2_000) + "}", ":2: number longer than 20 characters"),
                Arguments.of(EXIT + ",\"x\":" + "[".repeat(10_000) + "]".repeat(10_000) + "}", ":2: JSON nested deeper than 16 levels"),
                Arguments.of(EXIT + ",\"x\":\"" + "a".repeat(50 << 20) + "\"}", ":2: line longer than 1048576 characters"),
                Arguments.of(VF.replace("make", "m".repeat(65)), ":2: field 'comm' is longer than 64 characters (65)"),
                Arguments.of(EX + ",\"args\":[" + "\"a\",".repeat(4_096) + "\"a\"]}", ":2: field 'args' is too long"),
                Arguments.of("{\"type\":\"\\u001b[2J\\nfake\",\"ts\":1}", ":2: unknown event type '\\x1b[2J\\x0afake'"));
    }

    @ParameterizedTest
    @MethodSource("badTraces")
    void badTraceLineNamesFileAndLine(String line, String expected) throws IOException {
        Path f = dir.resolve("t.jsonl");
        Files.writeString(f, VF + "\n" + line + "\n");
        Cli.Result r = Cli.run("replay", f.toString());
        assertThat(r.code()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(r.err()).contains(f + expected);
    }

    /** Bytes that are not UTF-8 are refused at their line, for replay and test-rules, not read as U+FFFD. */
    @Test
    void aTraceThatIsNotUtf8IsRefusedAtItsLine() throws IOException {
        byte[] vf = (VF + "\n").getBytes(StandardCharsets.UTF_8);
        byte[] head = "{\"type\":\"exit\",\"ts\":1764300000001000000,\"pid\":2201,\"x\":\"".getBytes(StandardCharsets.UTF_8);
        for (byte[] bad : List.of(new byte[] {(byte) 0xC3, '('}, new byte[] {(byte) 0xFF}, new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80})) {
            Path f = write("t.jsonl", vf, head, bad, "\"}\n".getBytes(StandardCharsets.UTF_8));
            Cli.Result r = Cli.run("replay", f.toString());
            assertThat(r.code()).isEqualTo(ExitCode.BAD_INPUT);
            assertThat(r.err()).contains(f + ":2: not valid UTF-8 at byte " + (head.length + 1) + " of the line");
        }
        // A sequence cut short by the end of the file, no newline after it.
        Path cut = write("cut.jsonl", vf, head, new byte[] {(byte) 0xE2, (byte) 0x82});
        assertThat(Cli.run("replay", cut.toString()).err()).contains(cut + ":2: not valid UTF-8 at byte " + (head.length + 1));

        Path c = write("case.jsonl", vf, "{\"type\":\"clock\",\"ts\":1764300010000000000}\n".getBytes(StandardCharsets.UTF_8),
                "{\"type\":\"expect\",\"rule\":\"Vfork child stalled\",\"fields\":{\"proc.name\":\"m".getBytes(StandardCharsets.UTF_8),
                new byte[] {(byte) 0xE9}, "\"}}\n".getBytes(StandardCharsets.UTF_8));
        Cli.Result t = Cli.run("test-rules", c.toString());
        assertThat(t.code()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(t.err()).contains(c + ":3: not valid UTF-8 at byte 71 of the line");
    }

    @Test
    void validUtf8ReadsWholeAcrossReadBuffers() throws IOException {
        // A 3-byte character cut by the reader's 64 KiB buffer, and a line of 1.2 MB but 400,000 characters.
        String x = "a".repeat((1 << 16) - VF.length() - 1 - 60) + "\u20ac".repeat(40) + "\uD83D\uDE00";
        String wide = "\u20ac".repeat(400_000);
        Path f = dir.resolve("t.jsonl");
        Files.writeString(f, VF + "\n" + EXIT + ",\"exit_code\":127,\"x\":\"" + x + "\"}\n"
                + "{\"type\":\"clock\",\"ts\":1764300000002000000,\"x\":\"" + wide + "\"}\n", StandardCharsets.UTF_8);
        assertThat(Files.size(f)).isGreaterThan(1 << 20);
        Cli.Result r = Cli.run("replay", f.toString());
        assertThat(r.code()).as(r.err()).isEqualTo(ExitCode.OK);
        assertThat(r.out()).contains("Vfork child exited without exec");
    }

    private Path write(String name, byte[]... parts) throws IOException {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return Files.write(dir.resolve(name), b.toByteArray());
    }

    @Test
    void alertsBeforeABadLineAreStillDelivered() throws IOException {
        Path f = dir.resolve("t.jsonl");
        Files.writeString(f, VF + "\n"
                + "{\"type\":\"exit\",\"ts\":1764300000001000000,\"pid\":2201,\"exit_code\":127}\n"
                + "oops\n");
        // The exit is still within the reorder allowance when the bad line comes: it must be evaluated anyway.
        Cli.Result r = Cli.run("replay", f.toString());
        assertThat(r.code()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(r.out()).contains("Vfork child exited without exec");
        assertThat(r.err()).contains(f + ":3: malformed JSON");
    }

    @Test
    void aDirectoryAsTraceIsBadInput() {
        Cli.Result r = Cli.run("replay", dir.toString());
        assertThat(r.code()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(r.err()).contains(dir + ": cannot read trace");
    }

    @Test
    void missingTraceFile() {
        Cli.Result r = Cli.run("replay", dir.resolve("nope.jsonl").toString());
        assertThat(r.code()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(r.err()).contains("nope.jsonl: trace file not found");
    }

    @Test
    void brokenRuleIsReportedWithLineAndColumnAndNothingRuns() throws IOException {
        Path rules = dir.resolve("bad.drl");
        Files.writeString(rules, "rule \"x\"\n@priority(\"Warning\") @tags(\"a\") @description(\"d\")\nwhen\n    Vfork( pid == )\nthen\nend\n");
        for (String cmd : new String[] {"check", "replay"}) {
            Cli.Result r = cmd.equals("check") ? Cli.run("check", "--rules", rules.toString())
                    : Cli.run("replay", "--rules", rules.toString(), Cli.sample("stalled-child.jsonl"));
            assertThat(r.code()).as(cmd).isEqualTo(ExitCode.BAD_INPUT);
            assertThat(r.err()).as(cmd).containsPattern(java.util.regex.Pattern.quote(rules.toString()) + ":4:\\d+: ");
            assertThat(r.out()).as(cmd).isEmpty();
        }
    }

    @Test
    void unknownTypeInRuleNamesTheLine() throws IOException {
        Path rules = dir.resolve("bad.drl");
        Files.writeString(rules, "package my.rules\n\nrule \"x\"\n@priority(\"Warning\") @tags(\"a\") @description(\"d\")\nwhen\n    Fork( pid == 1 )\nthen\nend\n");
        Cli.Result r = Cli.run("check", "--rules", rules.toString());
        assertThat(r.code()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(r.err()).contains(rules + ":6:");
    }

    @Test
    void brokenConsequenceNamesTheRule() throws IOException {
        Path rules = dir.resolve("c.drl");
        Files.writeString(rules, "// a comment\n\nrule \"y\"\n@priority(\"Warning\") @tags(\"a\") @description(\"d\")\nwhen\n    $v : Vfork()\n"
                + "then\n    alerts.child(drools, $v, 42);\nend\n");
        Cli.Result r = Cli.run("check", "--rules", rules.toString());
        assertThat(r.code()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(r.err()).contains(rules + ":3:1: rule \"y\": The method child(");
    }

    @Test
    void unknownParameterNamesColumn() throws IOException {
        Path rules = dir.resolve("p.drl");
        Files.writeString(rules, "rule \"x\"\n@priority(\"Warning\") @tags(\"a\") @description(\"d\")\nwhen\n    $v : Vfork()\n    not Exec(pid == $v.pid, this after[0ms, ${vfork.stal_threshold}] $v)\nthen\nend\n");
        Cli.Result r = Cli.run("check", "--rules", rules.toString());
        assertThat(r.code()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(r.err()).contains(rules + ":5:45: unknown parameter 'vfork.stal_threshold'");
    }

    @Test
    void missingMetadataAndBadPriority() throws IOException {
        Path rules = dir.resolve("m.drl");
        Files.writeString(rules, "rule \"no meta\"\nwhen\n    Vfork()\nthen\nend\n\n"
                + "rule \"bad prio\"\n@priority(\"Urgent\") @tags(\"a\") @description(\"d\")\nwhen\n    Exec()\nthen\nend\n");
        Cli.Result r = Cli.run("check", "--rules", rules.toString());
        assertThat(r.code()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(r.err()).contains(rules + ":1:1: rule \"no meta\": missing metadata @priority, @tags, @description")
                .contains(rules + ":7:1: rule \"bad prio\": unknown priority 'Urgent'");
    }

    @Test
    void missingRulePath() {
        Cli.Result r = Cli.run("check", "--rules", dir.resolve("none").toString());
        assertThat(r.code()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(r.err()).contains("none:1:1: no such file or directory");
    }

    @Test
    void configUnknownKeyNamesLine() throws IOException {
        Path cfg = dir.resolve("c.yaml");
        Files.writeString(cfg, "output:\n  format: json\nengine:\n  reorder_alowance: 50ms\n");
        Cli.Result r = Cli.run("check", "--config", cfg.toString());
        assertThat(r.code()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(r.err()).contains(cfg + ":4:3: unknown key 'engine.reorder_alowance' (did you mean 'engine.reorder_allowance'?)");
    }

    @Test
    void configWrongTypeNamesKeyAndLine() throws IOException {
        Path cfg = dir.resolve("c.yaml");
        Files.writeString(cfg, "engine:\n  reorder_allowance: soon\n");
        Cli.Result r = Cli.run("check", "--config", cfg.toString());
        assertThat(r.code()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(r.err()).contains(cfg + ":2:3: engine.reorder_allowance: expected a duration like 5s, 100ms, 2m or 1h, got 'soon'");
    }

    @Test
    void configBadYaml() throws IOException {
        Path cfg = dir.resolve("c.yaml");
        Files.writeString(cfg, "output:\n  format: [json\n");
        Cli.Result r = Cli.run("check", "--config", cfg.toString());
        assertThat(r.code()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(r.err()).contains(cfg + ":").contains("not valid YAML");
    }

    @Test
    void configParamTypoIsCaught() throws IOException {
        Path cfg = dir.resolve("c.yaml");
        Files.writeString(cfg, "params:\n  vfork:\n    stall_treshold: 2s\n");
        Cli.Result r = Cli.run("check", "--config", cfg.toString());
        assertThat(r.code()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(r.err()).contains(cfg + ":3:1: parameter 'params.vfork.stall_treshold' is not used by any rule");
    }

    static Stream<Arguments> badConfigs() {
        String digits = "9".repeat(2_000);
        return Stream.of(
                Arguments.of("engine:\n  reorder_allowance: 100ms\n  reorder_allowance: 5s\n", ":3:20: not valid YAML: Duplicate field 'reorder_allowance'"),
                Arguments.of("engine:\n  max_facts: 5\nengine:\n  hostname: x\n", ":3:7: not valid YAML: Duplicate field 'engine'"),
                Arguments.of("engine:\n  hostname: &h box\noutputs:\n  webhook:\n    spool_dir: *h\n", ":2:13: YAML anchors and aliases (&name, *name) are not supported"),
                Arguments.of("outputs:\n  webhook:\n    spool_dir: *h\n", ":3:16: YAML anchors and aliases"),
                Arguments.of("params:\n  vfork:\n    stall_threshold: 9999999999999h\n", "c.yaml:3): duration '9999999999999h' is too long"),
                Arguments.of("engine:\n  event_retention: " + digits + "s\n", "engine.event_retention: duration '999"),
                Arguments.of("engine:\n  max_facts: " + digits + "\n", "engine.max_facts: whole number '999"),
                Arguments.of("engine:\n  max_facts: 0\n", ":2: engine.max_facts: expected at least 1, got 0"),
                Arguments.of("engine:\n  hostname: \"a\\u001b[31mb\"\n  " + "x".repeat(500) + ": 1\n", "unknown key 'engine.xxxx"),
                Arguments.of("engine:\n  " + "x".repeat(5_000) + ": 1\n", ":2:5003: not valid YAML: mapping values are not allowed here"),
                Arguments.of("params:\n  x:\n" + nested(20) + "\n", "nested deeper than 16 levels"));
    }

    /** {@code depth} levels of nested mappings below params.x. */
    static String nested(int depth) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < depth; i++) {
            sb.append("  ".repeat(i + 2)).append("k").append(i).append(":\n");
        }
        return sb.append("  ".repeat(depth + 2)).append("v: 1").toString();
    }

    @ParameterizedTest
    @MethodSource("badConfigs")
    void badConfigIsExit2WithTheLine(String yaml, String expected) throws IOException {
        Path cfg = dir.resolve("c.yaml");
        Files.writeString(cfg, yaml);
        Cli.Result r = Cli.run("replay", "--config", cfg.toString(), Cli.sample("mixed.jsonl"));
        assertThat(r.code()).as(r.err()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(r.err()).contains(cfg.toString()).contains(expected).doesNotContain("internal error");
        assertThat(r.err().lines()).as("messages quote a bounded part of the input").allMatch(l -> l.length() < 400);
        assertThat(r.out()).isEmpty();
    }

    @Test
    void hugeConfigFileIsRefusedBeforeParsing() throws IOException {
        Path cfg = dir.resolve("c.yaml");
        Files.writeString(cfg, "# " + "x".repeat(2 << 20) + "\n");
        Cli.Result r = Cli.run("check", "--config", cfg.toString());
        assertThat(r.code()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(r.err()).contains(cfg + ": config file larger than 1048576 bytes");
    }

    @Test
    void missingConfigFile() {
        Cli.Result r = Cli.run("check", "--config", dir.resolve("x.yaml").toString());
        assertThat(r.code()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(r.err()).contains("x.yaml: config file not found");
    }

    @Test
    void badArguments() {
        assertThat(Cli.run("replay").code()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(Cli.run("replay", "--bogus", "x").code()).isEqualTo(ExitCode.BAD_INPUT);
        Cli.Result r = Cli.run("replay", "--output", "xml", Cli.sample("stalled-child.jsonl"));
        assertThat(r.code()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(r.err()).contains("--output: expected text or json, got 'xml'");
        assertThat(Cli.run("nosuchcommand").code()).isEqualTo(ExitCode.BAD_INPUT);
    }

    @Test
    void theUsageHintNamesTheCommandOnce() {
        assertThat(Cli.run("--bogus").err()).contains("Try 'forkwatch --help'.").doesNotContain("forkwatch forkwatch");
        assertThat(Cli.run("replay", "--bogus", "x").err()).contains("Try 'forkwatch replay --help'.");
    }

    @Test
    void checkHelpListsOnlyTheOptionsCheckUses() {
        Cli.Result r = Cli.run("check", "--help");
        assertThat(r.out()).contains("--rules", "--config").doesNotContain("--webhook", "--spool-dir", "--output");
    }

    @Test
    void checkListsRulesOfTheDefaultPack() {
        Cli.Result r = Cli.run("check");
        assertThat(r.code()).isZero();
        assertThat(r.out().split("\n")).contains("Vfork child stalled", "Vfork child exited without exec", "Vfork storm");
    }
}
