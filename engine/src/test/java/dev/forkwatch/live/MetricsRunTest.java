package dev.forkwatch.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.forkwatch.live.ForkwatchProcesses.Running;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code forkwatch run --metrics}: /healthz from 503 to 200 at start, counters that move with the kernel's events. */
class MetricsRunTest {
    static final Pattern LISTEN = Pattern.compile("metrics on http://(127\\.0\\.0\\.1:\\d+)/metrics");

    static final Triggers triggers = Triggers.shared();
    @TempDir
    Path tmp;
    @RegisterExtension
    final ForkwatchProcesses forkwatch = new ForkwatchProcesses();
    final HttpClient http = HttpClient.newHttpClient();

    HttpResponse<String> get(String hostPort, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://" + hostPort + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static double value(String metrics, String series) {
        for (String line : metrics.split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).trim());
            }
        }
        return 0; // a labelled series appears with its first increment
    }

    @Test
    void healthTurnsReadyAndCountersFollowTheEvents() throws Exception {
        Running fw = forkwatch.start(tmp, "run", "--metrics", "0", "--output", "json");
        String at = fw.awaitErr(LISTEN).group(1);
        // Listening starts before the rules compile and the probes attach: not healthy yet.
        HttpResponse<String> first = get(at, "/healthz");
        assertThat(first.statusCode()).as(first.body()).isEqualTo(503);
        assertThat(first.body()).startsWith("starting");
        int rules = Integer.parseInt(fw.awaitErr(Pattern.compile("ready:.* (\\d+) rule\\(s\\) loaded")).group(1));
        assertThat(get(at, "/healthz").statusCode()).isEqualTo(200);

        String before = get(at, "/metrics").body();
        assertThat(value(before, "forkwatch_rules_loaded")).isEqualTo(rules).isPositive();
        Triggers.Run loop = triggers.run("vforker", "vfork", "exit:3", "40");
        String rule = "{priority=\"Notice\",rule=\"Vfork child exited without exec\"}";
        String after = before;
        // The engine's state (session facts) is published after the drain whose alerts are already counted: wait
        // for both, or a scrape between the two reads the previous drain's empty session.
        for (int i = 0; i < 100 && (value(after, "forkwatch_alerts_total" + rule) < 40
                || value(after, "forkwatch_session_facts") <= 0); i++) {
            Thread.sleep(100); // the engine sees the children after a drain and the reorder allowance
            after = get(at, "/metrics").body();
        }
        assertThat(value(after, "forkwatch_events_total{type=\"vfork\"}") - value(before, "forkwatch_events_total{type=\"vfork\"}"))
                .isGreaterThanOrEqualTo(40);
        assertThat(value(after, "forkwatch_events_total{type=\"exit\"}") - value(before, "forkwatch_events_total{type=\"exit\"}"))
                .isGreaterThanOrEqualTo(40);
        // Every match counts; aggregation held back all but the first of this crash loop. (At least: other tests on
        // this host may spawn failing children too.)
        assertThat(value(after, "forkwatch_alerts_total" + rule)).isGreaterThanOrEqualTo(40);
        assertThat(value(after, "forkwatch_alerts_suppressed_total{rule=\"Vfork child exited without exec\"}"))
                .isGreaterThanOrEqualTo(39);
        assertThat(value(after, "forkwatch_engine_lag_seconds")).isBetween(0.0, 10.0);
        assertThat(value(after, "forkwatch_session_facts")).isPositive();
        assertThat(after).contains("jvm_threads_current");
        assertThat(loop.children()).hasSize(40);

        assertThat(fw.terminate()).isZero();
        try {
            get(at, "/healthz");
            throw new AssertionError("still listening after exit");
        } catch (ConnectException expected) {
            // the endpoint goes with the process
        }
        List<String> out = Files.readAllLines(fw.out());
        assertThat(out).filteredOn(l -> l.contains("\"proc.ppid\":" + loop.parent())).hasSize(2); // alert + summary
    }
}
