package dev.forkwatch.bench;

import dev.forkwatch.aggregate.Aggregator;
import dev.forkwatch.alert.Alert;
import dev.forkwatch.alert.Priority;
import dev.forkwatch.source.TraceGenerator;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Aggregation benchmarks: how many alerts per second the {@link Aggregator} takes, and a crash-loop flood trace
 * for the end-to-end cost with and without it (the CLI replays that through the real pipeline; docs/performance.md).
 */
public final class AggregateBench {
    /** The best round's alerts/s through the aggregator, and how many it passed on (first alerts and summaries). */
    public record Result(long alerts, int kinds, double aggregatedPerSec, long passedOn) {
    }

    private AggregateBench() {
    }

    public static Result throughput(int alerts, int kinds, int rounds, PrintStream log) {
        List<Alert> input = new ArrayList<>(alerts);
        for (int i = 0; i < alerts; i++) {
            // One alert per 100 us of event time: a 60 s window holds 600k alerts of all kinds together.
            input.add(new Alert("u" + i, TraceGenerator.T0 + i * 100_000L, "Vfork child exited without exec",
                    Priority.NOTICE, "vfork child exited", Map.of("proc.ppid", 1000 + i % kinds, "proc.pid", 100_000 + i,
                    "user.uid", 0, "container.id", "host"), List.of("vfork"), "bench"));
        }
        double bestAgg = 0;
        long passed = 0;
        for (int r = 0; r < rounds; r++) {
            long[] out = new long[1];
            Aggregator agg = new Aggregator(60_000_000_000L, 10_000, Map.of("Vfork child exited without exec",
                    Aggregator.DEFAULT_KEYS), a -> out[0]++, rule -> { });
            long t0 = System.nanoTime();
            for (Alert a : input) {
                agg.accept(a);
            }
            agg.flush();
            double aggregated = alerts / ((System.nanoTime() - t0) / 1e9);
            passed = out[0];
            log.printf("round %d: %.0f alerts/s through aggregation, %d passed on%n", r + 1, aggregated, passed);
            bestAgg = Math.max(bestAgg, aggregated);
        }
        return new Result(alerts, kinds, bestAgg, passed);
    }

    /** A crash loop: one parent spawns a child every {@code intervalUs} that exits at once without exec. */
    public static void writeFlood(Path file, int children, long intervalUs) throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (int i = 0; i < children; i++) {
                long t = TraceGenerator.T0 + i * intervalUs * 1000L;
                int pid = 10_000 + i % 4_000_000;
                w.write("{\"type\":\"vfork\",\"ts\":" + t + ",\"pid\":" + pid + ",\"ppid\":4242,\"uid\":0,"
                        + "\"comm\":\"svc\",\"via\":\"vfork\",\"parent_exe\":\"/usr/sbin/svc\"}\n");
                w.write("{\"type\":\"exit\",\"ts\":" + (t + 50_000) + ",\"pid\":" + pid + ",\"exit_code\":1}\n");
            }
        }
    }
}
