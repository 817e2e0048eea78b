package dev.forkwatch.cli;

import dev.forkwatch.config.Config;
import dev.forkwatch.config.ConfigException;
import dev.forkwatch.metrics.Telemetry;
import dev.forkwatch.rules.Reload;
import dev.forkwatch.rules.RuleCompileException;
import dev.forkwatch.rules.RulePack;
import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Reloads of {@code run}'s rules, asked for by SIGHUP or {@code --watch}. Asking only sets a flag (a signal handler
 * must do no more). The engine thread, between drains ({@link #poll}), then reads the config and the rules again on
 * a thread of their own, exactly as at start (file trust, compile, smoke run: {@link Pipeline#loadRules}), and once that is
 * done puts the pack in place itself, so the session is never changed while events go in. A pack that is refused
 * leaves the running one as it is, with a {@code Rules not reloaded} alert; either way one line goes to stderr.
 */
final class RuleReloads {
    /** What a reload found on disk: a pack to apply, or why there is none. */
    private record Prepared(RulePack pack, String refusal, List<String> restartKeys) {
    }

    private final Supplier<Config> configs;
    private final Pipeline pipeline;
    private final Telemetry telemetry;
    private final PrintStream err;
    private final AtomicReference<String> requested;
    /** The config last read: what --watch watches. */
    private volatile Config latest;
    /** Engine thread only: the reload being prepared, and what asked for it. */
    private CompletableFuture<Prepared> preparing;
    private String cause;

    /**
     * @param configs   reads the config as {@code run} did at start: the same file and command-line options
     * @param requested the flag a reload is asked for with (the cause), set by {@code run}'s SIGHUP handler from
     *                  its start: a SIGHUP during the compile makes a reload once running
     */
    RuleReloads(Supplier<Config> configs, Pipeline pipeline, Telemetry telemetry, PrintStream err,
                AtomicReference<String> requested) {
        this.configs = configs;
        this.requested = requested;
        this.pipeline = pipeline;
        this.telemetry = telemetry;
        this.err = err;
        this.latest = pipeline.config();
    }

    /** Asks for a reload ({@code cause}: "SIGHUP"); from any thread, a signal handler included. */
    void request(String cause) {
        requested.set(cause);
    }

    /** The config last read (the one started with until a reload reads another). */
    Config latest() {
        return latest;
    }

    /** On the engine thread, between drains: starts a requested reload, or applies one that is ready. */
    void poll() {
        if (preparing == null) {
            String c = requested.getAndSet(null);
            if (c != null) {
                cause = c;
                preparing = CompletableFuture.supplyAsync(this::prepare, r -> {
                    Thread t = new Thread(r, "forkwatch-reload");
                    t.setDaemon(true); // a stop does not wait for a compile nobody will apply
                    t.start();
                });
            }
            return;
        }
        if (!preparing.isDone()) {
            return;
        }
        Prepared p = preparing.join();
        preparing = null;
        Reload r = p.pack() == null ? pipeline.refuseReload(p.refusal(), p.restartKeys())
                : pipeline.reload(p.pack(), p.restartKeys());
        telemetry.ruleReload(r.applied());
        err.println("forkwatch: " + cause + ": " + r.summary());
    }

    /** Finishes a reload in progress (tests, and replay-like callers that have no drains to wait for). */
    void awaitPrepared() {
        if (preparing != null) {
            preparing.join();
        }
    }

    private Prepared prepare() {
        List<String> restart = List.of();
        try {
            Config next = configs.get();
            latest = next;
            restart = restartKeys(pipeline.config(), next);
            return new Prepared(Pipeline.loadRules(next, err), null, restart);
        } catch (ConfigException | RuleCompileException e) {
            return new Prepared(null, oneLine(e.getMessage()), restart);
        } catch (RuntimeException e) {
            // Whatever else goes wrong while reading the new rules must not end the run: the old rules go on.
            return new Prepared(null, "internal error: " + oneLine(String.valueOf(e)), restart);
        }
    }

    /** Keys that changed and that a reload does not apply: everything but params.* and rules.*. */
    static List<String> restartKeys(Config running, Config next) {
        return running.changedKeys(next).stream().filter(k -> !k.startsWith("params.") && !k.startsWith("rules.")).toList();
    }

    private static String oneLine(String s) {
        return s.strip().replaceAll("\\s*\\n\\s*", "; ");
    }
}
