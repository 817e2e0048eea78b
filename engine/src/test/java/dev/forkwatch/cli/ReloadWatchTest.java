package dev.forkwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.forkwatch.config.Config;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code run --watch}: a burst of writes asks for one reload, once the files are quiet; a chmod is a change too. */
class ReloadWatchTest {
    @TempDir
    Path tmp;

    @Test
    void aBurstOfWritesMakesOneReloadAndAChmodAnother() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("rules"));
        Path drl = Files.writeString(dir.resolve("a.drl"), "// v0\n");
        Path yaml = Files.writeString(tmp.resolve("fw.yaml"), "");
        Config config = Config.defaults().with("rules.paths", List.of(dir.toString()), "test");
        List<String> asked = new CopyOnWriteArrayList<>();
        try (ReloadWatch w = new ReloadWatch(yaml, () -> config, asked::add).start()) {
            for (int i = 1; i <= 6; i++) { // an editor saving in pieces, faster than the poll
                Files.writeString(drl, "// v" + i + "\n");
                Thread.sleep(ReloadWatch.INTERVAL_MS / 3);
            }
            awaitCount(asked, 1);
            Thread.sleep(3 * ReloadWatch.INTERVAL_MS);
            assertThat(asked).containsExactly(ReloadWatch.CAUSE);
            Files.setPosixFilePermissions(drl, PosixFilePermissions.fromString("rw-rw-rw-"));
            awaitCount(asked, 2);
            Files.writeString(yaml, "params: {}\n"); // the config file is watched too
            awaitCount(asked, 3);
            Files.writeString(dir.resolve("b.drl"), "// new\n"); // so are new files in a rule directory
            awaitCount(asked, 4);
        }
        Thread.sleep(2 * ReloadWatch.INTERVAL_MS);
        Files.writeString(drl, "// after close\n");
        Thread.sleep(3 * ReloadWatch.INTERVAL_MS);
        assertThat(asked).hasSize(4);
    }

    private static void awaitCount(List<String> asked, int n) throws InterruptedException {
        for (int i = 0; i < 100 && asked.size() < n; i++) {
            Thread.sleep(100);
        }
        assertThat(asked).hasSize(n);
    }
}
