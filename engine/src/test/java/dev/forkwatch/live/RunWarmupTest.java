package dev.forkwatch.live;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code run}'s warm-up (its synthetic trace raises alerts in a throw-away session) leaves no trace in what the run
 * reports: no alert on stdout, no event in the recording, the summary's counters or the metrics beyond the live ones.
 */
class RunWarmupTest {
    static final Pattern WARMUP = Pattern.compile("warm-up: (\\d+) synthetic event\\(s\\) through the rules in [0-9.]+ s, (\\d+) alert\\(s\\) dropped");
    static final Pattern STOPPED = Pattern.compile("stopped: (\\d+) event\\(s\\), (\\d+) alert\\(s\\)");

    static final Triggers triggers = Triggers.shared();
    @TempDir
    Path tmp;
    @RegisterExtension
    final ForkwatchProcesses forkwatch = new ForkwatchProcesses();

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
        Path rec = tmp.resolve("rec.jsonl");
        long startNs = System.currentTimeMillis() * 1_000_000L;
        Path on = Files.writeString(tmp.resolve("on.yaml"), "live:\n  warmup: 5s\n");
        ForkwatchProcesses.Running fw = forkwatch.start(tmp, "run", "--config", on.toString(), "--output", "json",
                "--no-aggregate", "--record", rec.toString(), "--metrics", "0");
        String at = fw.awaitErr(MetricsRunTest.LISTEN).group(1);
        Matcher warm = fw.awaitErr(WARMUP);
        // The synthetic trace's failed execs raised alerts in the throw-away session: dropped, as all of its alerts.
        assertThat(Long.parseLong(warm.group(1))).isGreaterThan(1_000);
        assertThat(Long.parseLong(warm.group(2))).isPositive();
        fw.awaitReady();
        assertThat(fw.errText().indexOf("warm-up: ")).isLessThan(fw.errText().indexOf("ready: "));

        HttpResponse<String> m = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://" + at + "/metrics"))
                .build(), HttpResponse.BodyHandlers.ofString());
        long scrapedNs = System.currentTimeMillis() * 1_000_000L;
        Triggers.Run failing = triggers.run("vforker", "vfork", "exit:127");
        Thread.sleep(500); // a drain and the reorder allowance
        assertThat(fw.terminate()).isZero();

        List<JsonNode> events = new ArrayList<>();
        for (String line : Files.readAllLines(rec)) {
            JsonNode n = ForkwatchProcesses.JSON.readTree(line);
            if (!n.path("type").asText().equals("clock")) {
                events.add(n);
            }
        }
        // Only live events were recorded (the synthetic trace is dated 2025), and the engine counted just those.
        assertThat(events).allSatisfy(e -> assertThat(e.path("ts").asLong()).isGreaterThan(startNs));
        Matcher stopped = fw.awaitErr(STOPPED);
        assertThat(Long.parseLong(stopped.group(1))).isEqualTo(events.size());
        // The metrics at ready counted at most the live events that had happened by then.
        long liveByScrape = events.stream().filter(e -> e.path("ts").asLong() <= scrapedNs).count();
        assertThat(sum(m.body(), "forkwatch_events_total")).isLessThanOrEqualTo(liveByScrape);

        // Every alert on stdout is about a live event (the trigger's among them), and the engine counted just those.
        List<JsonNode> alerts = fw.alerts();
        assertThat(alerts).filteredOn(a -> a.path("output_fields").path("proc.pid").asInt() == failing.child())
                .extracting(a -> a.path("rule").asText()).containsExactly("Vfork child exited without exec");
        assertThat(alerts).noneMatch(a -> a.path("time").asText().startsWith("2025-"));
        assertThat(alerts).hasSize(Integer.parseInt(stopped.group(2)));
    }

    @Test
    void offByDefault() throws Exception {
        ForkwatchProcesses.Running fw = forkwatch.start(tmp, "run");
        fw.awaitReady();
        assertThat(fw.terminate()).isZero();
        assertThat(fw.errText()).doesNotContain("warm-up");
    }
}
