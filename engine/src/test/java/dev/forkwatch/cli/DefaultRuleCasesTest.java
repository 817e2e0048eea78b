package dev.forkwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The default pack's rule tests are case files under rules/tests/, run here through the command users run:
 * {@code forkwatch test-rules rules/tests/}. The JUnit report goes to target/ for CI to show per case.
 */
class DefaultRuleCasesTest {
    @Test
    void everyCaseOfTheDefaultPackPasses() throws Exception {
        Path cases = Cli.root().resolve("rules/tests");
        long files;
        try (Stream<Path> s = Files.walk(cases)) {
            files = s.filter(f -> f.toString().endsWith(".jsonl")).count();
        }
        Path report = Path.of("target", "test-rules-default-pack.xml");
        Cli.Result r = Cli.run("test-rules", "--junit", report.toString(), cases.toString());
        assertThat(r.code()).as(r.out()).isEqualTo(ExitCode.OK);
        assertThat(r.out().lines().filter(l -> l.startsWith("PASS "))).hasSize((int) files);
        assertThat(files).isGreaterThanOrEqualTo(40);
        assertThat(Files.readString(report)).contains("tests=\"" + files + "\" failures=\"0\"");
    }
}
