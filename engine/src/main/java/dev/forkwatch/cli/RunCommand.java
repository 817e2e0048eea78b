package dev.forkwatch.cli;

import dev.forkwatch.config.Config;
import dev.forkwatch.event.Event;
import dev.forkwatch.event.EventReceiver;
import dev.forkwatch.live.KernelCounters;
import dev.forkwatch.live.LiveRun;
import dev.forkwatch.live.LiveSource;
import dev.forkwatch.live.ProbeMode;
import dev.forkwatch.rules.RuleEngine;
import dev.forkwatch.rules.RuleError;
import dev.forkwatch.rules.Warmup;
import dev.forkwatch.sink.Sink;
import dev.forkwatch.sink.webhook.WebhookSettings;
import dev.forkwatch.source.TraceGenerator;
import dev.forkwatch.source.TraceWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Watches this host live: the kernel probes feed the same pipeline as replay. Prints one line with "ready" to
 * stderr once the probes are attached and the rules compiled; SIGTERM/SIGINT stop it cleanly (probes
 * detached, buffered events evaluated, counters printed, exit 0 — or 4 when webhook alerts stayed in the spool),
 * or, when the rules do not finish within live.stop_grace, halt it with exit 6 ({@link StopGuard}). SIGHUP, and
 * with --watch a change of a rule or config file, reloads the rules into the running session ({@link RuleReloads}).
 */
@Command(name = "run", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Watch this host live (as root) with the rules; see docs/operations.md.")
final class RunCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Mixin
    CommonOptions options;

    @Option(names = "--probe", paramLabel = "MODE",
            description = "How the vfork syscalls are hooked: auto, tracepoint or kprobe (live.probe; default auto).")
    String probe;

    @Option(names = "--record", paramLabel = "FILE",
            description = "Also write every event to FILE as a replay trace (see docs/events.md).")
    Path record;

    @Option(names = "--metrics", paramLabel = "ADDR:PORT",
            description = "Serve Prometheus /metrics and /healthz here (metrics.listen); a port alone means loopback.")
    String metricsListen;

    @Option(names = "--no-aggregate",
            description = "Send every alert: no summaries of floods (outputs.aggregate.enabled; see docs/outputs.md).")
    boolean noAggregate;

    @Option(names = "--watch",
            description = "Reload the rules when a rule file or the config file changes, as SIGHUP does (see docs/rules.md).")
    boolean watch;

    /** The config as the options make it: read again, the same way, by every reload. */
    private Config config() {
        var cfg = options.config();
        if (probe != null) {
            cfg = cfg.withText("live.probe", probe, "--probe");
        }
        if (metricsListen != null) {
            cfg = cfg.with("metrics.listen", metricsListen, "--metrics");
        }
        if (noAggregate) {
            cfg = cfg.with("outputs.aggregate.enabled", false, "--no-aggregate");
        }
        return cfg;
    }

    /**
     * The config read again for a reload, checked as at start, settings that need a restart included: a value
     * that a restart would refuse is refused now.
     */
    private Config checkedConfig() {
        Config c = config();
        checkSettings(c, main.err);
        return c;
    }

    /**
     * Every setting run reads from the config, checked (a ConfigException naming the key): by {@code check}, so that
     * it passes exactly when run accepts the config, and by a reload. Warnings (the webhook's) go to {@code err}.
     */
    static void checkSettings(Config c, PrintStream err) {
        LiveSource.Settings.from(c);
        Warmup.Settings.from(c);
        Pipeline.checkAggregate(c);
        RunMetrics.listen(c);
        if (WebhookSettings.enabled(c)) {
            WebhookSettings.from(c, System.getenv(), err);
        }
    }

    @Override
    public Integer call() throws Exception {
        // SIGHUP handled from the start: one that comes while the rules compile is a reload once running (the JVM's
        // default would end the process, exit 129).
        AtomicReference<String> reloadAsked = new AtomicReference<>();
        SignalHandler oldHup = Signal.handle(new Signal("HUP"), sig -> reloadAsked.set("SIGHUP"));
        try {
            return run(reloadAsked);
        } finally {
            Signal.handle(new Signal("HUP"), oldHup);
        }
    }

    private int run(AtomicReference<String> reloadAsked) throws Exception {
        var cfg = config();
        LiveSource.Settings settings = LiveSource.Settings.from(cfg);
        Warmup.Settings warmupSettings = Warmup.Settings.from(cfg);
        // Cheap host checks first: a non-root user learns that before waiting for the rules to compile.
        LiveSource.preflight(settings);
        Sink sink;
        try (RunMetrics metrics = RunMetrics.start(cfg, main.err);
             Pipeline pipeline = Pipeline.open(cfg, main.out, main.err, metrics.telemetry());
             TraceWriter writer = record == null ? null : openRecord(record)) {
            sink = pipeline.sink();
            // The warm-up runs while the kernel verifies the probes, and ends before they attach.
            Warmup warmup = Warmup.start(pipeline.rules(), RuleEngine.Settings.from(cfg), warmupSettings,
                    new TraceGenerator(Long.MAX_VALUE, WARMUP_RATE, WARMUP_PARENTS, 1));
            long probesStart = System.nanoTime();
            LiveSource source = LiveSource.open(settings, () -> report(warmupSettings, warmup.await()),
                    msg -> main.err.println("forkwatch: " + msg));
            // Where start-up goes (docs/performance.md "Start-up"); the rules' part is logged by RulePack.
            LoggerFactory.getLogger(RunCommand.class).debug("start-up: probes loaded, verified and attached, the warm-up"
                    + " beside, {} ms", (System.nanoTime() - probesStart) / 1_000_000);
            RuleReloads reloads = new RuleReloads(this::checkedConfig, pipeline, metrics.telemetry(), main.err, reloadAsked);
            Tee receiver = new Tee(pipeline, writer, reloads);
            source.onDrop((total, delta) -> pipeline.sink().accept(
                    LiveRun.droppedAlert(total, delta, receiver.lastNs(), pipeline.hostname())));
            StopGuard guard = new StopGuard(cfg.nanos("live.stop_grace"), () -> {
                source.detach(); // first: nothing new comes in, whatever the rules are doing
                source.stop();
            }, writer == null ? List.of(main.out, sink::flush) : List.of(writer, main.out, sink::flush),
                    main.err, Runtime.getRuntime()::halt);
            SignalHandler oldTerm = Signal.handle(new Signal("TERM"), sig -> guard.request("SIGTERM"));
            SignalHandler oldInt = Signal.handle(new Signal("INT"), sig -> guard.request("SIGINT"));
            try (ReloadWatch watcher = watch ? new ReloadWatch(options.configFile(), reloads::latest, reloads::request).start() : null) {
                metrics.ready(pipeline, source);
                main.err.printf("forkwatch: ready: %s probes attached, %d rule(s) loaded%n",
                        source.mode().label(), pipeline.rules().ruleNames().size());
                try {
                    source.run(receiver);
                } finally {
                    source.close();
                    metrics.stopped();
                }
                pipeline.finish();
            } finally {
                guard.finished();
                Signal.handle(new Signal("TERM"), oldTerm);
                Signal.handle(new Signal("INT"), oldInt);
            }
            if (writer != null) {
                writer.close(receiver.lastNs());
            }
            if (source.undecodable() > 0) {
                // Only a BPF object that does not match this build (live.bpf_object) gets here.
                main.err.printf("forkwatch: warning: %d kernel record(s) could not be decoded (a BPF object from "
                        + "another forkwatch version?)%n", source.undecodable());
            }
            RuleEngine.Stats s = pipeline.engine().stats();
            KernelCounters k = source.counters();
            main.err.printf("forkwatch: stopped: %d event(s), %d alert(s), %d lost record(s), %d untracked child(ren), "
                    + "%d record(s) sent by the kernel, %d late event(s)%s%n", s.events(), s.alerts(), k.lost(), k.overflow(),
                    k.sent(), s.late(), Pipeline.engineLosses(s) + Pipeline.heldBack(pipeline) + pipeline.disabledNote());
        }
        return Pipeline.report(sink, main.err); // 5 when alerts were lost, 4 when left in the spool
    }

    /**
     * Events per second of event time in the warm-up trace, over this many parents: busy parents (storms), whose
     * code a quiet trace leaves cold (measured: docs/performance.md); the session (30 s of events at the default
     * retention, ~60,000 facts) stays small beside the service's 256 MiB heap.
     */
    private static final long WARMUP_RATE = 2_000;
    private static final int WARMUP_PARENTS = 4;

    private void report(Warmup.Settings s, Warmup.Result r) {
        for (RuleError w : r.warnings()) {
            main.err.println("forkwatch: warning: " + w);
        }
        if (!s.on()) {
            return;
        }
        main.err.printf("forkwatch: warm-up: %d synthetic event(s) through the rules in %.1f s, %d alert(s) dropped%n",
                r.events(), r.elapsedNs() / 1e9, r.alertsDropped());
    }

    private static TraceWriter openRecord(Path file) {
        try {
            // Every clock call is recorded (interval 0): the replay then sees exactly the live sequence of
            // events and clock ticks, so it raises exactly the live alerts. 0600, never through a symlink.
            return new TraceWriter(file, 0);
        } catch (IOException e) {
            throw ExitException.badInput("--record: cannot write " + file + ": " + e.getMessage());
        }
    }

    /** Feeds the pipeline and, with --record, the trace writer; remembers the newest time seen. */
    private static final class Tee implements EventReceiver {
        private final EventReceiver pipeline;
        private final TraceWriter writer;
        private final RuleReloads reloads;
        private long lastNs;

        Tee(EventReceiver pipeline, TraceWriter writer, RuleReloads reloads) {
            this.pipeline = pipeline;
            this.writer = writer;
            this.reloads = reloads;
        }

        @Override
        public void event(Event e) {
            if (writer != null) {
                writer.event(e);
            }
            pipeline.event(e);
        }

        /** Called after every drain: the recording is flushed here, so a crash loses at most one drain. */
        @Override
        public void clock(long nowNs) {
            lastNs = Math.max(lastNs, nowNs);
            if (writer != null) {
                writer.clock(nowNs);
                try {
                    writer.flush();
                } catch (IOException e) {
                    throw new UncheckedIOException("--record: cannot write", e);
                }
            }
            pipeline.clock(nowNs);
            reloads.poll(); // between drains: never while events go in
        }

        long lastNs() {
            return lastNs;
        }
    }
}
