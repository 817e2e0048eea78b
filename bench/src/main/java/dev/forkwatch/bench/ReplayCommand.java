package dev.forkwatch.bench;

import dev.forkwatch.cli.ExitCode;
import dev.forkwatch.cli.ExitException;
import dev.forkwatch.cli.RuleOptions;
import dev.forkwatch.source.TraceGenerator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** Replay throughput of the engine against a parse-only baseline; method and results in docs/performance.md. */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = "Replay throughput of the default rules on a generated trace, against a parse-only baseline.")
final class ReplayCommand implements Callable<Integer> {
    @ParentCommand
    BenchMain bench;

    @picocli.CommandLine.Mixin
    RuleOptions options;

    @Option(names = "--events", description = "Events in the generated trace (default ${DEFAULT-VALUE}).")
    long events = 1_000_000;

    @Option(names = "--rounds", description = "Interleaved rounds (default ${DEFAULT-VALUE}).")
    int rounds = 5;

    @Option(names = "--rate", description = "Event rate of the generated trace, events/s (default ${DEFAULT-VALUE}).")
    long rate = 5_000;

    @Option(names = "--parents", description = "Parents the children are spread over (default ${DEFAULT-VALUE});"
            + " few parents at a high rate: busy parents, 1: a permanent storm.")
    int parents = 1024;

    @Option(names = "--exec-exits", description = "Also an exit for each child that exec'd, which the probes do not"
            + " report: the shape of traces from other recorders, and of this benchmark before 2026-12-06.")
    boolean execExits;

    @Option(names = "--per-rule", description = "Also measure what each rule costs: the pack without that rule"
            + " (leave-one-out), in us per event.")
    boolean perRule;

    @Override
    public Integer call() throws Exception {
        if (parents < 1 || events < 1 || rate < 1 || rounds < 1) {
            throw ExitException.badInput("--events, --rounds, --rate and --parents must be at least 1");
        }
        Path dir = Files.createTempDirectory("forkwatch-bench");
        Path trace = dir.resolve("trace.jsonl");
        try {
            long n = TraceGenerator.write(trace, new TraceGenerator(events, rate, parents, 42, execExits)).events();
            bench.err.printf("generated %d events (%d MiB)%n", n, Files.size(trace) >> 20);
            ReplayBench.Result r = ReplayBench.run(trace, rounds, options.config(), bench.err);
            bench.out.printf("events=%d baseline_ev_per_s=%.0f engine_ev_per_s=%.0f baseline_over_engine=%.2f"
                            + " alerts=%d heap_after_mib=%d facts_after=%d max_heap_mib=%d%n",
                    r.events(), r.baselineEventsPerSec(), r.engineEventsPerSec(), r.ratio(), r.alerts(),
                    r.heapAfterBytes() >> 20, r.factsAfter(), Runtime.getRuntime().maxMemory() >> 20);
            if (perRule) {
                for (ReplayBench.RuleCost c : ReplayBench.perRule(trace, rounds, options.config(), bench.err)) {
                    bench.out.printf(Locale.ROOT,
                            "rule=\"%s\" engine_without_ev_per_s=%.0f cost_us_per_event=%.2f alerts_without=%d%n",
                            c.rule(), c.withoutEventsPerSec(), c.microsPerEvent(), c.alertsWithout());
                }
            }
        } finally {
            Files.deleteIfExists(trace);
            Files.deleteIfExists(dir);
        }
        return ExitCode.OK;
    }
}
