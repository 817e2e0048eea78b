package dev.forkwatch.live;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forkwatch.cli.Main;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * {@code forkwatch} (usually {@code run}) as its own process, as an operator starts it. Register one per test class
 * with {@code @RegisterExtension final ForkwatchProcesses forkwatch = new ForkwatchProcesses();}: every process a
 * test starts is killed after it. stdout and stderr go to files in the test's directory, so what the process
 * wrote is complete once it has exited (no reader thread to catch up with).
 */
final class ForkwatchProcesses implements AfterEachCallback {
    static final ObjectMapper JSON = new ObjectMapper();
    /** The rules compile and the probes attach before "ready": slow on a loaded 2-core host. */
    static final long READY_TIMEOUT_SEC = 90;

    private final List<Process> started = new ArrayList<>();

    /** {@code java -cp <the test classpath> Main args...}, output files in {@code dir}. */
    Running start(Path dir, String... args) throws IOException {
        return in(dir).start(args);
    }

    /** A process to configure before {@link Launch#start}. */
    Launch in(Path dir) {
        return new Launch(dir);
    }

    @Override
    public void afterEach(ExtensionContext context) throws InterruptedException {
        for (Process p : started) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        started.clear();
    }

    final class Launch {
        private final Path dir;
        private List<String> prefix = List.of();
        private List<String> jvmOptions = List.of();
        private String classpath = System.getProperty("java.class.path");
        private Path workDir;
        private Path stdout;

        private Launch(Path dir) {
            this.dir = dir;
        }

        /** A command that execs the JVM (setpriv, a signal-disposition wrapper). */
        Launch prefix(String... command) {
            prefix = List.of(command);
            return this;
        }

        Launch jvmOptions(String... options) {
            jvmOptions = List.of(options);
            return this;
        }

        Launch classpath(String cp) {
            classpath = cp;
            return this;
        }

        Launch workDir(Path d) {
            workDir = d;
            return this;
        }

        /** Where stdout goes instead of a file in the test's directory (e.g. /dev/full). */
        Launch stdout(Path file) {
            stdout = file;
            return this;
        }

        Running start(String... args) throws IOException {
            int n = started.size();
            List<String> cmd = new ArrayList<>(prefix);
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.addAll(jvmOptions);
            cmd.addAll(List.of("-cp", classpath, Main.class.getName()));
            cmd.addAll(List.of(args));
            Path out = stdout != null ? stdout : dir.resolve("forkwatch-" + n + ".out");
            Path err = dir.resolve("forkwatch-" + n + ".err");
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
            if (workDir != null) {
                pb.directory(workDir.toFile());
            }
            Process p = pb.start();
            started.add(p);
            return new Running(p, out, err);
        }
    }

    /** A started forkwatch process and the files its output goes to. */
    record Running(Process process, Path out, Path err) {
        long pid() {
            return process.pid();
        }

        boolean isAlive() {
            return process.isAlive();
        }

        /** Everything on stderr so far. */
        String errText() {
            try {
                return Files.readString(err, StandardCharsets.UTF_8);
            } catch (IOException e) {
                return e.toString();
            }
        }

        /** The first stderr line containing {@code s}, waiting for it (at most {@link #READY_TIMEOUT_SEC}). */
        String awaitErr(String s) throws InterruptedException {
            return awaitErr(Pattern.compile(".*" + Pattern.quote(s) + ".*")).group();
        }

        /**
         * The first match of {@code p} on stderr, waiting for it while the process lives (at most
         * {@link #READY_TIMEOUT_SEC}); fails with the stderr when it exited or timed out without one.
         */
        Matcher awaitErr(Pattern p) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(READY_TIMEOUT_SEC);
            while (true) {
                boolean alive = process.isAlive(); // read before the text: a line written just before exit is seen
                Matcher m = p.matcher(errText());
                if (m.find()) {
                    return m;
                }
                if (!alive || System.nanoTime() >= deadline) {
                    throw new AssertionError("no stderr match for '" + p + "' (" + (alive ? "timed out" : "exited")
                            + "); stderr:\n" + errText());
                }
                Thread.sleep(50);
            }
        }

        /** Waits for "ready" (rules compiled, probes attached); the ready line. */
        String awaitReady() throws InterruptedException {
            return awaitErr("ready:");
        }

        /** Waits at most {@code seconds} for the process to exit by itself; its exit code. */
        int awaitExit(int seconds) throws InterruptedException {
            assertThat(process.waitFor(seconds, TimeUnit.SECONDS))
                    .as(() -> "exited within " + seconds + " s; stderr:\n" + errText()).isTrue();
            return process.exitValue();
        }

        /** SIGTERM (as systemd stops it), then its exit code. */
        int terminate() throws InterruptedException {
            process.toHandle().destroy(); // SIGTERM; Process.destroy() would also close our end of its pipes
            return awaitExit(20);
        }

        /** The JSON alerts on stdout (run with {@code --output json}). */
        List<JsonNode> alerts() throws IOException {
            List<JsonNode> a = new ArrayList<>();
            for (String line : Files.readAllLines(out)) {
                if (!line.isBlank()) {
                    a.add(JSON.readTree(line));
                }
            }
            return a;
        }
    }
}
