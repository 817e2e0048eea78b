package dev.forkwatch.cli;

import dev.forkwatch.config.Config;
import dev.forkwatch.ruletest.CaseRunner;
import dev.forkwatch.ruletest.JunitReport;
import dev.forkwatch.rules.PackCache;
import dev.forkwatch.rules.RulePack;
import dev.forkwatch.source.TraceFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * Declarative rule tests: each case is a trace with expect / expect_none records (docs/rules.md, "Testing
 * rules"). One line per case on stdout, the problems of a failed case in full; exit 0 all passed, 1 a case
 * failed, 2 bad input (a case, a rule file, the config).
 */
@Command(name = "test-rules", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Run rule test cases: traces with expect/expect_none records (files, or directories of *.jsonl).",
        footer = {"", "Exit codes: 0 every case passed, 1 a case failed, 2 bad input (a case, rules, config)."})
final class TestRulesCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Mixin
    RuleOptions options;

    @Option(names = "--junit", paramLabel = "FILE", description = "Also write a JUnit XML report to FILE (for CI).")
    Path junit;

    @Option(names = "--aggregate",
            description = "Collapse floods of one kind of alert into summaries, as run does; expectations then meet "
                    + "the first alerts and the summaries (docs/outputs.md).")
    boolean aggregate;

    @Parameters(paramLabel = "CASE", arity = "1..*", description = "Case files, or directories: every *.jsonl below them.")
    List<Path> cases;

    @Override
    public Integer call() throws IOException {
        // A case sees every match unless asked: the config's outputs.aggregate.enabled is for run.
        Config config = options.config().with("outputs.aggregate.enabled", aggregate, "--aggregate");
        List<Path> files = caseFiles(cases);
        CaseRunner runner = new CaseRunner(() -> RulePack.load(config, PackCache.fromEnvironment(System.getenv())), config);
        List<CaseRunner.Result> results = new ArrayList<>();
        for (Path f : files) {
            CaseRunner.Result r = runner.run(f);
            results.add(r);
            main.out.printf("%s %s (%d alert(s), %d expectation(s))%n", r.passed() ? "PASS" : "FAIL", f, r.alerts(),
                    r.expectations());
            for (String p : r.problems()) {
                main.out.println("    " + p);
            }
        }
        main.out.flush();
        long failed = results.stream().filter(r -> !r.passed()).count();
        if (junit != null) {
            try {
                JunitReport.write(junit, results);
            } catch (IOException e) {
                throw ExitException.badInput("--junit: cannot write " + junit + ": " + e.getMessage());
            }
        }
        main.err.printf("forkwatch: %d case(s): %d passed, %d failed%n", results.size(), results.size() - failed, failed);
        return failed == 0 ? ExitCode.OK : ExitCode.TEST_FAILED;
    }

    /** Files as given; directories: every *.jsonl below them, sorted. */
    static List<Path> caseFiles(List<Path> args) throws IOException {
        List<Path> out = new ArrayList<>();
        for (Path a : args) {
            if (Files.isDirectory(a)) {
                try (Stream<Path> s = Files.walk(a)) {
                    List<Path> found = s.filter(f -> f.toString().endsWith(".jsonl") && Files.isRegularFile(f)).sorted().toList();
                    if (found.isEmpty()) {
                        throw new TraceFormatException(a + ": no case files (*.jsonl) in this directory");
                    }
                    out.addAll(found);
                }
            } else if (Files.isRegularFile(a)) {
                out.add(a);
            } else {
                throw new TraceFormatException(a + ": case file not found");
            }
        }
        return out;
    }
}
