package dev.forkwatch.sink.spool;

import static dev.forkwatch.sink.spool.SpoolTest.drain;
import static dev.forkwatch.sink.spool.SpoolTest.json;
import static dev.forkwatch.sink.spool.SpoolTest.segments;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Start-up repair: torn tails cut, and a cursor that does not fit the segments reported and replaced by a rescan
 * (the "Why" reproduction: a cursor of {@code 77 0} used to delete the whole backlog with exit 0).
 */
class RecoveryTest {
    @TempDir
    Path dir;

    /** Three runs' worth of segments, 2 alerts each, none delivered; returns the alerts in order. */
    private List<String> backlogOfThreeSegments() throws Exception {
        List<String> all = new ArrayList<>();
        for (int run = 0; run < 3; run++) {
            try (Spool s = Spool.open(dir, 1 << 20, true)) {
                for (int i = 0; i < 2; i++) {
                    String j = json(run * 10 + i);
                    s.append(j, 1);
                    all.add(j);
                }
            }
        }
        assertThat(segments(dir)).hasSize(3);
        return all;
    }

    private void cursor(String text) throws Exception {
        Files.writeString(dir.resolve("cursor"), text, StandardCharsets.US_ASCII);
    }

    @Test
    void aCursorNamingAMissingSegmentPastTheBacklogIsReportedAndEverythingIsSentAgain() throws Exception {
        List<String> all = backlogOfThreeSegments();
        cursor("77 0\n");
        try (Spool s = Spool.open(dir, 1 << 20, true)) {
            assertThat(s.notes()).singleElement().asString().contains("the cursor (77 0) names segment 77, which is not there")
                    .contains("read again from its oldest segment");
            assertThat(s.pendingCount()).isEqualTo(6);
            assertThat(drain(s)).containsExactlyElementsOf(all);
        }
    }

    @Test
    void garbageOffsetsPastTheEndAndInsideARecordAreAllRescans() throws Exception {
        List<String> all = backlogOfThreeSegments();
        long first = Long.parseLong(segments(dir).get(0).getFileName().toString().substring(0, 20));
        long size = Files.size(segments(dir).get(0));
        for (String bad : new String[] {"garbage", first + " " + (size + 1) + "\n", first + " 3\n", (first + 1) + " 5\n", ""}) {
            cursor(bad);
            try (Spool s = Spool.open(dir, 1 << 20, true)) {
                assertThat(s.notes()).as(bad).hasSize(1);
                assertThat(s.notes().get(0)).as(bad).contains("read again from its oldest segment");
                assertThat(drain(s)).as(bad).containsExactlyElementsOf(all); // advanced, but the cursor is not saved
            }
        }
        Files.delete(dir.resolve("cursor"));
        try (Spool s = Spool.open(dir, 1 << 20, true)) {
            assertThat(s.notes()).singleElement().asString().contains("there is no cursor file");
            assertThat(s.pendingCount()).isEqualTo(6);
        }
    }

    @Test
    void aGoodCursorResumesAtARecordBoundaryInAnySegment() throws Exception {
        List<String> all = backlogOfThreeSegments();
        Path second = segments(dir).get(1);
        long seg = Long.parseLong(second.getFileName().toString().substring(0, 20));
        long afterOne = Files.readString(second).indexOf('\n') + 1;
        cursor(seg + " " + afterOne + "\n");
        try (Spool s = Spool.open(dir, 1 << 20, true)) {
            assertThat(s.notes()).isEmpty();
            assertThat(drain(s)).containsExactlyElementsOf(all.subList(3, 6));
        }
        assertThat(segments(dir)).hasSize(2); // the first, wholly before the cursor, was deleted
    }

    @Test
    void tornTailsAreCutInEverySegmentAndNeverJoinTheNextRecord() throws Exception {
        List<String> all = backlogOfThreeSegments();
        for (Path seg : segments(dir)) {
            Files.writeString(seg, "9 {\"uuid\":\"torn", StandardOpenOption.APPEND);
        }
        try (Spool s = Spool.open(dir, 1 << 20, true)) {
            assertThat(s.notes()).singleElement().asString().contains("cut " + 3 * "9 {\"uuid\":\"torn".length() + " byte(s)");
            s.append(json(99), 2);
            List<String> got = drain(s);
            assertThat(got.subList(0, 6)).containsExactlyElementsOf(all);
            assertThat(got.get(6)).isEqualTo(json(99));
        }
    }
}
