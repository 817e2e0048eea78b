package dev.forkwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What would fail on ordinary input is refused before anything runs, by check and replay alike (run uses the
 * same Pipeline.open; RunCommandTest covers it live): rules that throw on the smoke trace, params of the wrong
 * type, settings run would refuse; and warned about: windows longer than the retention.
 */
class RefusedBeforeRunTest {
    @TempDir
    Path tmp;

    Path rule(String name, String when, String then) throws Exception {
        return Files.writeString(tmp.resolve(name), """
                // a test rule
                rule "%s"
                    @priority("Notice")
                    @tags("test")
                    @description("d")
                when
                    %s
                then
                    %s
                end
                """.formatted(name, when, then));
    }

    @Test
    void aTypeMismatchInAConditionIsRefusedAtItsRule() throws Exception {
        Path r = rule("root.drl", "Vfork(uid == \"root\")", "");
        for (String cmd : new String[] {"check", "replay"}) {
            Cli.Result res = cmd.equals("check") ? Cli.run("check", "--rules", r.toString())
                    : Cli.run("replay", "--rules", r.toString(), Cli.sample("mixed.jsonl"));
            assertThat(res.code()).as(cmd).isEqualTo(ExitCode.BAD_INPUT);
            assertThat(res.err()).as(cmd).contains(r + ":2:1: rule \"root.drl\" throws on ordinary input")
                    .contains("NumberFormatException: For input string: \"root\"").doesNotContain("\tat ");
            assertThat(res.out()).as(cmd).isEmpty();
        }
    }

    @Test
    void aConsequenceThatThrowsOnEmptyStringsIsRefused() throws Exception {
        Path r = rule("first.drl", "$v : Vfork()", "alerts.child(drools, $v, \"first letter \" + $v.comm().charAt(0));");
        Cli.Result res = Cli.run("check", "--rules", r.toString());
        assertThat(res.code()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(res.err()).contains(r + ":2:1: rule \"first.drl\" throws on ordinary input")
                .contains("StringIndexOutOfBoundsException");
    }

    @Test
    void aMessageFieldTheAlertNeverCarriesIsReported() throws Exception {
        Path r = rule("typo.drl", "$v : Vfork()", "alerts.child(drools, $v, \"child %proc.pid of %proc.pnmae\");");
        Cli.Result res = Cli.run("check", "--rules", r.toString());
        assertThat(res.code()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(res.err()).contains(r + ":2:1: rule \"typo.drl\" the message refers to %proc.pnmae, a field its alerts do not carry");
    }

    @Test
    void paramsOfTheWrongTypeAreReportedAtTheConfigLine() throws Exception {
        Path cfg = Files.writeString(tmp.resolve("my.yaml"), "params:\n  vfork:\n    stall_threshold: five\n    storm_threshold: three\n");
        Cli.Result res = Cli.run("check", "--config", cfg.toString());
        assertThat(res.code()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(res.err()).contains(cfg + ":3:1: params.vfork.stall_threshold: expected a duration like 5s or 100ms")
                .contains("got 'five'")
                .contains(cfg + ":4:1: params.vfork.storm_threshold: expected a number").contains("got 'three'")
                .doesNotContain("forkwatch: <embedded>"); // blamed on the config, not on the rule that uses it
        Cli.Result replay = Cli.run("replay", "--config", cfg.toString(), Cli.sample("mixed.jsonl"));
        assertThat(replay.code()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(replay.err()).contains(cfg + ":3:1: params.vfork.stall_threshold");
    }

    @Test
    void checkValidatesWhatRunValidates() throws Exception {
        Path cfg = Files.writeString(tmp.resolve("ring.yaml"), "live:\n  ring_size_bytes: 5000\n");
        Cli.Result res = Cli.run("check", "--config", cfg.toString());
        assertThat(res.code()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(res.err()).contains(cfg + ":2: live.ring_size_bytes: expected a power of two");
    }

    @Test
    void everySettingRunChecksIsCheckedByCheck() throws Exception {
        // The warm-up and the metrics endpoint are only read by run: check used to pass what run then refused.
        Map<String, String> refused = Map.of(
                "live:\n  warmup_events: -1\n", ":2: live.warmup_events: expected 0 (off) or more, got -1",
                "metrics:\n  listen: \"::1:9464\"\n", "metrics.listen (", "metrics:\n  listen: 9464\n  max_lag: 0s\n",
                "metrics.max_lag (");
        int n = 0;
        for (var e : refused.entrySet()) {
            Path cfg = Files.writeString(tmp.resolve("settings" + n++ + ".yaml"), e.getKey());
            Cli.Result res = Cli.run("check", "--config", cfg.toString());
            assertThat(res.code()).as(e.getKey()).isEqualTo(ExitCode.BAD_INPUT);
            assertThat(res.err()).as(e.getKey()).contains(e.getValue());
        }
    }

    @Test
    void aWindowLongerThanTheRetentionIsAWarning() throws Exception {
        Path r = rule("long.drl", "$v : Vfork()\n    not Exec(pid == $v.pid, this after[0ms, 2m] $v)", "");
        Cli.Result res = Cli.run("check", "--rules", r.toString());
        assertThat(res.code()).as(res.err()).isZero();
        assertThat(res.err()).contains("warning: " + r + ":8:1: rule \"long.drl\": window 2m is longer than "
                + "engine.event_retention (30s)");
        Path cfg = Files.writeString(tmp.resolve("keep.yaml"), "engine:\n  event_retention: 3m\n");
        assertThat(Cli.run("check", "--rules", r.toString(), "--config", cfg.toString()).err()).doesNotContain("warning");
    }

    @Test
    void theDefaultPackPassesTheSmokeTrace() {
        Cli.Result res = Cli.run("check");
        assertThat(res.code()).as(res.err()).isZero();
        assertThat(res.err()).doesNotContain("warning");
    }

    @Test
    void asRootRuleAndConfigFilesOthersCanChangeAreRefused() throws Exception {
        Path r = rule("shared.drl", "Vfork()", "");
        Files.setPosixFilePermissions(r, java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-"));
        Cli.Result res = Cli.run("check", "--rules", r.toString());
        assertThat(res.code()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(res.err()).contains(r + ": refusing to load this rule file as root: it is writable by others");
        Path cfg = Files.writeString(tmp.resolve("c.yaml"), "output:\n  format: json\n");
        Files.setAttribute(cfg, "unix:uid", 4242);
        Cli.Result c = Cli.run("replay", "--config", cfg.toString(), Cli.sample("mixed.jsonl"));
        assertThat(c.code()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(c.err()).contains(cfg + ": refusing to load this config file as root: it is owned by");
        assertThat(c.out()).isEmpty();
    }
}
