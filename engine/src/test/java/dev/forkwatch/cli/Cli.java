package dev.forkwatch.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Runs the CLI in-process and captures what it prints. */
final class Cli {
    record Result(int code, String out, String err) {
    }

    private Cli() {
    }

    static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.execute(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), args);
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** The repository root (set by surefire), for samples/ and rules/. */
    static Path root() {
        return Path.of(System.getProperty("forkwatch.root", "..")).toAbsolutePath().normalize();
    }

    static String sample(String name) {
        return root().resolve("samples/traces").resolve(name).toString();
    }
}
