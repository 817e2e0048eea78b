package dev.forkwatch.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.forkwatch.cli.ExitCode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The benchmarks' command line, on small inputs: what they report, not how fast (docs/performance.md). */
class BenchCommandTest {
    record Result(int code, String out, String err) {
    }

    static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = BenchMain.execute(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), args);
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static final Pattern RULE_LINE = Pattern.compile(
            "rule=\"([^\"]+)\" engine_without_ev_per_s=(\\d+) cost_us_per_event=(-?[\\d.]+) alerts_without=(\\d+)");

    @Test
    void perRuleReportsEachAlertingRuleAndTheAlertsLeftWithoutIt() {
        Result r = run("replay", "--events", "40000", "--rounds", "1", "--rate", "20000",
                "--parents", "4", "--per-rule");
        assertThat(r.code()).as(r.err()).isZero();
        Matcher total = Pattern.compile("events=(\\d+) .* alerts=(\\d+) ").matcher(r.out());
        assertThat(total.find()).as(r.out()).isTrue();
        long alerts = Long.parseLong(total.group(2));
        assertThat(alerts).isPositive();

        List<String> rules = new ArrayList<>();
        Matcher m = RULE_LINE.matcher(r.out());
        while (m.find()) {
            rules.add(m.group(1));
            assertThat(Long.parseLong(m.group(2))).isPositive();
            // Taking a rule out never adds alerts; the internal helper is never measured on its own.
            assertThat(Long.parseLong(m.group(4))).isLessThanOrEqualTo(alerts);
        }
        assertThat(rules).containsExactly("Vfork child stalled", "Vfork child exited without exec", "Vfork storm",
                "Vfork parent blocked", "Vfork child exec from writable directory", "Vfork child exec'd from memory",
                "Shell spawned by a service");
        // 5,000 children/s spread over 4 parents (~1,250 each): storms are certain, so removing "Vfork storm" removes alerts.
        Matcher storm = Pattern.compile("rule=\"Vfork storm\" \\S+ \\S+ alerts_without=(\\d+)").matcher(r.out());
        assertThat(storm.find()).isTrue();
        assertThat(Long.parseLong(storm.group(1))).isLessThan(alerts);
    }

    @Test
    void aggregateBenchReportsThroughputAndTheFloodWithAndWithout() {
        Result r = run("aggregate", "--alerts", "20000", "--kinds", "10", "--children", "300", "--rounds", "1");
        assertThat(r.code()).as(r.err()).isZero();
        Matcher m = Pattern.compile("passed_on=(\\d+) flood_children=300 .* off_bytes=(\\d+) on_bytes=(\\d+)").matcher(r.out());
        assertThat(m.find()).as(r.out()).isTrue();
        // 20000 alerts 100 us apart span 2 s, inside one window: each of the 10 kinds sends its first and a summary.
        assertThat(Long.parseLong(m.group(1))).isEqualTo(20);
        // 300 failing children of one parent: every alert without aggregation, one alert and one summary with it.
        long off = Long.parseLong(m.group(2));
        long on = Long.parseLong(m.group(3));
        assertThat(on).isPositive().isLessThan(off / 100);
    }

    @Test
    void webhookBenchDeliversEveryAlertToTheLoopbackReceiver() {
        Result r = run("webhook", "--alerts", "300", "--rate", "1000");
        assertThat(r.code()).as(r.err()).isZero();
        Matcher m = Pattern.compile("alerts=(\\d+) fsync_interval_ms=0 accept_per_s=(\\d+) delivered_per_s=(\\d+) .*"
                + "paced_rate=1000 ").matcher(r.out());
        assertThat(m.find()).as(r.out()).isTrue();
        assertThat(Long.parseLong(m.group(1))).isEqualTo(300);
        assertThat(Long.parseLong(m.group(3))).isPositive();
    }

    @Test
    void helpListsTheBenchmarksAndBadArgumentsExit2() {
        Result help = run("--help");
        assertThat(help.code()).isZero();
        assertThat(help.out()).contains("replay", "aggregate", "webhook", "live");
        Result bad = run("replay", "--events", "0");
        assertThat(bad.code()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(bad.err()).contains("forkwatch: --events, --rounds, --rate and --parents must be at least 1");
        assertThat(run("replay", "--bogus").err()).contains("Try 'forkwatch bench replay --help'.");
        assertThat(run("live").code()).isEqualTo(ExitCode.BAD_INPUT); // BIN_DIR is required
    }
}
