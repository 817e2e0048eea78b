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
                "{\"type\":\"vfork\",\"ts\":1764300000000000001,\"pid\":2201,\"ppid\":2200,\"uid\":4294967294,\"comm\":\"ma\\\"ke\",\"via\":\"clone\","
                        + "\"parent_exe\":\"\",\"parent_args\":[],\"login_uid\":-1,\"ancestors\":[],\"container_id\":\"\",\"user_name\":\"\"}");
    }

    @Test
    void everyContextFieldRoundTrips() throws Exception {
        List<Event> events = List.of(
                new Vfork(1_764_300_000_000_000_001L, 2201, 2200, 1000, "java", "clone3",
                        "/usr/lib/jvm/java-17/bin/java", List.of("java", "-jar", "app\\x.jar", "caf\\xc3"),
                        -2 /* login uid 4294967294 */, List.of("bash", "sshd", "systemd"), "3f4a5b6c7d8e", "alice"),
                new Exec(1_764_300_000_000_000_002L, 2201, "jspawnhelper", "/usr/lib/jvm/java-17/lib/jspawnhelper",
                        List.of("/usr/lib/jvm/java-17/lib/jspawnhelper", "8:9"), 1, 1000, false, false,
                        "/usr/lib/jvm/java-17/lib/jspawnhelper", true),
                new Exec(1_764_300_000_000_000_003L, 2201, "memfd:x", "/proc/self/fd/3", List.of(), 2, 0, true, true,
                        "/memfd:x (deleted)"),
                new Vfork(1_764_300_000_000_000_004L, 2202, 2200, 0, "init", "vfork", "", List.of(), 0, List.of(), "host", "root"));
        Path f = dir.resolve("t.jsonl");
        try (TraceWriter w = new TraceWriter(f, 1_000_000_000L)) {
            events.forEach(w::event);
        }
        Collecting got = new Collecting();
        new TraceReader(f).run(got);
        assertThat(got.events).isEqualTo(events);
        // an empty argv is written as an empty list, the unsigned login uid as the kernel has it
        assertThat(Files.readAllLines(f).get(2)).contains("\"args\":[],\"exec_index\":2,\"euid\":0,"
                + "\"exe_from_memfd\":true,\"exe_deleted\":true");
        assertThat(Files.readAllLines(f).get(0)).contains("\"login_uid\":4294967294");
        assertThat(Files.readAllLines(f).get(1)).contains("\"args_truncated\":true");
        assertThat(Files.readAllLines(f).get(2)).contains("\"args_truncated\":false");
    }

    @Test
    void absentContextKeysTakeTheDocumentedDefaults() throws Exception {
        Path f = dir.resolve("t.jsonl");
        Files.writeString(f, "{\"type\":\"vfork\",\"ts\":5,\"pid\":3,\"ppid\":2,\"uid\":0,\"comm\":\"a\"}\n"
                + "{\"type\":\"exec\",\"ts\":6,\"pid\":3,\"comm\":\"b\",\"filename\":\"/b\"}\n"
                + "{\"type\":\"exec\",\"ts\":7,\"pid\":3,\"comm\":\"b\",\"filename\":\"/b\",\"login_uid\":null,"
                + "\"args\":null,\"euid\":-1,\"exec_index\":null}\n");
        Collecting got = new Collecting();
        new TraceReader(f).run(got);
        Vfork v = (Vfork) got.events.get(0);
        assertThat(v.parentExe()).isEmpty();
        assertThat(v.parentArgs()).isEmpty();
        assertThat(v.loginUid()).isEqualTo(-1);
        assertThat(v.ancestors()).isEmpty();
        assertThat(v.containerId()).isEmpty();
        assertThat(v.userName()).isEmpty();
        assertThat(v.parentCmdline()).isEmpty();
        Exec x = (Exec) got.events.get(1);
        assertThat(x).isEqualTo(new Exec(6, 3, "b", "/b", List.of(), 1, -1, false, false, ""));
        assertThat(got.events.get(2)).isEqualTo(new Exec(7, 3, "b", "/b"));
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
