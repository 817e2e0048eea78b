package dev.forkwatch.sink.spool;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cursor file on its own: fixed size, two slots, checksums, the old format, garbage. */
class CursorTest {
    @TempDir
    Path tmp;

    private Cursor.Read reopen(Path dir) throws Exception {
        try (SpoolDir d = SpoolDir.open(dir); Cursor c = Cursor.open(d)) {
            return c.read();
        }
    }

    @Test
    void writesInPlaceAtAFixedSizeAndReadsTheNewestGoodSlot() throws Exception {
        Path dir = tmp.resolve("s");
        try (SpoolDir d = SpoolDir.open(dir); Cursor c = Cursor.open(d)) {
            assertThat(c.read()).isEqualTo(new Cursor.Read(null, null));
            for (int i = 1; i <= 5; i++) {
                c.write(new Cursor.Position(i, i * 100L));
                assertThat(Files.size(dir.resolve("cursor"))).isEqualTo(2 * Cursor.SLOT);
            }
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("cursor")))).isEqualTo("rw-------");
        assertThat(reopen(dir).position()).isEqualTo(new Cursor.Position(5, 500));

        // a write torn by a crash spoils the newest slot: the other one (the position before) is used
        byte[] b = Files.readAllBytes(dir.resolve("cursor"));
        int newest = new String(b, 0, Cursor.SLOT, StandardCharsets.US_ASCII).contains(" 00000000000000000005 ") ? 0 : Cursor.SLOT;
        b[newest + 40] ^= 1;
        Files.write(dir.resolve("cursor"), b);
        assertThat(reopen(dir).position()).isEqualTo(new Cursor.Position(4, 400));

        // both spoiled: unreadable, with a message showing the start of it (escaped)
        b[(Cursor.SLOT - newest) + 40] ^= 1;
        Files.write(dir.resolve("cursor"), b);
        Cursor.Read r = reopen(dir);
        assertThat(r.position()).isNull();
        assertThat(r.problem()).contains("unreadable").contains("fwcursor1");
    }

    @Test
    void theOldFormatIsReadAndGarbageIsAProblem() throws Exception {
        Path dir = tmp.resolve("s");
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.writeString(dir.resolve("cursor"), "77 0\n");
        assertThat(reopen(dir)).isEqualTo(new Cursor.Read(new Cursor.Position(77, 0), null));
        Files.writeString(dir.resolve("cursor"), "\u001b[2J77 x\n");
        Cursor.Read r = reopen(dir);
        assertThat(r.position()).isNull();
        assertThat(r.problem()).contains("unreadable").contains("\\x1b[2J77 x").doesNotContain("\u001b");
    }
}
