package dev.forkwatch.bench;

import dev.forkwatch.cli.ExitCode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** Webhook delivery benchmark against a loopback receiver; results and method in docs/performance.md ("Webhook"). */
@Command(name = "webhook", mixinStandardHelpOptions = true,
        description = "Webhook delivery to a loopback receiver: alerts/s and accept-to-receipt latency.")
final class WebhookCommand implements Callable<Integer> {
    @ParentCommand
    BenchMain bench;

    @Option(names = "--alerts", description = "Alerts to send per run (default ${DEFAULT-VALUE}).")
    int alerts = 5000;

    @Option(names = "--rate", description = "Offered alerts/s for the latency run; 0: as fast as possible (default ${DEFAULT-VALUE}).")
    long rate = 200;

    @Option(names = "--fsync-interval-ms", description = "0: fsync per alert (the default config); N: group commit every N ms "
            + "(default ${DEFAULT-VALUE}).")
    long fsyncIntervalMs = 0;

    @Override
    public Integer call() throws Exception {
        WebhookBench.run(Math.min(alerts, 500), 0, fsyncIntervalMs, bench.err); // warm-up
        WebhookBench.Result burst = WebhookBench.run(alerts, 0, fsyncIntervalMs, bench.err);
        WebhookBench.Result paced = WebhookBench.run(Math.max(100, (int) Math.min(alerts, rate * 10)), rate,
                fsyncIntervalMs, bench.err);
        bench.out.printf("alerts=%d fsync_interval_ms=%d accept_per_s=%.0f delivered_per_s=%.0f burst_p50_ms=%.2f "
                        + "burst_p99_ms=%.2f paced_rate=%d paced_p50_ms=%.2f paced_p99_ms=%.2f%n",
                burst.alerts(), fsyncIntervalMs, burst.acceptPerSec(), burst.deliveredPerSec(), burst.p50Ms(),
                burst.p99Ms(), rate, paced.p50Ms(), paced.p99Ms());
        return burst.alerts() == alerts ? ExitCode.OK : ExitCode.UNDELIVERED;
    }
}
