package dev.forkwatch.cli;

import dev.forkwatch.config.Config;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * {@code run --watch}: every {@link #INTERVAL_MS} it fingerprints the config file and the rule files (content, mode and
 * owner, so a chmod that makes a file untrusted is noticed too) and asks for a reload when the fingerprint changed and
 * then stayed the same for one interval: an editor's burst of writes makes one reload, of the finished file.
 * Polling rather than inotify: it sees files replaced by rename, directories created later, and costs a few reads a
 * second.
 */
final class ReloadWatch implements AutoCloseable {
    static final long INTERVAL_MS = 1000;
    static final String CAUSE = "rule or config file changed (--watch)";

    private final Path configFile;
    private final Supplier<Config> config;
    private final Consumer<String> request;
    private final Thread thread;
    private volatile boolean stopped;
    /** The fingerprint of the files as last loaded (at start, then at each reload asked for). */
    private Map<String, String> loaded;

    /**
     * @param configFile the config file read, or null
     * @param config     the config last read: its rules.paths and rules.extra_dirs are watched
     * @param request    asks for a reload ({@link RuleReloads#request}), with the cause
     */
    ReloadWatch(Path configFile, Supplier<Config> config, Consumer<String> request) {
        this.configFile = configFile;
        this.config = config;
        this.request = request;
        this.thread = new Thread(this::loop, "forkwatch-watch");
        thread.setDaemon(true);
    }

    /** Fingerprints the files now, before "ready", so that a change right after it is seen. */
    ReloadWatch start() {
        loaded = fingerprint();
        thread.start();
        return this;
    }

    private void loop() {
        Map<String, String> previous = loaded;
        while (!stopped) {
            try {
                Thread.sleep(INTERVAL_MS);
            } catch (InterruptedException e) {
                return;
            }
            Map<String, String> now = fingerprint();
            if (!now.equals(loaded) && now.equals(previous)) {
                loaded = now;
                request.accept(CAUSE);
            }
            previous = now;
        }
    }

    /** Path to "sha256 mode uid" of every watched file ("-" when it cannot be read). */
    Map<String, String> fingerprint() {
        Map<String, String> fp = new TreeMap<>();
        for (Path f : files()) {
            fp.put(f.toString(), describe(f));
        }
        return fp;
    }

    private List<Path> files() {
        Config c = config.get();
        List<Path> out = new ArrayList<>();
        if (configFile != null) {
            out.add(configFile);
        }
        for (String p : c.list("rules.paths")) {
            out.addAll(drl(Path.of(p), Integer.MAX_VALUE));
        }
        for (String d : c.list("rules.extra_dirs")) {
            out.add(Path.of(d));
            out.addAll(drl(Path.of(d), 1));
        }
        return out;
    }

    private static List<Path> drl(Path p, int depth) {
        if (!Files.isDirectory(p)) {
            return List.of(p);
        }
        try (Stream<Path> s = Files.walk(p, depth)) {
            return s.filter(f -> f.toString().endsWith(".drl")).sorted().toList();
        } catch (IOException | RuntimeException e) {
            return List.of(p);
        }
    }

    private static String describe(Path f) {
        try {
            String mode = Objects.toString(Files.getAttribute(f, "unix:mode"));
            String uid = Objects.toString(Files.getAttribute(f, "unix:uid"));
            if (Files.isDirectory(f)) {
                return "dir " + mode + " " + uid;
            }
            byte[] sha = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f));
            String link = Files.isSymbolicLink(f) ? " -> " + f.toRealPath() : "";
            return HexFormat.of().formatHex(sha) + " " + mode + " " + uid + link;
        } catch (IOException | NoSuchAlgorithmException | RuntimeException e) {
            return "-";
        }
    }

    @Override
    public void close() {
        stopped = true;
        thread.interrupt();
    }
}
