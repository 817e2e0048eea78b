package dev.forkwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every command answers -V with the version, as the top level does (subcommands printed an empty line). */
class VersionTest {
    @ParameterizedTest
    @ValueSource(strings = {"", "run", "replay", "check", "test-rules"})
    void everyCommandPrintsTheVersion(String command) {
        Cli.Result r = command.isEmpty() ? Cli.run("-V") : Cli.run(command, "-V");
        assertThat(r.code()).isZero();
        assertThat(r.out()).matches("forkwatch \\S+\\R");
    }
}
