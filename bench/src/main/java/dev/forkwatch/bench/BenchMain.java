package dev.forkwatch.bench;

import dev.forkwatch.cli.Main;
import java.io.PrintStream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The benchmarks' command line (bench/target/forkwatch-bench.jar; `./forkwatch bench ...` runs it). Kept out
 * of the product jar; method and results in docs/performance.md. Errors and exit codes as in forkwatch's.
 */
@Command(name = "forkwatch bench",
        description = "Benchmarks of forkwatch (see docs/performance.md).",
        subcommands = {ReplayCommand.class, AggregateCommand.class, WebhookCommand.class, LiveCommand.class,
                CommandLine.HelpCommand.class})
public final class BenchMain implements Runnable {
    final PrintStream out;
    final PrintStream err;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    private BenchMain(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        System.exit(execute(System.out, System.err, args));
    }

    /** Runs the command line and returns the exit code; results go to {@code out}, progress to {@code err}. */
    public static int execute(PrintStream out, PrintStream err, String... args) {
        return Main.execute(new BenchMain(out, err), out, err, args);
    }

    @Override
    public void run() {
        new CommandLine(this).usage(out);
    }
}
