package dev.forkwatch.live;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forkwatch.cli.ExitCode;
import dev.forkwatch.live.ForkwatchProcesses.Running;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reloading the rules of a live {@code forkwatch run}: SIGHUP and {@code --watch}, with a good pack (taken over in
 * the same session, what is in flight still reported) and with packs that are refused (the running rules go on).
 */
class ReloadRunTest {
    static final String QUIET = rule("Quiet", "$v : Vfork(pid == -5)");
    static final String SEEN = rule("Vforker seen", "$v : Vfork(comm == \"vforker\")");

    static final Triggers triggers = Triggers.shared();
    @TempDir
    Path tmp;
    @RegisterExtension
    final ForkwatchProcesses forkwatch = new ForkwatchProcesses();

    static String rule(String name, String when) {
        return "package forkwatch.test;\n\nrule \"" + name + "\"\n    @priority(\"Notice\")\n    @tags(\"test\")\n"
                + "    @description(\"reload test\")\nwhen\n    " + when + "\nthen\n"
                + "    alerts.child(drools, $v, \"" + name + " %proc.pid\");\nend\n";
    }

    /** The default rules beside extra.drl (one rule), with the config {@code yaml}. */
    Running start(String extra, String yaml, String... more) throws Exception {
        Path rules = Path.of(System.getProperty("forkwatch.root", "..")).resolve("rules").toAbsolutePath().normalize();
        Files.writeString(tmp.resolve("extra.drl"), extra);
        Files.writeString(tmp.resolve("fw.yaml"), yaml);
        List<String> args = new java.util.ArrayList<>(List.of("run", "--config", tmp.resolve("fw.yaml").toString(),
                "--output", "json", "--rules", rules.toString(), "--rules", tmp.resolve("extra.drl").toString()));
        args.addAll(List.of(more));
        Running fw = forkwatch.start(tmp, args.toArray(String[]::new));
        fw.awaitReady();
        return fw;
    }

    static void hup(Running fw) {
        assertThat(RunCommandTest.Signals.INSTANCE.kill((int) fw.pid(), 1)).isZero();
    }

    static List<JsonNode> about(List<JsonNode> alerts, int pid) {
        return alerts.stream().filter(a -> Integer.valueOf(pid).equals(RunCommandTest.pid(a))).toList();
    }

    @Test
    void aChangedPackTakesOverMidStallAndTheStallIsStillReported() throws Exception {
        Running fw = start(QUIET, "params:\n  vfork:\n    stall_threshold: 10s\n");
        // A child that stalls 12 s; while it does, the pack changes: a new rule, and the stall rule itself (8 s;
        // margins for the compile on a loaded host: the reload must be in place before the old 10 s pass).
        CompletableFuture<Triggers.Run> stall = CompletableFuture.supplyAsync(() -> {
            try {
                return triggers.run("vforker", "vfork", "sleep:12000");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(800); // the vfork is in the session
        Files.writeString(tmp.resolve("extra.drl"), SEEN);
        Files.writeString(tmp.resolve("fw.yaml"), "params:\n  vfork:\n    stall_threshold: 8s\n");
        hup(fw);
        assertThat(fw.awaitErr("SIGHUP: rules reloaded")).contains("1 added (\"Vforker seen\")", "1 removed (\"Quiet\")")
                .contains("\"Vfork child stalled\"");
        Triggers.Run child = stall.get(30, TimeUnit.SECONDS);
        Thread.sleep(500); // the exit's drain
        assertThat(fw.terminate()).isEqualTo(ExitCode.OK);
        List<JsonNode> alerts = about(fw.alerts(), child.child());
        assertThat(alerts).extracting(a -> a.path("rule").asText())
                .containsExactlyInAnyOrder("Vforker seen", "Vfork child stalled");
        assertThat(alerts).filteredOn(a -> a.path("rule").asText().equals("Vfork child stalled")).singleElement()
                .satisfies(a -> assertThat(a.path("output").asText()).contains("within 8s"));
        assertThat(fw.errText()).doesNotContain("\tat ", "internal error");
    }

    @Test
    void aBrokenPackIsRefusedAndTheRunningRulesGoOn() throws Exception {
        Running fw = start(QUIET, "");
        Files.writeString(tmp.resolve("extra.drl"), SEEN.replace("then", "thn"));
        hup(fw);
        String line = fw.awaitErr("SIGHUP: rules not reloaded");
        assertThat(line).contains(tmp.resolve("extra.drl") + ":", "the running rules go on unchanged");
        Triggers.Run noExec = triggers.run("vforker", "vfork", "exit:127");
        Thread.sleep(1_000);
        assertThat(fw.terminate()).isEqualTo(ExitCode.OK);
        List<JsonNode> alerts = fw.alerts();
        assertThat(alerts).filteredOn(a -> a.path("rule").asText().equals("Rules not reloaded")).singleElement()
                .satisfies(a -> {
                    assertThat(a.path("priority").asText()).isEqualTo("Error");
                    assertThat(a.path("output_fields").path("reload.error").asText()).contains(tmp.resolve("extra.drl") + ":");
                });
        // The old rules: the failed exec is reported, the rule of the broken pack never runs.
        assertThat(about(alerts, noExec.child())).extracting(a -> a.path("rule").asText())
                .containsExactly("Vfork child exited without exec");
    }

    @Test
    void watchReloadsWhenARuleFileChanges() throws Exception {
        Running fw = start(QUIET, "", "--watch");
        Files.writeString(tmp.resolve("extra.drl"), SEEN);
        assertThat(fw.awaitErr("(--watch): rules reloaded")).contains("1 added (\"Vforker seen\")");
        Triggers.Run child = triggers.run("vforker", "vfork", "exit:0");
        Thread.sleep(1_000);
        assertThat(fw.terminate()).isEqualTo(ExitCode.OK);
        assertThat(about(fw.alerts(), child.child())).extracting(a -> a.path("rule").asText()).contains("Vforker seen");
    }

    @Test
    void aRuleFileMadeWorldWritableIsRefusedAtTheReload() throws Exception {
        Running fw = start(QUIET, "", "--metrics", "0");
        String at = fw.awaitErr(MetricsRunTest.LISTEN).group(1);
        Files.writeString(tmp.resolve("extra.drl"), SEEN);
        Files.setPosixFilePermissions(tmp.resolve("extra.drl"), PosixFilePermissions.fromString("rw-rw-rw-"));
        hup(fw);
        assertThat(fw.awaitErr("SIGHUP: rules not reloaded")).contains(tmp.resolve("extra.drl").toString(),
                "writable by others", "chmod go-w");
        Files.setPosixFilePermissions(tmp.resolve("extra.drl"), PosixFilePermissions.fromString("rw-r--r--"));
        hup(fw);
        fw.awaitErr("SIGHUP: rules reloaded");
        String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://" + at + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertThat(MetricsRunTest.value(metrics, "forkwatch_rule_reloads_total{result=\"refused\"}")).isEqualTo(1);
        assertThat(MetricsRunTest.value(metrics, "forkwatch_rule_reloads_total{result=\"ok\"}")).isEqualTo(1);
        assertThat(fw.terminate()).isEqualTo(ExitCode.OK);
        assertThat(fw.alerts()).filteredOn(a -> a.path("rule").asText().equals("Rules not reloaded")).singleElement()
                .satisfies(a -> assertThat(a.path("output").asText()).contains("writable by others"));
    }

    @Test
    void aSighupWhileTheRulesCompileIsAReloadOnceRunning() throws Exception {
        Files.writeString(tmp.resolve("extra.drl"), QUIET);
        Path rules = Path.of(System.getProperty("forkwatch.root", "..")).resolve("rules").toAbsolutePath().normalize();
        Running fw = forkwatch.start(tmp, "run", "--metrics", "0", "--rules", rules.toString(), "--rules",
                tmp.resolve("extra.drl").toString());
        fw.awaitErr(MetricsRunTest.LISTEN); // printed before the rules compile
        hup(fw); // the JVM's default would end it here, exit 129
        assertThat(fw.awaitErr("SIGHUP: rules reloaded")).contains("0 added, 0 changed, 0 removed, 10 unchanged");
        assertThat(fw.errText()).contains("ready:");
        assertThat(fw.terminate()).isEqualTo(ExitCode.OK);
    }
}
