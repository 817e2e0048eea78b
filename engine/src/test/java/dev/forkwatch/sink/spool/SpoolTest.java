package dev.forkwatch.sink.spool;

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

/** The spool as a whole: order, restarts, segment clean-up, the bound, corrupt lines never reaching peek as alerts. */
class SpoolTest {
    @TempDir
    Path dir;

    static String json(int i) {
        return "{\"uuid\":\"u" + i + "\",\"n\":" + i + "}";
    }

    /** Takes every record: alerts as their JSON, corrupt ones as "CORRUPT:" + raw. */
    static List<String> drain(Spool s) throws Exception {
        List<String> out = new ArrayList<>();
        Record r;
        while ((r = s.peek()) != null) {
            out.add(r.json() == null ? "CORRUPT:" + r.raw() : r.json());
            s.advance(r);
        }
        return out;
    }

    static List<Path> segments(Path dir) throws Exception {
        try (Stream<Path> f = Files.list(dir)) {
            return f.filter(p -> p.toString().endsWith(".seg")).sorted().toList();
        }
    }

    @Test
    void keepsOrderAcrossRestartsAndResumesAfterTheCursor() throws Exception {
        try (Spool s = Spool.open(dir, 1 << 20, true)) {
            for (int i = 0; i < 5; i++) {
                assertThat(s.append(json(i), 1000 + i)).isTrue();
            }
            Record first = s.peek();
            assertThat(first.spooledAtMs()).isEqualTo(1000);
            s.advance(first);
            s.advance(s.peek());
            s.commitCursor();
        }
        try (Spool s = Spool.open(dir, 1 << 20, true)) {
            assertThat(s.notes()).isEmpty();
            assertThat(s.pendingCount()).isEqualTo(3);
            s.append(json(5), 2000);
            assertThat(drain(s)).containsExactly(json(2), json(3), json(4), json(5));
            assertThat(s.pendingCount()).isZero();
            assertThat(s.pendingBytes()).isZero();
            s.commitCursor();
        }
        try (Spool s = Spool.open(dir, 1 << 20, true)) {
            assertThat(s.peek()).isNull(); // everything delivered: nothing again, and the old segments are gone
        }
        assertThat(segments(dir)).isEmpty();
    }

    @Test
    void linesThatAreNotOneJsonObjectComeBackCorruptNeverAsAlerts() throws Exception {
        try (Spool s = Spool.open(dir, 1 << 20, true)) {
            s.append(json(1), 1);
        }
        Path seg = segments(dir).get(0);
        byte[] zeros = new byte[40];
        String fragments = "5 {\"uuid\":\"a\"}{\"uuid\":\"b\"}\n" // two objects under one line (the old full-disk bug)
                + "6 {\"uuid\":\"c\",\n" // a fragment that ends in a newline
                + "7 [1,2]\n" + "garbage line\n";
        Files.write(seg, zeros, StandardOpenOption.APPEND);
        Files.writeString(seg, "\n" + fragments + "8 " + json(8) + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        try (Spool s = Spool.open(dir, 1 << 20, true)) {
            List<String> got = drain(s);
            assertThat(got).hasSize(7);
            assertThat(got.get(0)).isEqualTo(json(1));
            assertThat(got.get(1)).isEqualTo("CORRUPT:" + "\0".repeat(40)); // zero bytes: never a body
            assertThat(got.subList(2, 6)).allMatch(g -> g.startsWith("CORRUPT:"));
            assertThat(got.get(6)).isEqualTo(json(8));
        }
    }

    @Test
    void rollsSegmentsAndDeletesThemOnceDelivered() throws Exception {
        try (Spool s = Spool.open(dir, Long.MAX_VALUE, false, 1000)) {
            for (int i = 0; i < 100; i++) {
                s.append(json(i), i);
            }
            s.sync();
            assertThat(segments(dir).size()).isGreaterThanOrEqualTo(3);
            List<String> got = drain(s);
            assertThat(got).hasSize(100);
            assertThat(got.get(99)).isEqualTo(json(99));
            s.commitCursor();
            assertThat(segments(dir)).hasSize(1); // only the segment being written
        }
    }

    @Test
    void refusesWhatWouldPassTheBound() throws Exception {
        try (Spool s = Spool.open(dir, 4096, true)) {
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

    @Test
    void deadLettersAreWholeLinesEvenAfterACrashInTheMiddleOfOne() throws Exception {
        try (Spool s = Spool.open(dir, 1 << 20, true)) {
            s.append(json(1), 1);
            s.append("{\"uuid\":\"u2\",\"ctl\":\"\u0085\"}", 2);
            Record r = s.peek();
            s.deadLetter(r, "HTTP 400", "2025-01-01T00:00:00Z");
            s.advance(r);
            Files.writeString(s.deadLetterFile(), "{\"dead_lettered_at\":\"2025", StandardOpenOption.APPEND); // torn
            r = s.peek();
            s.deadLetter(r, "HTTP 400", "2025-01-01T00:00:01Z");
            s.advance(r);
        }
        List<String> lines = Files.readAllLines(dir.resolve("dead-letter.jsonl"));
        assertThat(lines).hasSize(2);
        com.fasterxml.jackson.databind.ObjectMapper m = new com.fasterxml.jackson.databind.ObjectMapper();
        assertThat(m.readTree(lines.get(0)).path("alert").path("uuid").asText()).isEqualTo("u1");
        assertThat(m.readTree(lines.get(1)).path("alert").path("ctl").asText()).isEqualTo("\u0085");
        assertThat(lines.get(1)).contains("\\u0085").doesNotContain("\u0085"); // C1 escaped on disk too
    }

    @Test
    void aRecordTooLongToReadBackIsRefusedWholeAndTheNextOneIsFine() throws Exception {
        String huge = "{\"uuid\":\"big\",\"pad\":\"" + "p".repeat(Spool.MAX_RECORD_BYTES) + "\"}";
        try (Spool s = Spool.open(dir, Long.MAX_VALUE, true)) {
            s.append(json(1), 1);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.append(huge, 2))
                    .isInstanceOf(java.io.IOException.class).hasMessageContaining("longer than the spool's limit");
            s.append(json(3), 3);
            assertThat(drain(s)).containsExactly(json(1), json(3));
        }
    }
}
