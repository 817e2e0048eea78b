package dev.forkwatch.live;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forkwatch.cli.Main;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code run}'s warm-up (its synthetic trace raises alerts in a throw-away session) leaves no trace in what the run
 * reports: no alert on stdout, no event in the recording, the summary's counters or the metrics beyond the live ones.
 */
class RunWarmupTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Pattern WARMUP = Pattern.compile("warm-up: (\\d+) synthetic event\\(s\\) through the rules in [0-9.]+ s, (\\d+) alert\\(s\\) dropped");
    static final Pattern LISTEN = Pattern.compile("metrics on http://(127\\.0\\.0\\.1:\\d+)/metrics");
    static final Pattern STOPPED = Pattern.compile("stopped: (\\d+) event\\(s\\), (\\d+) alert\\(s\\)");

    static Triggers triggers;
    @TempDir
    Path tmp;
    Process fw;

    @BeforeAll
    static void build() throws Exception {
        triggers = Triggers.build(Triggers.binDir());
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (fw != null) {
            fw.destroyForcibly();
            fw.waitFor(10, TimeUnit.SECONDS);
        }
    }

    Process start(Path err, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "run"));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectError(err.toFile()).redirectOutput(tmp.resolve("stdout").toFile()).start();
    }

    /** Waits up to 90 s (rules compile, then the warm-up) for a stderr line matching {@code p}. */
    Matcher awaitErr(Path err, Pattern p) throws Exception {
        for (int i = 0; i < 900; i++) {
            Matcher m = p.matcher(Files.readString(err));
            if (m.find()) {
                return m;
            }
            assertThat(fw.isAlive()).as(() -> "forkwatch exited: " + MetricsRunTest.read(err)).isTrue();
            Thread.sleep(100);
        }
        throw new AssertionError("no " + p + " on stderr: " + MetricsRunTest.read(err));
    }

    static double sum(String metrics, String name) {
        double total = 0;
        for (String line : metrics.split("\n")) {
            if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
                total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return total;
    }

    @Test
    void theWarmUpLeavesNoAlertEventCounterOrMetricBehind() throws Exception {
        Path err = tmp.resolve("stderr");
        Path rec = tmp.resolve("rec.jsonl");
        long startNs = System.currentTimeMillis() * 1_000_000L;
        fw = start(err, "--output", "json", "--no-aggregate", "--record", rec.toString(), "--metrics", "0");
        String at = awaitErr(err, LISTEN).group(1);
        Matcher warm = awaitErr(err, WARMUP);
        long warmEvents = Long.parseLong(warm.group(1));
        // The synthetic trace's failed execs raised alerts in the throw-away session: dropped, as all of its alerts.
        assertThat(warmEvents).isGreaterThan(1_000);
        assertThat(Long.parseLong(warm.group(2))).isPositive();
        awaitErr(err, Pattern.compile("ready: "));
        assertThat(Files.readString(err).indexOf("warm-up: ")).isLessThan(Files.readString(err).indexOf("ready: "));

        HttpResponse<String> m = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://" + at + "/metrics"))
                .build(), HttpResponse.BodyHandlers.ofString());
        long scrapedNs = System.currentTimeMillis() * 1_000_000L;
        Triggers.Run failing = triggers.run("vforker", "vfork", "exit:127");
        Thread.sleep(500); // a drain and the reorder allowance
        fw.toHandle().destroy(); // SIGTERM
        assertThat(fw.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(fw.exitValue()).isZero();

        List<JsonNode> events = new ArrayList<>();
        for (String line : Files.readAllLines(rec)) {
            JsonNode n = JSON.readTree(line);
            if (!n.path("type").asText().equals("clock")) {
                events.add(n);
            }
        }
        // Only live events were recorded (the synthetic trace is dated 2025), and the engine counted just those.
        assertThat(events).allSatisfy(e -> assertThat(e.path("ts").asLong()).isGreaterThan(startNs));
        Matcher stopped = STOPPED.matcher(Files.readString(err));
        assertThat(stopped.find()).as(() -> MetricsRunTest.read(err)).isTrue();
        assertThat(Long.parseLong(stopped.group(1))).isEqualTo(events.size());
        // The metrics at ready counted at most the live events that had happened by then.
        long liveByScrape = events.stream().filter(e -> e.path("ts").asLong() <= scrapedNs).count();
        assertThat(sum(m.body(), "forkwatch_events_total")).isLessThanOrEqualTo(liveByScrape);

        // Every alert on stdout is about a live event (the trigger's among them), and the engine counted just those.
        List<JsonNode> alerts = new ArrayList<>();
        for (String line : Files.readAllLines(tmp.resolve("stdout"))) {
            alerts.add(JSON.readTree(line));
        }
        assertThat(alerts).filteredOn(a -> a.path("output_fields").path("proc.pid").asInt() == failing.child())
                .extracting(a -> a.path("rule").asText()).containsExactly("Vfork child exited without exec");
        assertThat(alerts).noneMatch(a -> a.path("time").asText().startsWith("2025-"));
        assertThat(alerts).hasSize(Integer.parseInt(stopped.group(2)));
    }

    @Test
    void offStartsWithoutIt() throws Exception {
        Path err = tmp.resolve("stderr");
        Path cfg = Files.writeString(tmp.resolve("off.yaml"), "live:\n  warmup: 0s\n");
        fw = start(err, "--config", cfg.toString());
        awaitErr(err, Pattern.compile("ready: "));
        fw.toHandle().destroy();
        assertThat(fw.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(fw.exitValue()).isZero();
        assertThat(Files.readString(err)).doesNotContain("warm-up");
    }
}
