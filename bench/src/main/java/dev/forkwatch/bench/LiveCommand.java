package dev.forkwatch.bench;

import dev.forkwatch.cli.ExitCode;
import dev.forkwatch.cli.ExitException;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** The live-probe benchmark; bench/live.sh compiles the loops and runs it as root (docs/performance.md). */
@Command(name = "live", mixinStandardHelpOptions = true,
        description = {"Live probes: overhead on a vfork+exec loop, syscall tax, record rate (root; run it through "
                + "bench/live.sh, which compiles the loops).",
                "FORKWATCH_BENCH=overhead|tax|rate runs one part only."})
final class LiveCommand implements Callable<Integer> {
    @ParentCommand
    BenchMain bench;

    @Parameters(index = "0", paramLabel = "BIN_DIR", description = "Holds the compiled vfork_exec_loop and syscall_loop.")
    Path bin;

    @Parameters(index = "1", arity = "0..1", paramLabel = "ROUNDS", description = "Interleaved rounds (default ${DEFAULT-VALUE}).")
    int rounds = 10;

    @Parameters(index = "2", arity = "0..1", paramLabel = "ITERATIONS",
            description = "vfork+exec+wait iterations per mode and round (default ${DEFAULT-VALUE}).")
    int iterations = 2000;

    @Parameters(index = "3", arity = "0..1", paramLabel = "PEER",
            description = "bpftrace script of the peer measurement (default ${DEFAULT-VALUE}).")
    Path peer = Path.of("bench/peer.bt");

    @Override
    public Integer call() throws Exception {
        String only = System.getenv().getOrDefault("FORKWATCH_BENCH", "all");
        if (!Set.of("all", "overhead", "tax", "rate").contains(only)) {
            throw ExitException.badInput("FORKWATCH_BENCH must be all, overhead, tax or rate, not '" + only + "'");
        }
        LiveBench.run(bin, rounds, iterations, peer, only, bench.out);
        return ExitCode.OK;
    }
}
