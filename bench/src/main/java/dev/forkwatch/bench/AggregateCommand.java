package dev.forkwatch.bench;

import dev.forkwatch.cli.ExitCode;
import dev.forkwatch.cli.Pipeline;
import dev.forkwatch.config.Config;
import dev.forkwatch.source.TraceReader;
import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * Aggregation benchmark: alerts/s through the aggregator, and a crash-loop flood replayed through the real
 * pipeline (default rules, JSON to a file) with and without aggregation, in interleaved rounds; docs/performance.md.
 */
@Command(name = "aggregate", mixinStandardHelpOptions = true,
        description = "Alerts/s through aggregation, and a flood's cost with and without it.")
final class AggregateCommand implements Callable<Integer> {
    @ParentCommand
    BenchMain bench;

    @Option(names = "--alerts", description = "Synthetic alerts for the throughput run (default ${DEFAULT-VALUE}).")
    int alerts = 1_000_000;

    @Option(names = "--kinds", description = "Distinct kinds among them (default ${DEFAULT-VALUE}).")
    int kinds = 100;

    @Option(names = "--children", description = "Failing children of one parent in the flood trace, 20 ms apart "
            + "(below the storm threshold; default ${DEFAULT-VALUE}).")
    int children = 50_000;

    @Option(names = "--rounds", description = "Rounds (default ${DEFAULT-VALUE}).")
    int rounds = 3;

    @Override
    public Integer call() throws Exception {
        PrintStream err = bench.err;
        AggregateBench.Result t = AggregateBench.throughput(alerts, kinds, rounds, err);
        Path dir = Files.createTempDirectory("forkwatch-bench-aggregate");
        try {
            Path trace = dir.resolve("flood.jsonl");
            AggregateBench.writeFlood(trace, children, 20_000);
            double[] best = {Double.MAX_VALUE, Double.MAX_VALUE};
            long[] bytes = new long[2];
            for (int r = 0; r < rounds; r++) {
                for (int on = 0; on < 2; on++) {
                    Path out = dir.resolve("out.jsonl");
                    Config cfg = Config.defaults().with("output.format", "json", "bench")
                            .with("outputs.aggregate.enabled", on == 1, "bench");
                    long t0 = System.nanoTime();
                    try (OutputStream file = new BufferedOutputStream(Files.newOutputStream(out));
                         PrintStream ps = new PrintStream(file, false, StandardCharsets.UTF_8);
                         Pipeline p = Pipeline.open(cfg, ps, err)) {
                        new TraceReader(trace).run(p);
                        p.finish();
                    }
                    double s = (System.nanoTime() - t0) / 1e9;
                    bytes[on] = Files.size(out);
                    err.printf("round %d, aggregation %s: %.2f s, %d bytes of alerts%n", r + 1, on == 1 ? "on" : "off", s, bytes[on]);
                    best[on] = Math.min(best[on], s);
                }
            }
            bench.out.printf(java.util.Locale.ROOT, "alerts=%d kinds=%d aggregate_alerts_per_s=%.0f passed_on=%d "
                            + "flood_children=%d off_s=%.2f on_s=%.2f ratio_on_off=%.3f off_bytes=%d on_bytes=%d%n",
                    t.alerts(), t.kinds(), t.aggregatedPerSec(), t.passedOn(), children, best[0], best[1],
                    best[1] / best[0], bytes[0], bytes[1]);
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.delete(f);
                }
            }
            Files.delete(dir);
        }
        return ExitCode.OK;
    }
}
