package dev.forkwatch.rules;

import static org.assertj.core.api.Assertions.assertThat;

import dev.forkwatch.alert.Alert;
import dev.forkwatch.source.TraceGenerator;
import dev.forkwatch.config.Config;
import dev.forkwatch.source.TraceReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Volume: the alerts of a generated 200k-event trace match what the generator put in, with no late events. */
class GeneratedTraceTest {
    @TempDir
    Path dir;

    @Test
    void alertsMatchInjectedMisbehaviour() throws Exception {
        Path f = dir.resolve("g.jsonl");
        TraceGenerator.Counts injected = TraceGenerator.write(f, 200_000, 5_000, 7);
        Config cfg = Config.defaults();
        List<Alert> alerts = new ArrayList<>();
        long late;
        try (RuleEngine e = RuleEngine.fromConfig(RulePack.load(cfg), cfg, alerts::add)) {
            new TraceReader(f).run(e);
            e.finish();
            late = e.stats().late();
            assertThat(e.stats().events()).isEqualTo(injected.events());
        }
        Map<String, Long> byRule = new TreeMap<>();
        alerts.forEach(a -> byRule.merge(a.rule(), 1L, Long::sum));
        assertThat(late).isZero();
        assertThat(injected.failedExecs()).isPositive();
        assertThat(injected.stalls()).isPositive();
        assertThat(injected.storms()).isPositive();
        assertThat(byRule.getOrDefault("Vfork child exited without exec", 0L)).isEqualTo(injected.failedExecs());
        assertThat(byRule.getOrDefault("Vfork child stalled", 0L)).isEqualTo(injected.stalls());
        assertThat(byRule.getOrDefault("Vfork storm", 0L)).isEqualTo(injected.storms());
        assertThat(Files.size(f)).isPositive();
    }
}
