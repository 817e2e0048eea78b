package dev.forkwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.forkwatch.config.Config;
import dev.forkwatch.event.Vfork;
import dev.forkwatch.metrics.Telemetry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** What the engine counts reaches the metrics: late events (inserted and dropped) and evicted facts. */
class PipelineTelemetryTest {
    static final long T0 = 1_764_300_000_000_000_000L;
    static final long MS = 1_000_000L;

    @Test
    void lateEventsAndEvictionsAreReportedAsTheEngineCountsThem() {
        AtomicLong late = new AtomicLong();
        AtomicLong evicted = new AtomicLong();
        Telemetry t = new Telemetry() {
            @Override
            public void lateEvents(long n) {
                late.addAndGet(n);
            }

            @Override
            public void factsEvicted(long n) {
                evicted.addAndGet(n);
            }
        };
        Config config = Config.defaults().withText("engine.max_facts", "50", "test");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (Pipeline p = Pipeline.open(config, new PrintStream(out), new PrintStream(new ByteArrayOutputStream()), t)) {
            // 200 children that never exec, 1 ms apart: more than the session may hold.
            for (int i = 0; i < 200; i++) {
                p.event(new Vfork(T0 + i * MS, 10_000 + i, 9_000, 0, "svc", "vfork"));
                p.clock(T0 + i * MS);
            }
            // Two events far behind the clock: late (inserted while a window is open, or dropped).
            p.event(new Vfork(T0 + 100 * MS, 20_001, 9_001, 0, "svc", "vfork"));
            p.event(new Vfork(T0 - 60_000 * MS, 20_002, 9_002, 0, "svc", "vfork"));
            p.clock(T0 + 201 * MS);
            var st = p.engine().stats();
            assertThat(st.evicted()).isPositive();
            assertThat(st.late() + st.lateDropped()).isEqualTo(2);
            assertThat(evicted.get()).isEqualTo(st.evicted());
            assertThat(late.get()).isEqualTo(2);
        }
    }
}
