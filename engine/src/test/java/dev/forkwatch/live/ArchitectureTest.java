package dev.forkwatch.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.forkwatch.cli.ExitCode;
import dev.forkwatch.cli.Main;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The BPF side is x86-64 only: run elsewhere exits 3 with a clear message; check works anywhere. */
class ArchitectureTest {
    @Test
    void onlyX8664RunsTheProbes() {
        LiveProbes.checkArch("amd64");
        LiveProbes.checkArch("x86_64");
        assertThatThrownBy(() -> LiveProbes.checkArch("aarch64")).isInstanceOf(ProbeException.class)
                .hasMessageContaining("needs an x86-64 (amd64) host").hasMessageContaining("this is aarch64");
    }

    /** A JVM that says it is aarch64 (os.arch is what forkwatch goes by). */
    static Result java(String... args) throws Exception {
        var cmd = new java.util.ArrayList<>(java.util.List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dos.arch=aarch64", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(java.util.List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), out);
    }

    record Result(int code, String out) {
    }

    @Test
    void runOnAnotherArchitectureExits3AndCheckStillWorks() throws Exception {
        Result run = java("run");
        assertThat(run.code()).as(run.out()).isEqualTo(ExitCode.ENVIRONMENT);
        assertThat(run.out()).contains("forkwatch run needs an x86-64 (amd64) host").contains("this is aarch64");
        Result check = java("check");
        assertThat(check.code()).as(check.out()).isZero();
    }
}
