package dev.forkwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * engine.max_facts bounds memory whatever the input: a million vfork children that never exec, generated on the
 * fly into {@code replay -}, in a JVM whose heap (128 MiB) could not hold them (the issue measured 5.7 GB).
 */
class MemoryBoundTest {
    static final int CHILDREN = 1_000_000;
    static final String STALL_ONLY = """
            package forkwatch.test;
            rule "Vfork child stalled"
                @priority("Warning")
                @tags("test")
                @description("the default pack's stall rule alone: the test is about the engine, and this runs it fastest")
            when
                $v : Vfork()
                not Exec(pid == $v.pid, this after[0ms, ${vfork.stall_threshold}] $v)
                not Exit(pid == $v.pid, this after[0ms, ${vfork.stall_threshold}] $v)
            then
                alerts.child(drools, $v, "vfork child %proc.pid stalled");
            end
            """;

    @TempDir
    Path dir;

    @Test
    void aMillionChildrenThatNeverExecStayWithinASmallHeap() throws Exception {
        Path rules = Files.writeString(dir.resolve("stall.drl"), STALL_ONLY);
        Path cfg = Files.writeString(dir.resolve("cap.yaml"), "engine:\n  max_facts: 20000\n");
        Path out = dir.resolve("out.jsonl");
        Path err = dir.resolve("err.txt");
        Process p = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "replay", "--output", "json", "--rules", rules.toString(), "--config", cfg.toString(), "-"))
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            // 10,000 children a second of event time, 1,000 parents (10 children a second each: no storm).
            try (BufferedWriter w = new BufferedWriter(new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8), 1 << 16)) {
                long t0 = 1_764_300_000_000_000_000L;
                for (int i = 0; i < CHILDREN; i++) {
                    w.write("{\"type\":\"vfork\",\"ts\":" + (t0 + i * 100_000L) + ",\"pid\":" + (100_000 + i)
                            + ",\"ppid\":" + (2 + i % 1000) + ",\"uid\":1000,\"comm\":\"spawner\"}\n");
                }
            } catch (IOException e) {
                // the child died early: its stderr says why, below
            }
            assertThat(p.waitFor(10, TimeUnit.MINUTES)).as("replay finished").isTrue();
            String stderr = Files.readString(err);
            assertThat(p.exitValue()).as(stderr).isZero();
            // 20,000 slots hold 20,000 children (one Vfork each): the rest were evicted early, oldest first.
            assertThat(stderr).contains("replayed " + CHILDREN + " events").contains((CHILDREN - 20_000) + " child(ren) evicted");
            List<String> alerts = Files.readAllLines(out);
            assertThat(alerts).filteredOn(a -> a.contains("\"rule\":\"Engine overloaded\"")).isNotEmpty()
                    .allMatch(a -> a.contains("\"priority\":\"Critical\""));
            // Evicted children never stall; the 20,000 kept are 2 s of event time, less than the 5 s threshold.
            assertThat(alerts).filteredOn(a -> a.contains("Vfork child stalled")).isEmpty();
        } finally {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
