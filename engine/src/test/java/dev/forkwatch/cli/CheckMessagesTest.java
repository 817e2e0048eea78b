package dev.forkwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** check puts each error on the faulty line, with one column, and suggests the field or method meant. */
class CheckMessagesTest {
    static final String META = """
                @priority("Notice")
                @tags("test")
                @description("d")
            """;

    @TempDir
    Path tmp;

    Cli.Result check(String drl) throws Exception {
        return Cli.run("check", "--rules", Files.writeString(tmp.resolve("r.drl"), drl).toString());
    }

    @Test
    void anUnknownMethodInAConsequenceIsAtItsLineWithASuggestion() throws Exception {
        Cli.Result r = check("rule \"M\"\n" + META + "when\n    $v : Vfork()\nthen\n    String s = $v.commm();\nend\n");
        assertThat(r.code()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(r.err()).isEqualTo("forkwatch: " + tmp.resolve("r.drl") + ":8:19: rule \"M\": Vfork has no method 'commm'"
                + " (did you mean 'comm'?)\n");
    }

    @Test
    void anUnknownFieldInAConditionIsAtItsColumnWithoutMvelPositions() throws Exception {
        Cli.Result r = check("rule \"F\"\n" + META + "when\n    $x : Exec(filenme == \"/bin/sh\")\nthen\nend\n");
        assertThat(r.code()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(r.err()).contains(":6:15: rule \"F\": Exec has no field 'filenme' (did you mean 'filename'?)")
                .doesNotContain("[Line:").doesNotContain("Column");
    }

    @Test
    void aFieldWithNoNearMissListsWhatThereIs() throws Exception {
        Cli.Result r = check("rule \"F\"\n" + META + "when\n    Exit(zzzzzz == 1)\nthen\nend\n");
        assertThat(r.err()).contains("Exit has no field 'zzzzzz' (it has: exitCode, pid, signal, ts)");
    }

    @Test
    void aMissingEndIsReportedAtTheRuleThatLacksIt() throws Exception {
        Cli.Result r = check("rule \"No end\"\n" + META + "when\n    $v : Vfork()\nthen\n\n"
                + "rule \"Next\"\n" + META + "when\n    Vfork()\nthen\nend\n");
        assertThat(r.code()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(r.err()).isEqualTo("forkwatch: " + tmp.resolve("r.drl") + ":1:1: rule \"No end\" has no 'end' before the rule at line 9\n");
        Cli.Result last = check("rule \"Last\"\n" + META + "when\n    Vfork()\nthen\n");
        assertThat(last.err()).contains(":1:1: rule \"Last\" has no 'end' before the end of the file");
    }

    @Test
    void aFileThatDoesNotParseIsTheOnlyOneBlamed() throws Exception {
        // Beside the default pack, in its package: the parse error used to leave the package without its declared
        // types, and the correct vfork.drl was blamed for "Unable to resolve ObjectType 'Spawned'" six times.
        Path dir = Files.createDirectory(tmp.resolve("rules"));
        Files.copy(Path.of(System.getProperty("forkwatch.root", "..")).resolve("rules/vfork.drl"), dir.resolve("vfork.drl"));
        Files.writeString(dir.resolve("extra.drl"), "package forkwatch.rules;\nrule \"Broken\"\n" + META
                + "when\n    $v : Vfork(\nthen\nend\n");
        Cli.Result r = Cli.run("check", "--rules", dir.toString());
        assertThat(r.code()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(r.err()).contains(dir.resolve("extra.drl") + ":").doesNotContain("vfork.drl");
    }
    @Test
    void aDurationDroolsCannotReadIsAnErrorAtItsPlaceNotAnInternalError() throws Exception {
        // Drools throws on these instead of reporting them: each number of a duration must fit an int.
        Cli.Result big = check("declare Seen\n    @role(event)\n    @expires(99999999999ms)\n    pid : int\nend\n");
        assertThat(big.code()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(big.err()).isEqualTo("forkwatch: " + tmp.resolve("r.drl") + ":3:14: '99999999999' is too large: Drools"
                + " reads each number of a duration or timer as an int (at most 2147483647); use a larger unit (e.g. 30d,"
                + " not 2592000000ms)\n");
        Cli.Result window = check("rule \"W\"\n" + META + "when\n    $v : Vfork()\n"
                + "    Exec(this after[0, 99999999999s] $v)\nthen\nend\n");
        assertThat(window.code()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(window.err()).contains("r.drl:7:24: '99999999999' is too large").doesNotContain("internal error");
        // From a param: at the rule that uses it, naming the param and its config line.
        Path cfg = Files.writeString(tmp.resolve("c.yaml"), "params:\n  vfork:\n    stall_threshold: 99999999999ms\n");
        Cli.Result param = Cli.run("check", "--config", cfg.toString());
        assertThat(param.code()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(param.err()).startsWith("forkwatch: <embedded>/vfork.drl:").contains(": parameter 'vfork.stall_threshold' ("
                + cfg + ":3): '99999999999' is too large");
        Cli.Result word = check("declare Seen\n    @role(event)\n    @expires(abc)\n    pid : int\nend\n");
        assertThat(word.code()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(word.err()).contains("r.drl:3:14: 'abc' is not a duration (e.g. 500ms, 5s, 10m, 1h30m)");
    }
    @Test
    void aBadAnnotationOfADeclaredTypeIsAtTheAnnotation() throws Exception {
        // Drools names the type but no place, and prints a parser object for the @timestamp field.
        Cli.Result ts = check("declare Seen\n    @role(event)\n    @timestamp(nosuch)\n    pid : int\nend\n");
        assertThat(ts.code()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(ts.err()).startsWith("forkwatch: " + tmp.resolve("r.drl") + ":3:5: ").contains("'nosuch'", "'Seen'")
                .doesNotContain("AnnotationDescr", "<rules>");
        Cli.Result duration = check("declare Seen\n    @role(event)\n    @duration(nosuch)\n    pid : int\nend\n");
        assertThat(duration.code()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(duration.err()).startsWith("forkwatch: " + tmp.resolve("r.drl") + ":3:5: ").contains("'nosuch'");
    }
}
