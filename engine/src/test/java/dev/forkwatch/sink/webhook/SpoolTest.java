package dev.forkwatch.sink.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The spool on its own: order, restarts, torn writes, corrupt lines, segment clean-up. */
class SpoolTest {
    @TempDir
    Path dir;

    private static String json(int i) {
        return "{\"uuid\":\"u" + i + "\",\"n\":" + i + "}";
    }

    private static List<String> drain(Spool s) throws Exception {
        List<String> out = new ArrayList<>();
        Spool.Record r;
        while ((r = s.peek()) != null) {
            out.add(r.json() == null ? "CORRUPT:" + r.raw() : r.json());
            s.advance(r);
        }
        return out;
    }

    private long segments() throws Exception {
        try (Stream<Path> f = Files.list(dir)) {
            return f.filter(p -> p.toString().endsWith(".seg")).count();
        }
    }

    @Test
    void keepsOrderAcrossRestartsAndResumesAfterTheCursor() throws Exception {
        new Spool(dir.resolve("sub"), 4096, true).close(); // a new spool dir is private
        try (Spool s = new Spool(dir, 1 << 20, true)) {
            for (int i = 0; i < 5; i++) {
                assertThat(s.append(json(i), 1000 + i)).isTrue();
            }
            Spool.Record first = s.peek();
            assertThat(first.spooledAtMs()).isEqualTo(1000);
            s.advance(first);
            s.advance(s.peek());
            s.commitCursor();
        }
        try (Spool s = new Spool(dir, 1 << 20, true)) {
            assertThat(s.pendingCount()).isEqualTo(3);
            s.append(json(5), 2000);
            assertThat(drain(s)).containsExactly(json(2), json(3), json(4), json(5));
            assertThat(s.pendingCount()).isZero();
            assertThat(s.pendingBytes()).isZero();
            s.commitCursor();
        }
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("sub")))).isEqualTo("rwx------");
        // everything delivered: the old segments are gone
        try (Spool s = new Spool(dir, 1 << 20, true)) {
            assertThat(s.peek()).isNull();
        }
        assertThat(segments()).isZero();
    }

    @Test
    void cutsATornLastLineAndDeadLettersCorruptLines() throws Exception {
        try (Spool s = new Spool(dir, 1 << 20, true)) {
            s.append(json(1), 1);
            s.append(json(2), 2);
        }
        Path seg;
        try (Stream<Path> f = Files.list(dir)) {
            seg = f.filter(p -> p.toString().endsWith(".seg")).findFirst().orElseThrow();
        }
        // a line of garbage in the middle, then a write cut short by a crash
        Files.writeString(seg, "garbage line\n" + "3 {\"uuid\":\"u3\"", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        try (Spool s = new Spool(dir, 1 << 20, true)) {
            assertThat(s.truncatedAtOpen()).isEqualTo("3 {\"uuid\":\"u3\"".length());
            assertThat(drain(s)).containsExactly(json(1), json(2), "CORRUPT:garbage line");
        }
    }

    @Test
    void rollsSegmentsAndDeletesThemOnceDelivered() throws Exception {
        String big = "{\"uuid\":\"x\",\"pad\":\"" + "p".repeat(100_000) + "\"}";
        int n = (int) (Spool.SEGMENT_BYTES / big.length()) * 2 + 3;
        try (Spool s = new Spool(dir, Long.MAX_VALUE, false)) {
            for (int i = 0; i < n; i++) {
                s.append(big, i);
            }
            s.sync();
            assertThat(segments()).isGreaterThanOrEqualTo(3);
            assertThat(drain(s)).hasSize(n);
            s.commitCursor();
            assertThat(segments()).isEqualTo(1); // only the segment being written
        }
    }

    @Test
    void refusesWhatWouldPassTheBound() throws Exception {
        try (Spool s = new Spool(dir, 4096, true)) {
            int accepted = 0;
            while (s.append(json(accepted), 0)) {
                accepted++;
            }
            assertThat(s.pendingBytes()).isLessThanOrEqualTo(4096);
            assertThat(accepted).isPositive();
            assertThat(s.pendingBytes() + ("0 " + json(accepted) + "\n").length()).isGreaterThan(4096);
            assertThat(s.pendingCount()).isEqualTo(accepted);
            s.advance(s.peek()); // delivering makes room again
            s.advance(s.peek());
            assertThat(s.append(json(99), 0)).isTrue();
        }
    }
}
