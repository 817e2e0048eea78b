package dev.forkwatch.sink.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import dev.forkwatch.source.TraceGenerator;
import dev.forkwatch.cli.Pipeline;
import dev.forkwatch.config.Config;
import dev.forkwatch.sink.SinkReport;
import dev.forkwatch.sink.Sink;
import dev.forkwatch.source.TraceReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A receiver that takes 2 s per request must not slow the engine: a replay of a generated trace (1M events by
 * default, -Dforkwatch.test.replayEvents=N to change) with the webhook runs at nearly the speed of the same replay
 * without it. Alerts the slow receiver could not take stay in the spool.
 */
class SlowReceiverTest {
    @TempDir
    Path tmp;

    private static final PrintStream NULL = new PrintStream(OutputStream.nullOutputStream());

    private static long replayMillis(Config c, Path trace, long[] alerts, Sink[] sinkOut) throws Exception {
        long t0 = System.nanoTime();
        // Every match to the webhook, as replay sends them: aggregation (on in the config for run) would hide the load.
        Pipeline p = Pipeline.open(c.with("outputs.aggregate.enabled", false, "test"), NULL, System.err);
        new TraceReader(trace).run(p);
        p.finish();
        long ms = (System.nanoTime() - t0) / 1_000_000L;
        alerts[0] = p.engine().stats().alerts();
        sinkOut[0] = p.sink();
        p.close(); // not timed: this is the drain
        return ms;
    }

    @Test
    void aReceiverTaking2sPerRequestDoesNotSlowAReplay() throws Exception {
        long events = Long.getLong("forkwatch.test.replayEvents", 1_000_000L);
        Path trace = tmp.resolve("trace.jsonl");
        TraceGenerator.write(trace, events, 200_000, 42);
        long[] alerts = new long[1];
        Sink[] sink = new Sink[1];

        Path warm = tmp.resolve("warm.jsonl");
        TraceGenerator.write(warm, Math.min(events, 100_000), 200_000, 7);
        replayMillis(Config.defaults(), warm, alerts, sink); // JIT warm-up, so that neither timed run pays for it
        try (TestReceiver slow = TestReceiver.http((n, r) -> new TestReceiver.Reply(200, java.util.Map.of(), 2000))) {
            Config c = TestAlerts.with(TestAlerts.config(slow.url(), tmp.resolve("spool")), "drain_timeout", "500ms")
                    .with("outputs.webhook.timeout", 10_000_000_000L, "test");
                        long t0 = System.nanoTime();
            long withWebhook = replayMillis(c, trace, alerts, sink);
            long total = (System.nanoTime() - t0) / 1_000_000L;
            long expected = alerts[0];
            assertThat(expected).as("the trace raises alerts").isGreaterThan(20);
            long[] baseAlerts = new long[1];
            long base = replayMillis(Config.defaults(), trace, baseAlerts, new Sink[1]);
            System.out.printf("replay of %d events, %d alerts: %d ms without webhook, %d ms with a 2 s/request "
                    + "receiver (ratio %.2f)%n", events, alerts[0], base, withWebhook, (double) withWebhook / base);
            assertThat(baseAlerts[0]).isEqualTo(expected);
            SinkReport st = sink[0].report();
            // the receiver really was the bottleneck: at most one request per 2 s got through, the rest stayed spooled
            assertThat(st.pending()).isGreaterThanOrEqualTo(expected - (total / 2000 + 1));
            assertThat(st.lines()).singleElement().asString().contains("delivered " + (expected - st.pending()) + ",");
            assertThat(st.lost()).isZero();
            // generous: the webhook may cost fsyncs, never a network round trip per alert
            // waiting on the receiver even for a quarter of the alerts would take 2 s x alerts / 4
            assertThat(withWebhook).isLessThan(base + 2000L * expected / 4);
            // generous (the machine may be shared): the webhook may cost fsyncs, never a round trip per alert
            assertThat((double) withWebhook / base).isLessThan(3.0);
        }
    }
}
