package dev.forkwatch.cli;

import dev.forkwatch.rules.RuleEngine;
import dev.forkwatch.sink.Sink;
import dev.forkwatch.source.TraceReader;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * Replays recorded traces through the rules. Files are read in the order given as one stream, so a capture
 * split into several files replays as a whole. A bad line stops the replay with exit code 2; alerts raised
 * by the lines before it have already been delivered.
 */
@Command(name = "replay", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Run the rules over recorded traces (JSON Lines, see docs/events.md); '-' reads stdin.")
final class ReplayCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Mixin
    CommonOptions options;

    @Parameters(paramLabel = "FILE", arity = "1..*", description = "Trace files, replayed in order as one stream.")
    List<Path> files;

    @Option(names = "--aggregate",
            description = "Collapse floods of one kind of alert into summaries, as run does (docs/outputs.md).")
    boolean aggregate;

    @Override
    public Integer call() throws Exception {
        Sink sink;
        // A trace shows every match unless asked: the config's outputs.aggregate.enabled is for run.
        var cfg = options.config().with("outputs.aggregate.enabled", aggregate, "--aggregate");
        try (Pipeline p = Pipeline.open(cfg, main.out, main.err)) {
            sink = p.sink();
            try {
                for (Path f : files) {
                    new TraceReader(f).run(p);
                }
            } finally {
                // Also on a bad line: the events accepted before it are fully evaluated, their alerts delivered.
                p.finish();
            }
            RuleEngine.Stats s = p.engine().stats();
            main.err.printf("forkwatch: replayed %d events from %d file(s): %d alert(s), %d late event(s)%s%n",
                    s.events(), files.size(), s.alerts(), s.late(),
                    Pipeline.engineLosses(s) + Pipeline.heldBack(p) + p.disabledNote());
        }
        return Pipeline.report(sink, main.err); // 5 when alerts were lost, 4 when left in the spool
    }
}
