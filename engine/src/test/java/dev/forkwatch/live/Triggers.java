package dev.forkwatch.live;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Builds samples/triggers/*.c with gcc and runs them; each run reports the pids the trigger printed. */
final class Triggers {
    /** What a trigger printed: its own pid and its children's, in creation order. */
    record Run(int parent, List<Integer> children, int exitCode) {
        int child() {
            return children.get(0);
        }
    }

    private final Path bin;

    private Triggers(Path bin) {
        this.bin = bin;
    }

    static Path root() {
        return Path.of(System.getProperty("forkwatch.root", ".."));
    }

    /**
     * Where the tests build the triggers: ~/.cache/forkwatch-test/ (one directory per checkout), not /tmp or the
     * checkout (which may itself be under /tmp, as CI's clone may be). The test JVM's own children run the
     * triggers, and a vfork child that execs from a world-writable directory raises an alert of its own.
     */
    static Path binDir() throws IOException {
        String checkout = root().toAbsolutePath().normalize().toString();
        String id = Integer.toHexString(checkout.hashCode());
        return Files.createDirectories(Path.of(System.getProperty("user.home"), ".cache", "forkwatch-test", id));
    }

    private static Triggers shared;

    /**
     * The triggers compiled into {@link #binDir()}, once per test JVM: every live test class runs the same binaries,
     * and compiling them again per class only cost gcc runs.
     */
    static synchronized Triggers shared() {
        if (shared == null) {
            try {
                shared = build(binDir());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while compiling the triggers", e);
            }
        }
        return shared;
    }

    /** Compiles every trigger into {@code dir}. */
    private static Triggers build(Path dir) throws IOException, InterruptedException {
        Path src = root().resolve("samples/triggers");
        try (var files = Files.list(src)) {
            for (Path c : files.filter(p -> p.toString().endsWith(".c")).toList()) {
                String name = c.getFileName().toString().replace(".c", "");
                exec(60, "gcc", "-O2", "-Wall", "-pthread", "-o", dir.resolve(name).toString(), c.toString());
            }
        }
        return new Triggers(dir);
    }

    /**
     * {@code /bin/sh -c ": MARKER"} started by this JVM's ProcessBuilder (a vfork child: posix_spawn), run to its end;
     * its pid. The marker is in its command line only.
     */
    static int markedShell(String marker) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("/bin/sh", "-c", ": " + marker).start();
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                throw new AssertionError("the marked shell did not end within 10 s");
            }
        } finally {
            p.destroyForcibly();
        }
        return (int) p.pid();
    }

    Path path(String name) {
        return bin.resolve(name);
    }

    Run run(String name, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(path(name).toString());
        cmd.addAll(List.of(args));
        return parse(exec(30, cmd.toArray(String[]::new)));
    }

    static Run parse(Result r) {
        int parent = -1;
        List<Integer> children = new ArrayList<>();
        for (String line : r.stdout().split("\n")) {
            if (line.startsWith("parent ")) {
                parent = Integer.parseInt(line.substring(7).trim());
            } else if (line.startsWith("child ")) {
                children.add(Integer.parseInt(line.substring(6).trim()));
            }
        }
        return new Run(parent, children, r.code());
    }

    record Result(int code, String stdout, int pid) {
    }

    /** Runs a command to completion (killing it after {@code timeoutSec}); fails on a non-zero exit. */
    static Result exec(int timeoutSec, String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(timeoutSec, TimeUnit.SECONDS)) {
                throw new IllegalStateException(String.join(" ", cmd) + " did not finish in " + timeoutSec + " s");
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", cmd) + " exited with " + p.exitValue());
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), (int) p.pid());
        } finally {
            p.destroyForcibly();
        }
    }
}
