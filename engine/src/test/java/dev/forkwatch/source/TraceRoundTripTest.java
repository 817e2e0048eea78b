package dev.forkwatch.source;

import static org.assertj.core.api.Assertions.assertThat;

import dev.forkwatch.event.Event;
import dev.forkwatch.event.Exec;
import dev.forkwatch.event.Exit;
import dev.forkwatch.event.Vfork;
import dev.forkwatch.event.VforkReturn;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TraceRoundTripTest {
    @TempDir
    Path dir;

    @Test
    void writerOutputReadsBackIdentically() throws Exception {
        List<Event> events = List.of(
                new Vfork(1_764_300_000_000_000_001L, 2201, 2200, -2 /* uid 4294967294 */, "ma\"ke", "clone"),
                new VforkReturn(1_764_300_000_000_000_002L, 2200, 2201, 12345),
                new VforkReturn(1_764_300_000_000_000_003L, 2200, 2201, VforkReturn.UNKNOWN),
                new Exec(1_764_300_000_000_000_004L, 2201, "cc", "/usr/bin/c c\u00e9"),
                new Exit(1_764_300_000_000_000_005L, 2201, 3, 0),
                new Exit(1_764_300_000_000_000_006L, 2202, Exit.UNKNOWN, 9));
        Path f = dir.resolve("t.jsonl");
        try (TraceWriter w = new TraceWriter(f, 1_000_000_000L)) {
            events.forEach(w::event);
            w.clock(1_764_300_002_000_000_000L);
            w.clock(1_764_300_002_500_000_000L); // less than clockEvery later: not written
            w.close(1_764_300_003_000_000_000L);
        }
        Collecting got = new Collecting();
        new TraceReader(f).run(got);
        assertThat(got.events).isEqualTo(events);
        assertThat(got.clocks).containsExactly(1_764_300_002_000_000_000L, 1_764_300_003_000_000_000L);
        assertThat(Files.readAllLines(f).get(0)).isEqualTo(
                "{\"type\":\"vfork\",\"ts\":1764300000000000001,\"pid\":2201,\"ppid\":2200,\"uid\":4294967294,\"comm\":\"ma\\\"ke\",\"via\":\"clone\"}");
    }

    @Test
    void unknownKeysAndBlankLinesAreIgnoredAndViaDefaults() throws Exception {
        Path f = dir.resolve("t.jsonl");
        Files.writeString(f, "\n{\"type\":\"vfork\",\"ts\":5,\"pid\":3,\"ppid\":2,\"uid\":0,\"comm\":\"a\",\"extra\":{\"x\":[1,2]},\"cpu\":1}\n\n");
        Collecting got = new Collecting();
        new TraceReader(f).run(got);
        assertThat(got.events).containsExactly(new Vfork(5, 3, 2, 0, "a", "vfork"));
    }
}
