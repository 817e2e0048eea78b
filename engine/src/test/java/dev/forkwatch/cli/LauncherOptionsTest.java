package dev.forkwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * packaging/jvm-options.sh, which both launchers source: the JIT chosen per command, and the class-data
 * archive (built once per jar and JDK in a cache directory only this user can write, ignored otherwise).
 * The archive tests use a real JVM on a tiny jar, so that building an archive takes a second, not ten.
 */
class LauncherOptionsTest {
    @TempDir
    Path tmp;

    record Run(int code, String out, String err) {
    }

    /** Sources the script, computes the options for {@code args}, prints them. No archive unless asked. */
    private Run options(Map<String, String> env, String... args) throws Exception {
        return sh(env, "fw_jvm_options java /nonexistent.jar '' \"$@\"; echo \"$fw_opts\"", args);
    }

    /** Sources the script and runs the jar the way the launchers do. */
    private Run launch(Path jar, Path cache, String... args) throws Exception {
        return sh(Map.of("FORKWATCH_CACHE_DIR", cache.toString(), "JAR", jar.toString()),
                "fw_jvm_options java \"$JAR\" '' \"$@\"; exec java $fw_opts ${EXTRA:-} -jar \"$JAR\" \"$@\"", args);
    }

    private Run sh(Map<String, String> env, String script, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("sh", "-c",
                ". \"" + Cli.root().resolve("packaging/jvm-options.sh") + "\"; " + script, "sh"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("FORKWATCH_JIT");
        pb.environment().remove("FORKWATCH_CDS");
        pb.environment().put("FORKWATCH_CDS", "off");
        pb.environment().putAll(env);
        if (env.containsKey("FORKWATCH_CACHE_DIR")) {
            pb.environment().remove("FORKWATCH_CDS");
        }
        Process p = pb.start();
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        String out = read(p.getInputStream());
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("launcher script did not finish: " + cmd);
        }
        return new Run(p.exitValue(), out, err.get());
    }

    private static String read(InputStream in) {
        try (in) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            in.transferTo(b);
            return b.toString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void shortCommandsGetC1AndRunGetsTieredWithBoundedThreads() throws Exception {
        for (String cmd : new String[] {"check", "test-rules", "--version", "--help"}) {
            Run r = options(Map.of(), cmd);
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(r.out()).as(cmd).contains("-XX:TieredStopAtLevel=1").doesNotContain("SharedArchiveFile");
        }
        Run run = options(Map.of(), "run", "--config", "x.yaml");
        assertThat(run.out()).contains("-XX:TieredStopAtLevel=1", "-XX:CICompilerCount=1", "-XX:ParallelGCThreads=1",
                "-XX:ConcGCThreads=1");
        // VM messages (CDS warnings among them) never reach stdout, where JSON alerts go.
        assertThat(run.out()).contains("-Xlog:disable -Xlog:all=warning:stderr -XX:+DisplayVMOutputToStderr");
    }

    @Test
    void replayUsesC1OnlyForSmallFiles() throws Exception {
        Path small = Files.writeString(tmp.resolve("small.jsonl"), "x".repeat(100));
        Path big = Files.writeString(tmp.resolve("big.jsonl"), "x".repeat(2000));
        Map<String, String> limit = Map.of("FORKWATCH_C1_MAX_BYTES", "1000");
        assertThat(options(limit, "replay", small.toString()).out()).contains("TieredStopAtLevel=1");
        assertThat(options(limit, "replay", "--aggregate", small.toString(), small.toString()).out())
                .contains("TieredStopAtLevel=1");
        // Together over the limit, stdin, or no readable file: tiered (it may be long).
        assertThat(options(limit, "replay", small.toString(), big.toString()).out()).doesNotContain("TieredStopAtLevel");
        assertThat(options(limit, "replay", "-").out()).doesNotContain("TieredStopAtLevel");
        assertThat(options(limit, "replay", tmp.resolve("missing").toString()).out()).doesNotContain("TieredStopAtLevel");
    }

    @Test
    void theJitCanBeChosenAndABadChoiceIsRefused() throws Exception {
        assertThat(options(Map.of("FORKWATCH_JIT", "tiered"), "check").out()).doesNotContain("TieredStopAtLevel");
        assertThat(options(Map.of("FORKWATCH_JIT", "tiered"), "run").out()).doesNotContain("TieredStopAtLevel")
                .contains("-XX:CICompilerCount=2");
        Run bad = options(Map.of("FORKWATCH_JIT", "fast"), "check");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("FORKWATCH_JIT must be auto, c1 or tiered, not 'fast'");
    }

    @Test
    void theArchiveIsBuiltInTheBackgroundInAPrivateDirReusedAndRebuiltWhenTheJarChanges() throws Exception {
        Path jar = tinyJar();
        Path cache = tmp.resolve("cache/forkwatch");
        Run first = launch(jar, cache, "check");
        assertThat(first.code()).as(first.err()).isZero();
        assertThat(first.out()).isEqualTo("hello check\n");
        assertThat(first.err()).contains("building the class-data archive in " + cache + " in the background");
        Path archive = awaitArchive(cache);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(cache))).isEqualTo("rwx------");
        assertThat(Files.getAttribute(cache, "unix:uid")).isEqualTo(uid());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(archive))).isEqualTo("rw-------");
        assertThat(Files.getAttribute(archive, "unix:uid")).isEqualTo(uid());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(cache.resolve("cds-build.log"))))
                .isEqualTo("rw-------");
        Object inode = Files.readAttributes(archive, "unix:ino").get("ino");

        // Reused: no rebuild, same file, and the JVM maps the jar's class from it.
        Run second = sh(Map.of("FORKWATCH_CACHE_DIR", cache.toString(), "JAR", jar.toString(),
                        "EXTRA", "-Xlog:class+load=info:stderr"),
                "fw_jvm_options java \"$JAR\" '' \"$@\"; exec java $fw_opts $EXTRA -jar \"$JAR\" \"$@\"", "check");
        assertThat(second.out()).isEqualTo("hello check\n");
        assertThat(second.err()).doesNotContain("building").contains("Hello source: shared objects file");
        assertThat(onlyArchive(cache)).isEqualTo(archive);
        assertThat(Files.readAttributes(archive, "unix:ino").get("ino")).isEqualTo(inode);

        // A new jar (mtime): this command runs without an archive, a new one is built, the stale one removed.
        Files.setLastModifiedTime(jar, FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() + 60_000));
        Run third = launch(jar, cache, "check");
        assertThat(third.out()).isEqualTo("hello check\n");
        assertThat(third.err()).contains("building the class-data archive");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (archives(cache).contains(archive) || archives(cache).isEmpty()) {
            assertThat(System.nanoTime()).as("the rebuilt archive replaces the stale one").isLessThan(deadline);
            Thread.sleep(100);
        }
        assertThat(awaitArchive(cache)).isNotEqualTo(archive);
    }

    @Test
    void theBackgroundBuildHoldsNoneOfTheCommandsOutputAndRunsOnceAtATime() throws Exception {
        // The training run of this jar takes 3 s (its main sleeps when classes are being listed): the command
        // must be over, its stdout closed, while the build still runs.
        Path jar = tinyJar();
        Path cache = tmp.resolve("cache");
        long t0 = System.nanoTime();
        Run r = launch(jar, cache, "check");
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertThat(r.out()).isEqualTo("hello check\n");
        assertThat(archives(cache)).as("the command did not wait for the build (%d ms)", tookMs).isEmpty();
        long held = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!lockHeld(cache)) {
            assertThat(System.nanoTime()).as("a build is running").isLessThan(held);
            Thread.sleep(20);
        }
        // A second command while the first build runs starts none.
        Run again = launch(jar, cache, "check");
        assertThat(again.out()).isEqualTo("hello check\n");
        awaitArchive(cache);
        assertThat(lockHeld(cache)).isFalse();
        String log = Files.readString(cache.resolve("cds-build.log"));
        assertThat(log.lines().filter(l -> l.contains(" building ")).count()).as(log).isEqualTo(1);
        assertThat(log).contains(" built ");
        try (Stream<Path> s = Files.list(cache)) {
            assertThat(s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".build.") && !n.equals(".build.lock")))
                    .as("no build directory left").isEmpty();
        }

        // Two commands started together on a new jar: one build.
        Files.setLastModifiedTime(jar, FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() + 60_000));
        CompletableFuture<Run> a = CompletableFuture.supplyAsync(() -> launchUnchecked(jar, cache));
        CompletableFuture<Run> b = CompletableFuture.supplyAsync(() -> launchUnchecked(jar, cache));
        assertThat(a.get().out()).isEqualTo("hello check\n");
        assertThat(b.get().out()).isEqualTo("hello check\n");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (lockHeld(cache) || Files.readString(cache.resolve("cds-build.log")).lines().filter(l -> l.contains(" built ")).count() < 2) {
            assertThat(System.nanoTime()).as("second build finished").isLessThan(deadline);
            Thread.sleep(100);
        }
        log = Files.readString(cache.resolve("cds-build.log"));
        assertThat(log.lines().filter(l -> l.contains(" building ")).count()).as(log).isEqualTo(2);
    }

    private Run launchUnchecked(Path jar, Path cache) {
        try {
            return launch(jar, cache, "check");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether someone holds the build lock of {@code cache} (flock -n fails). */
    private static boolean lockHeld(Path cache) throws Exception {
        Process p = new ProcessBuilder("flock", "-n", cache.resolve(".build.lock").toString(), "true").start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return p.exitValue() != 0;
    }

    private static Path awaitArchive(Path cache) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (archives(cache).isEmpty()) {
            assertThat(System.nanoTime()).as("archive built in " + cache).isLessThan(deadline);
            Thread.sleep(100);
        }
        while (lockHeld(cache)) { // the build's last steps (log line) after the rename
            assertThat(System.nanoTime()).isLessThan(deadline);
            Thread.sleep(50);
        }
        return onlyArchive(cache);
    }

    @Test
    void aBrokenArchiveNeitherStopsTheProgramNorWritesToStdout() throws Exception {
        Path jar = tinyJar();
        Path cache = tmp.resolve("cache");
        assertThat(launch(jar, cache, "check").code()).isZero();
        Path archive = awaitArchive(cache);
        byte[] junk = Files.readAllBytes(archive);
        for (int i = 0; i < 4096; i++) {
            junk[i] = (byte) 0x5a;
        }
        Files.write(archive, junk);
        Run r = launch(jar, cache, "check");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("hello check\n");

        // JDK 17 logs a rejected dynamic archive as a warning on stdout by default; the options move it to stderr.
        Path dynamic = tmp.resolve("dynamic.jsa");
        Process dump = new ProcessBuilder("java", "-XX:ArchiveClassesAtExit=" + dynamic, "-jar", jar.toString())
                .redirectErrorStream(true).redirectOutput(tmp.resolve("dump.log").toFile()).start();
        assertThat(dump.waitFor(120, TimeUnit.SECONDS)).isTrue();
        Files.setLastModifiedTime(jar, FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() + 60_000));
        Run warned = sh(Map.of("JAR", jar.toString(), "EXTRA", "-XX:SharedArchiveFile=" + dynamic),
                "fw_jvm_options java \"$JAR\" '' \"$@\"; exec java $fw_opts $EXTRA -jar \"$JAR\" \"$@\"", "check");
        assertThat(warned.code()).isZero();
        assertThat(warned.out()).isEqualTo("hello check\n");
        assertThat(warned.err()).contains("Unable to use shared archive");
    }

    @Test
    void aCacheDirOthersCanWriteOrOwnIsNotUsed() throws Exception {
        Path jar = tinyJar();
        Path open = Files.createDirectories(tmp.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        Run r = launch(jar, open, "check");
        assertThat(r.code()).isZero();
        assertThat(r.out()).isEqualTo("hello check\n");
        assertThat(r.err()).contains("class-data cache not used: others can write " + open.toRealPath() + " (mode 777)");
        assertThat(archives(open)).isEmpty();

        // Under a directory others can write (not sticky): someone could swap the cache dir.
        Path under = open.resolve("forkwatch");
        r = launch(jar, under, "check");
        assertThat(r.err()).contains("others can write " + open.toRealPath());
        assertThat(archives(under)).isEmpty();

        Path link = Files.createSymbolicLink(tmp.resolve("link"), Files.createDirectories(tmp.resolve("real")));
        r = launch(jar, link, "check");
        assertThat(r.out()).isEqualTo("hello check\n");
        assertThat(r.err()).contains("class-data cache not used: " + link + " is not a directory");
        assertThat(archives(tmp.resolve("real"))).isEmpty();

        if ((Integer) uid() == 0) { // chown needs root; CI runs as root
            Path foreign = Files.createDirectories(tmp.resolve("foreign"));
            Files.setAttribute(foreign, "unix:uid", 65534);
            r = launch(jar, foreign, "check");
            assertThat(r.out()).isEqualTo("hello check\n");
            assertThat(r.err()).contains("class-data cache not used: " + foreign.toRealPath()
                    + " is owned by uid 65534, not by uid 0");
            assertThat(archives(foreign)).isEmpty();
        }
    }

    private Object uid() throws IOException {
        return Files.getAttribute(tmp, "unix:uid");
    }

    private static List<Path> archives(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".jsa")).toList();
        }
    }

    private static Path onlyArchive(Path dir) throws IOException {
        List<Path> a = archives(dir);
        assertThat(a).hasSize(1);
        return a.get(0);
    }

    /**
     * A jar whose main class prints "hello ARGS"; started with -XX:DumpLoadedClassList (the archive's training
     * run) it first sleeps 3 s, so that a test sees the build still running.
     */
    private Path tinyJar() throws IOException {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Files.writeString(src.resolve("Hello.java"),
                "public class Hello { public static void main(String[] a) throws Exception {"
                        + " if (java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()"
                        + ".anyMatch(x -> x.startsWith(\"-XX:DumpLoadedClassList\"))) Thread.sleep(3000);"
                        + " System.out.println(\"hello \" + String.join(\" \", a)); } }");
        Path classes = Files.createDirectories(tmp.resolve("classes"));
        int rc = ToolProvider.getSystemJavaCompiler().run(null, null, null, "-d", classes.toString(),
                src.resolve("Hello.java").toString());
        assertThat(rc).isZero();
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        m.getMainAttributes().put(Attributes.Name.MAIN_CLASS, "Hello");
        Path jar = tmp.resolve("hello.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), m)) {
            out.putNextEntry(new JarEntry("Hello.class"));
            out.write(Files.readAllBytes(classes.resolve("Hello.class")));
            out.closeEntry();
        }
        return jar;
    }
}
