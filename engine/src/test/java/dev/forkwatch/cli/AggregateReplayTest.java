package dev.forkwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Aggregation end to end over a trace with a flood: the default pack's "exited without exec" from two
 * crash-looping parents, and a custom pack with a Critical rule and rules with their own @aggregate keys.
 */
class AggregateReplayTest {
    static final long S = 1_000_000_000L;
    static final long T0 = 1_764_300_000L * S;

    @TempDir
    static Path dir;
    static Path trace;
    static Path rules;

    /** Parent 100 spawns a failing child every 100 ms for 150 s; parent 200 every 500 ms for 100 s (uid 1000). */
    @BeforeAll
    static void writeTrace() throws IOException {
        List<String> lines = new ArrayList<>();
        int pid = 10_000;
        for (long t = 0; t < 150 * S; t += S / 10) {
            child(lines, T0 + t, 100, pid++, 0);
            if (t < 100 * S && t % (S / 2) == 0) {
                child(lines, T0 + t + 1000, 200, pid++, 1000);
            }
        }
        // The trace ends 150 s in: the third window of parent 100 is still open and must be flushed.
        trace = dir.resolve("flood.jsonl");
        Files.write(trace, lines);
        rules = dir.resolve("custom.drl");
        Files.writeString(rules, """
                package test;
                rule "Exit critical"
                    @priority("Critical") @tags("test") @description("every exit of a child of 100")
                when $v : Vfork(ppid == 100)  $e : Exit(pid == $v.pid)
                then alerts.child(drools, $v, "exit %proc.pid");
                end
                rule "Exit by uid"
                    @priority("Notice") @tags("test") @description("children of any parent, one kind per uid")
                    @aggregate("user.uid")
                when $v : Vfork()  $e : Exit(pid == $v.pid)
                then alerts.child(drools, $v, "exit %proc.pid");
                end
                rule "Exit every one"
                    @priority("Notice") @tags("test") @description("never aggregated")
                    @aggregate(false)
                when $v : Vfork(ppid == 200)  $e : Exit(pid == $v.pid)
                then alerts.child(drools, $v, "exit %proc.pid");
                end
                """);
    }

    static void child(List<String> lines, long t, int ppid, int pid, int uid) {
        lines.add("{\"type\":\"vfork\",\"ts\":" + t + ",\"pid\":" + pid + ",\"ppid\":" + ppid + ",\"uid\":" + uid
                + ",\"comm\":\"svc" + ppid + "\",\"via\":\"vfork\"}");
        lines.add("{\"type\":\"exit\",\"ts\":" + (t + 200_000) + ",\"pid\":" + pid + ",\"exit_code\":127}");
    }

    static List<JsonNode> json(String... args) throws Exception {
        Cli.Result r = Cli.run(args);
        assertThat(r.code()).as(r.err()).isZero();
        return ReplayCommandTest.alerts(r.out());
    }

    /** Per rule and parent: alerts sent as themselves plus those counted in summaries (a summary is no match). */
    static Map<String, Long> matches(List<JsonNode> alerts) {
        Map<String, Long> m = new HashMap<>();
        for (JsonNode a : alerts) {
            JsonNode f = a.get("output_fields");
            String kind = a.get("rule").asText() + "/" + f.get("proc.ppid").asInt();
            m.merge(kind, f.has("alert.suppressed") ? f.get("alert.suppressed").asLong() : 1, Long::sum);
        }
        return m;
    }

    @Test
    void summariesAddUpToTheMatchesPerKindAndWindowsFollowEventTime() throws Exception {
        List<JsonNode> all = json("replay", "--output", "json", trace.toString());
        List<JsonNode> agg = json("replay", "--aggregate", "--output", "json", trace.toString());
        assertThat(all).hasSize(1500 + 200);
        assertThat(matches(agg)).isEqualTo(matches(all)).containsEntry("Vfork child exited without exec/100", 1500L)
                .containsEntry("Vfork child exited without exec/200", 200L);
        // Parent 100: windows open at 0 s, 60 s, 120 s; each sends its first alert and one summary, the last at exit.
        List<JsonNode> p100 = agg.stream().filter(a -> a.get("output_fields").get("proc.ppid").asInt() == 100).toList();
        assertThat(p100).extracting(a -> a.get("output_fields").path("alert.suppressed").asLong(0))
                .containsExactly(0L, 599L, 0L, 599L, 0L, 299L);
        assertThat(p100.get(1).get("time").asText()).isEqualTo("2025-11-28T03:21:00.000200000Z"); // the first alert + 60 s
        assertThat(p100.get(1).get("output").asText()).startsWith("599 more like this in 60s; the last: vfork child");
        assertThat(p100.get(1).get("output_fields").get("alert.first_time").asText()).isEqualTo("2025-11-28T03:20:00.100200000Z");
        assertThat(p100.get(1).get("output_fields").get("alert.last_time").asText()).isEqualTo("2025-11-28T03:20:59.900200000Z");
        assertThat(p100.get(1).get("priority").asText()).isEqualTo("Notice");
        // Flushed at exit: the third window ended with the input, at the last event's time, not 60 s later.
        assertThat(p100.get(5).get("time").asText()).isEqualTo("2025-11-28T03:22:29.900200000Z");
        // Parent 200 is its own kind: its first alert is sent although parent 100's window is open.
        List<JsonNode> p200 = agg.stream().filter(a -> a.get("output_fields").get("proc.ppid").asInt() == 200).toList();
        assertThat(p200).extracting(a -> a.get("output_fields").path("alert.suppressed").asLong(0)).containsExactly(0L, 119L, 0L, 79L);
        // Output stays in time order.
        assertThat(agg).extracting(a -> a.get("time").asText()).isSorted();
    }

    @Test
    void criticalNeverHeldBackOwnKeysMergeParentsAndOptOutSendsAll() throws Exception {
        List<JsonNode> agg = json("replay", "--aggregate", "--rules", rules.toString(), "--output", "json", trace.toString());
        Map<String, List<JsonNode>> byRule = new HashMap<>();
        agg.forEach(a -> byRule.computeIfAbsent(a.get("rule").asText(), k -> new ArrayList<>()).add(a));
        assertThat(byRule.get("Exit critical")).hasSize(1500).noneMatch(a -> a.get("output_fields").has("alert.suppressed"));
        assertThat(byRule.get("Exit every one")).hasSize(200);
        // One kind per uid: uid 0 (parent 100) and uid 1000 (parent 200), 3 and 2 windows.
        List<JsonNode> byUid = byRule.get("Exit by uid");
        assertThat(byUid.stream().mapToLong(a -> a.get("output_fields").path("alert.suppressed").asLong(1)).sum())
                .isEqualTo(1700);
        assertThat(byUid).hasSize(10);
    }

    @Test
    void replayTwiceGivesTheSameOutput() {
        Cli.Result a = Cli.run("replay", "--aggregate", trace.toString());
        Cli.Result b = Cli.run("replay", "--aggregate", trace.toString());
        assertThat(a.code()).isZero();
        assertThat(a.out()).isEqualTo(b.out()).contains("more like this in 60s");
        assertThat(a.err()).contains("1700 alert(s), 0 late event(s), 1695 held back in 5 summaries");
    }

    @Test
    void malformedAggregateKeyIsACompileErrorAtTheRule() throws Exception {
        Path bad = dir.resolve("bad.drl");
        Files.writeString(bad, """
                package test;
                rule "Bad keys"
                    @priority("Notice") @tags("test") @description("d")
                    @aggregate("proc.ppid, not a field")
                when $v : Vfork()
                then alerts.child(drools, $v, "x");
                end
                """);
        Cli.Result r = Cli.run("check", "--rules", bad.toString());
        assertThat(r.code()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(r.err()).contains("bad.drl:2:").contains("Bad keys").contains("'not a field'");
    }
}
