package dev.forkwatch.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files root runs as code: real files, real owners and modes (the suite runs as root, as forkwatch does). */
class FileTrustTest {
    @TempDir
    Path tmp;
    Path rule;

    @BeforeEach
    void setUp() throws Exception {
        assertThat(FileTrust.runningAsRoot()).as("these tests change owners: they need root").isTrue();
        rule = Files.writeString(tmp.resolve("r.drl"), "rule");
        Files.setPosixFilePermissions(rule, PosixFilePermissions.fromString("rw-r--r--"));
    }

    @Test
    void aRootOwnedFileInRootOwnedDirectoriesIsAccepted() {
        // tmp is below /tmp: root-owned and world-writable, but sticky.
        assertThat(Files.isWritable(Path.of("/tmp"))).isTrue();
        assertThatCode(() -> FileTrust.checkAsRoot(rule, "rule file")).doesNotThrowAnyException();
    }

    @Test
    void aWorldWritableFileIsRefused() throws Exception {
        Files.setPosixFilePermissions(rule, PosixFilePermissions.fromString("rw-rw-rw-"));
        assertThatThrownBy(() -> FileTrust.checkAsRoot(rule, "rule file")).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(rule + ": refusing to load this rule file as root: it is writable by others (mode 0666)")
                .hasMessageContaining("chmod go-w " + rule);
    }

    @Test
    void aGroupWritableFileIsRefused() throws Exception {
        Files.setPosixFilePermissions(rule, PosixFilePermissions.fromString("rw-rw-r--"));
        assertThatThrownBy(() -> FileTrust.checkAsRoot(rule, "rule file")).hasMessageContaining("writable by its group (mode 0664)");
    }

    @Test
    void aFileOwnedByAnotherUserIsRefused() throws Exception {
        Files.setAttribute(rule, "unix:uid", 4242);
        assertThatThrownBy(() -> FileTrust.checkAsRoot(rule, "rule file"))
                .hasMessageContaining("it is owned by").hasMessageContaining("(uid 4242), not root")
                .hasMessageContaining("chown root " + rule);
    }

    @Test
    void forItsOwnFilesAUserTakesRootsPlaceTheDirectoriesAboveMayBeRoots() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("cache"));
        Path entry = Files.writeString(dir.resolve("pack.bin"), "x");
        Files.setAttribute(dir, "unix:uid", 4242);
        Files.setAttribute(entry, "unix:uid", 4242);
        assertThatCode(() -> FileTrust.checkOwnedBy(entry, "compiled pack", 4242)).doesNotThrowAnyException();
        assertThatThrownBy(() -> FileTrust.checkOwnedBy(entry, "compiled pack", 4343))
                .hasMessageContaining("refusing to load this compiled pack as uid 4343: it is owned by")
                .hasMessageContaining("(uid 4242), not uid 4343");
        // The file itself must be the user's, not root's; and root is held to root-owned files.
        Files.setAttribute(entry, "unix:uid", 0);
        assertThatThrownBy(() -> FileTrust.checkOwnedBy(entry, "compiled pack", 4242)).hasMessageContaining("(uid 0), not uid 4242");
        assertThatThrownBy(() -> FileTrust.checkOwnedBy(entry, "compiled pack", 0)).hasMessageContaining(dir + " is owned by");
        Files.setAttribute(entry, "unix:uid", 4242);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertThatThrownBy(() -> FileTrust.checkOwnedBy(entry, "compiled pack", 4242)).hasMessageContaining(dir + " is writable by others");
    }

    @Test
    void aWritableDirectoryAboveIsRefusedUnlessRootOwnedAndSticky() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("shared"));
        Path inside = Files.writeString(dir.resolve("x.yaml"), "{}");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertThatThrownBy(() -> FileTrust.checkAsRoot(inside, "config file"))
                .hasMessageContaining(dir + " is writable by others (mode 0777)");
        Files.setAttribute(dir, "unix:mode", 01777);
        assertThatCode(() -> FileTrust.checkAsRoot(inside, "config file")).doesNotThrowAnyException();
        Files.setAttribute(dir, "unix:uid", 4242); // sticky, but not root's: its owner may replace the file
        assertThatThrownBy(() -> FileTrust.checkAsRoot(inside, "config file")).hasMessageContaining(dir + " is owned by");
    }

    @Test
    void aSymlinkIsCheckedAtItsTarget() throws Exception {
        Path unsafe = Files.createDirectory(tmp.resolve("unsafe"));
        Path target = Files.writeString(unsafe.resolve("t.drl"), "rule");
        Files.setAttribute(unsafe, "unix:uid", 4242);
        Path link = Files.createSymbolicLink(tmp.resolve("link.drl"), target);
        assertThatThrownBy(() -> FileTrust.checkAsRoot(link, "rule file"))
                .hasMessageStartingWith(link + ": refusing").hasMessageContaining(unsafe + " is owned by");
    }
}
