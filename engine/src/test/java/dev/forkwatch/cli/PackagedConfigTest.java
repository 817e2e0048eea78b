package dev.forkwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.forkwatch.config.Config;
import dev.forkwatch.config.ConfigSchema;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Debian package's /etc/forkwatch/forkwatch.yaml, and rule directories beside the pack (rules.extra_dirs). */
class PackagedConfigTest {
    @TempDir
    Path tmp;

    @Test
    void theInstalledConfigIsTheDefaultsCommentedOutPlusTheServiceKeys() throws Exception {
        Path out = tmp.resolve("etc/forkwatch.yaml");
        Process p = new ProcessBuilder("sh", Cli.root().resolve("packaging/deb/make-config.sh").toString(),
                Cli.root().resolve("rules/forkwatch.yaml").toString(), out.toString()).inheritIO().start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
        String text = Files.readString(out);
        assertThat(text).contains("#    stall_threshold: 5s", "#  format: text", "  extra_dirs: [/etc/forkwatch/rules.d]");
        Config installed = Config.load(out);
        Config defaults = Config.defaults();
        for (String key : ConfigSchema.keys()) {
            if (key.equals("rules.extra_dirs") || key.equals("outputs.webhook.spool_dir")) {
                continue;
            }
            assertThat(Objects.equals(installed.get(key), defaults.get(key))).as(key).isTrue();
        }
        assertThat(installed.list("rules.extra_dirs")).containsExactly("/etc/forkwatch/rules.d");
        assertThat(installed.string("outputs.webhook.spool_dir")).isEqualTo("/var/lib/forkwatch/spool");
        // Uncommenting one default (with its section) gives a valid file: the commented text is the real YAML.
        Path edited = tmp.resolve("edited.yaml");
        Files.writeString(edited, text.replace("#engine:", "engine:").replace("#  reorder_allowance: 100ms", "  reorder_allowance: 250ms"));
        assertThat(Config.load(edited).nanos("engine.reorder_allowance")).isEqualTo(250_000_000L);
    }

    @Test
    void extraDirsLoadBesideTheDefaultPackAndMayBeEmpty() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("rules.d"));
        Path cfg = Files.writeString(tmp.resolve("c.yaml"), "rules:\n  extra_dirs: [" + dir + "]\n");
        Cli.Result empty = Cli.run("check", "--config", cfg.toString());
        assertThat(empty.code()).as(empty.err()).isZero();
        assertThat(empty.out()).contains("Vfork child stalled");
        Files.copy(Cli.root().resolve("samples/rules/shell.drl"), dir.resolve("shell.drl"));
        Cli.Result both = Cli.run("check", "--config", cfg.toString());
        assertThat(both.code()).as(both.err()).isZero();
        assertThat(both.out()).contains("Vfork child stalled", "Vfork child execs a shell");
        Cli.Result replay = Cli.run("replay", "--config", cfg.toString(), Cli.sample("shell.jsonl"));
        assertThat(replay.out()).contains("Vfork child execs a shell");
    }

    @Test
    void extraDirsOthersCouldWriteAreRefused() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("open"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path cfg = Files.writeString(tmp.resolve("c.yaml"), "rules:\n  extra_dirs: [" + dir + "]\n");
        Cli.Result r = Cli.run("check", "--config", cfg.toString());
        assertThat(r.code()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(r.err()).contains(dir + ":1:1: rules.extra_dirs: is writable by group or others");

        Path real = Files.createDirectories(tmp.resolve("real"));
        Path link = Files.createSymbolicLink(tmp.resolve("link"), real);
        Path file = Files.writeString(real.resolve("x.drl"), "package x;\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw-rw-"));
        Files.writeString(cfg, "rules:\n  extra_dirs: [" + link + ", " + real + "]\n");
        r = Cli.run("check", "--config", cfg.toString());
        assertThat(r.code()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(r.err()).contains(link + ":1:1: rules.extra_dirs: is a symlink")
                .contains(file + ":1:1: is writable by group or others");
        assertThat(List.of(r.err().split("\n"))).noneMatch(l -> l.contains("Exception"));
    }
}
