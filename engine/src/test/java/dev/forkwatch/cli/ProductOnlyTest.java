package dev.forkwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The benchmarks live in their own module (bench/): the product's command line and classes hold none of them. */
class ProductOnlyTest {
    @Test
    void helpListsOnlyProductCommandsAndBenchIsUnknown() {
        Cli.Result help = Cli.run("--help");
        assertThat(help.code()).isZero();
        assertThat(help.out()).contains("run", "replay", "check", "test-rules").doesNotContainIgnoringCase("bench");
        Cli.Result bench = Cli.run("bench", "--events", "10");
        assertThat(bench.code()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(bench.err()).contains("Unmatched arguments from index 0: 'bench'");
    }

    @Test
    void noBenchmarkClassesInTheEngine() throws Exception {
        Path classes = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        try (var files = Files.walk(classes)) {
            assertThat(files.map(p -> classes.relativize(p).toString()))
                    .isNotEmpty()
                    .noneMatch(p -> p.toLowerCase(java.util.Locale.ROOT).contains("bench"));
        }
    }
}
