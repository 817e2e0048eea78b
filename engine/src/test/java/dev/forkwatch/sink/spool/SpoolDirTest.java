package dev.forkwatch.sink.spool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files root opens (the "Why" reproduction: root followed .seg symlinks in a spool directory another user made,
 * copied a root-only file into a world-readable dead letter and truncated a root-owned file). Runs as root, as
 * the whole suite does; "nobody" stands for the other user.
 */
class SpoolDirTest {
    @TempDir
    Path tmp;

    private static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, java.nio.file.LinkOption.NOFOLLOW_LINKS));
    }

    /** A root-only file with a secret in it, as /etc/shadow would be. */
    private Path secret() throws Exception {
        Path f = tmp.resolve("shadow");
        Files.writeString(f, "root:$6$secret-hash:19000::::::\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        return f;
    }

    private static void chownToNobody(Path p) throws Exception {
        UserPrincipal nobody = p.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
        Files.setOwner(p, nobody);
    }

    @Test
    void aNewSpoolIs0700AndEveryFileInIt0600() throws Exception {
        Path dir = tmp.resolve("a/b/spool");
        try (Spool s = Spool.open(dir, 1 << 20, true)) {
            s.append(SpoolTest.json(1), 1);
            Record r = s.peek();
            s.deadLetter(r, "test", "2025-01-01T00:00:00Z");
            s.advance(r);
            s.commitCursor();
            assertThat(mode(dir)).isEqualTo("rwx------");
            try (Stream<Path> files = Files.list(dir)) {
                assertThat(files.toList()).extracting(p -> p.getFileName().toString())
                        .contains("lock", "cursor", "dead-letter.jsonl").anyMatch(n -> n.endsWith(".seg"));
            }
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    assertThat(mode(f)).as(f.toString()).isEqualTo("rw-------");
                }
            }
        }
    }

    @Test
    void aDirectoryOwnedByAnotherUserIsRefusedBeforeAnythingInItIsTouched() throws Exception {
        Path secret = secret();
        Path dir = Files.createDirectory(tmp.resolve("spool"));
        Files.createSymbolicLink(dir.resolve("00000000000000000001.seg"), secret);
        Files.createSymbolicLink(dir.resolve("dead-letter.jsonl"), tmp.resolve("stolen"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        chownToNobody(dir);
        assertThatThrownBy(() -> Spool.open(dir, 1 << 20, true)).isInstanceOf(UnsafeSpoolException.class)
                .hasMessageContaining(dir.toString()).hasMessageContaining("is owned by nobody")
                .hasMessageContaining("not by this user");
        assertThat(Files.readString(secret)).isEqualTo("root:$6$secret-hash:19000::::::\n");
        assertThat(tmp.resolve("stolen")).doesNotExist();
    }

    @Test
    void aGroupOrWorldWritableDirectoryIsRefused() throws Exception {
        for (String m : new String[] {"rwxrwx---", "rwx---rwx", "rwxrwxrwt"}) {
            Path dir = Files.createDirectory(tmp.resolve("spool-" + m));
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString(m.replace('t', 'x')));
            assertThatThrownBy(() -> Spool.open(dir, 1 << 20, true)).as(m).isInstanceOf(UnsafeSpoolException.class)
                    .hasMessageContaining("writable by group or others");
        }
    }

    @Test
    void aSymlinkedSpoolDirectoryIsRefused() throws Exception {
        Path real = Files.createDirectory(tmp.resolve("real"), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
        Path link = Files.createSymbolicLink(tmp.resolve("spool"), real);
        assertThatThrownBy(() -> Spool.open(link, 1 << 20, true)).isInstanceOf(UnsafeSpoolException.class)
                .hasMessageContaining(link + " is a symbolic link");
        try (Stream<Path> in = Files.list(real)) {
            assertThat(in).isEmpty();
        }
        Path file = Files.writeString(tmp.resolve("plain"), "x");
        assertThatThrownBy(() -> Spool.open(file, 1 << 20, true)).isInstanceOf(UnsafeSpoolException.class)
                .hasMessageContaining("not a directory");
    }

    @Test
    void aSegSymlinkToARootOnlyFileInOurOwnDirectoryIsRefusedAndTheFileIsUntouched() throws Exception {
        Path secret = secret();
        Path dir = tmp.resolve("spool");
        Spool.open(dir, 1 << 20, true).close(); // a good private spool ...
        Files.createSymbolicLink(dir.resolve("00000000000000000001.seg"), secret); // ... with a link planted in it
        assertThatThrownBy(() -> Spool.open(dir, 1 << 20, true)).isInstanceOf(UnsafeSpoolException.class)
                .hasMessageContaining(dir.resolve("00000000000000000001.seg") + " is not a regular file (a symbolic link)");
        assertThat(Files.readString(secret)).isEqualTo("root:$6$secret-hash:19000::::::\n");
        Files.delete(dir.resolve("00000000000000000001.seg"));

        // the same for the dead-letter file and the cursor: never written through
        Files.delete(dir.resolve("cursor"));
        Files.createSymbolicLink(dir.resolve("cursor"), secret);
        assertThatThrownBy(() -> Spool.open(dir, 1 << 20, true)).isInstanceOf(UnsafeSpoolException.class)
                .hasMessageContaining("cursor is not a regular file (a symbolic link)");
        Files.delete(dir.resolve("cursor"));
        Files.createSymbolicLink(dir.resolve("dead-letter.jsonl"), secret);
        try (Spool s = Spool.open(dir, 1 << 20, true)) {
            s.append("{\"uuid\":\"x\"}", 1);
            Record r = s.peek();
            assertThatThrownBy(() -> s.deadLetter(r, "test", "t")).isInstanceOf(UnsafeSpoolException.class)
                    .hasMessageContaining("dead-letter.jsonl is not a regular file");
        }
        assertThat(Files.readString(secret, StandardCharsets.UTF_8)).isEqualTo("root:$6$secret-hash:19000::::::\n");
    }

    @Test
    void aFifoNamedLikeASegmentIsRefusedWithoutHanging() throws Exception {
        Path dir = tmp.resolve("spool");
        Spool.open(dir, 1 << 20, true).close();
        Process p = new ProcessBuilder("mkfifo", dir.resolve("00000000000000000001.seg").toString()).start();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
        assertThatThrownBy(() -> Spool.open(dir, 1 << 20, true)).isInstanceOf(UnsafeSpoolException.class)
                .hasMessageContaining("is not a regular file (a FIFO, socket or device)");
    }
}
