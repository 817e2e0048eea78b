package dev.forkwatch.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The --record file: 0600, never written through a symlink, nothing left behind on failure. */
class RecordFileTest {
    @TempDir
    Path dir;

    @Test
    void newFileIsPrivate() throws IOException {
        Path f = dir.resolve("rec.jsonl");
        try (Writer w = RecordFile.create(f)) {
            w.write("x\n");
        }
        assertThat(Files.readString(f)).isEqualTo("x\n");
        assertThat(Files.getPosixFilePermissions(f)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        try (var s = Files.list(dir)) {
            assertThat(s).containsExactly(f);
        }
    }

    @Test
    void aSymlinkAtTheNameIsReplacedNotFollowed() throws IOException {
        Path victim = Files.writeString(dir.resolve("victim"), "root's data\n");
        Path f = Files.createSymbolicLink(dir.resolve("rec.jsonl"), victim);
        try (Writer w = RecordFile.create(f)) {
            w.write("recorded\n");
        }
        assertThat(Files.readString(victim)).isEqualTo("root's data\n");
        assertThat(Files.isSymbolicLink(f)).isFalse();
        assertThat(Files.readString(f)).isEqualTo("recorded\n");
    }

    @Test
    void aWorldReadableOldFileIsReplacedByAPrivateOne() throws IOException {
        Path f = Files.writeString(dir.resolve("rec.jsonl"), "old\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-rw-rw-"));
        Path hardLink = Files.createLink(dir.resolve("other-name"), f);
        try (Writer w = RecordFile.create(f)) {
            w.write("new\n");
        }
        assertThat(Files.getPosixFilePermissions(f, LinkOption.NOFOLLOW_LINKS)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Files.readString(hardLink)).as("another name of the old file is not written through").isEqualTo("old\n");
    }

    @Test
    void aDirectoryIsRefused() throws IOException {
        Path d = Files.createDirectory(dir.resolve("d"));
        assertThatThrownBy(() -> RecordFile.create(d)).hasMessageContaining("is a directory");
        try (var s = Files.list(dir)) {
            assertThat(s).containsExactly(d);
        }
    }
}
