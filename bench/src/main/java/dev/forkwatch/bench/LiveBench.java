package dev.forkwatch.bench;

import dev.forkwatch.config.Config;
import dev.forkwatch.event.Event;
import dev.forkwatch.event.EventReceiver;
import dev.forkwatch.live.KernelCounters;
import dev.forkwatch.live.LiveSource;
import dev.forkwatch.live.ProbeMode;
import dev.forkwatch.rules.RuleEngine;
import dev.forkwatch.rules.RulePack;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Live-probe benchmark (bench/live.sh runs it as `forkwatch bench live`; method and results in docs/performance.md, "Live probes").
 * <ol>
 * <li>Overhead: a vfork+exec+wait loop (bench/vfork_exec_loop.c) timed with nothing attached, with forkwatch's
 * probes and the default rules running in this JVM, and with bpftrace running an equivalent script
 * (bench/peer.bt), in interleaved rounds so drift in the machine hits all modes alike.</li>
 * <li>Rate: parallel generators of vfork children that exit at once (vfork_exec_loop N exit); the rate the kernel sent records at, and
 * whether any were lost, at the default ring size; then with a tiny ring to show losses are counted.</li>
 * </ol>
 * BIN_DIR holds the compiled vfork_exec_loop and syscall_loop.
 */
public final class LiveBench {
    /**
     * NONE: nothing attached; PROBES: the live source, events counted only; NO_ARGS: the same without reading
     * argument vectors (live.capture_args: false); FORKWATCH: probes + default rules.
     */
    enum Mode { NONE, PROBES, NO_ARGS, FORKWATCH, BPFTRACE }

    private final Path bin;
    private final Path peerScript;
    private final boolean haveBpftrace;
    private final PrintStream out;
    private RulePack rules; // compiled once: the rounds measure the running engine, not rule compilation

    private LiveBench(Path bin, Path peerScript, PrintStream out) {
        this.bin = bin;
        this.peerScript = peerScript;
        this.haveBpftrace = Files.isRegularFile(peerScript) && onPath("bpftrace");
        this.out = out;
    }

    /** Runs the parts named by {@code only} (all, overhead, tax or rate), printing results to {@code out}. */
    public static void run(Path bin, int rounds, int iterations, Path peer, String only, PrintStream out) throws Exception {
        LiveBench b = new LiveBench(bin, peer, out);
        if (only.equals("all") || only.equals("overhead")) {
            b.overhead(rounds, iterations);
        }
        if (only.equals("all") || only.equals("tax")) {
            b.syscallTax(rounds, 2_000_000);
        }
        if (only.equals("all") || only.equals("rate")) {
            b.rate();
        }
    }

    /** One timed run of the loop: its wall and CPU time, and the CPU the monitor (forkwatch/bpftrace) used meanwhile. */
    record Sample(long wallNs, long loopCpuNs, long monitorCpuNs) {
    }

    void overhead(int rounds, int iterations) throws Exception {
        List<Mode> modes = new ArrayList<>(List.of(Mode.NONE, Mode.PROBES, Mode.NO_ARGS, Mode.FORKWATCH));
        if (haveBpftrace) {
            modes.add(Mode.BPFTRACE);
        } else {
            out.println("bpftrace or " + peerScript + " not found: no peer measurement");
        }
        Map<Mode, List<Sample>> samples = new EnumMap<>(Mode.class);
        modes.forEach(m -> samples.put(m, new ArrayList<>()));
        loop(iterations / 4); // warm up page cache and the loop binary
        out.printf("overhead: %d rounds x %d vfork+exec+wait iterations per mode (us per iteration: wall / "
                + "CPU of the loop and its children / CPU of the monitor)%n", rounds, iterations);
        for (int r = 0; r < rounds; r++) {
            List<Mode> order = new ArrayList<>(modes);
            java.util.Collections.rotate(order, r); // interleaved, and each mode takes each position
            StringBuilder line = new StringBuilder("round " + (r + 1) + ":");
            for (Mode m : order) {
                Sample x = measure(m, iterations);
                samples.get(m).add(x);
                line.append(String.format("  %s %.0f/%.0f/%.0f", m.name().toLowerCase(), x.wallNs() / 1e3 / iterations,
                        x.loopCpuNs() / 1e3 / iterations, x.monitorCpuNs() / 1e3 / iterations));
            }
            out.println(line);
        }
        double wall0 = median(samples.get(Mode.NONE), Sample::wallNs);
        double cpu0 = median(samples.get(Mode.NONE), Sample::loopCpuNs);
        out.println("mode       wall us/iter  ratio   loop CPU us/iter  ratio   monitor CPU us/iter (medians)");
        for (Mode m : modes) {
            double w = median(samples.get(m), Sample::wallNs);
            double c = median(samples.get(m), Sample::loopCpuNs);
            double mon = median(samples.get(m), Sample::monitorCpuNs);
            out.printf("%-9s  %12.1f  %.3fx  %16.1f  %.3fx  %10.1f%n", m.name().toLowerCase(),
                    w / 1e3 / iterations, w / wall0, c / 1e3 / iterations, c / cpu0, mon / 1e3 / iterations);
        }
        // What reading argv costs: probes against probes without it, as a ratio of the ratios to `none`.
        double withArgs = median(samples.get(Mode.PROBES), Sample::wallNs);
        double noArgs = median(samples.get(Mode.NO_ARGS), Sample::wallNs);
        out.printf("argv capture: wall ratio %.3fx / %.3fx = %.3fx; loop CPU ratio %.3fx%n", withArgs / wall0,
                noArgs / wall0, withArgs / noArgs, median(samples.get(Mode.PROBES), Sample::loopCpuNs)
                        / median(samples.get(Mode.NO_ARGS), Sample::loopCpuNs));
    }

    private Sample measure(Mode m, int iterations) throws Exception {
        switch (m) {
            case NONE:
                return loop(iterations).withMonitor(0);
            case PROBES:
            case NO_ARGS: {
                AtomicLong n = new AtomicLong();
                LiveSource s = LiveSource.open(LiveSource.Settings.from(Config.defaults()).withCaptureArgs(m == Mode.PROBES),
                        msg -> { });
                Thread t = new Thread(() -> s.run(counter(n)), "bench-probes");
                t.start();
                try {
                    Thread.sleep(200);
                    long c0 = jvmCpu();
                    Loop l = loop(iterations);
                    Thread.sleep(50); // the last drain
                    return l.withMonitor(jvmCpu() - c0);
                } finally {
                    s.stop();
                    t.join(5_000);
                }
            }
            case FORKWATCH: {
                Config cfg = Config.defaults();
                AtomicLong alerts = new AtomicLong();
                if (rules == null) {
                    rules = RulePack.load(cfg);
                }
                // The engine as `forkwatch run` builds it from the config (retention included).
                try (RuleEngine engine = RuleEngine.fromConfig(rules, cfg, a -> alerts.incrementAndGet())) {
                    LiveSource s = LiveSource.open(LiveSource.Settings.from(cfg), msg -> { });
                    Thread t = new Thread(() -> s.run(engine), "bench-live");
                    t.start();
                    try {
                        Thread.sleep(200);
                        long c0 = jvmCpu();
                        Loop l = loop(iterations);
                        Thread.sleep(50);
                        return l.withMonitor(jvmCpu() - c0);
                    } finally {
                        s.stop();
                        t.join(5_000);
                    }
                }
            }
            default: {
                Process p = new ProcessBuilder("bpftrace", peerScript.toString())
                        .redirectErrorStream(true).start();
                try {
                    InputStream in = p.getInputStream();
                    // bpftrace prints "Attaching N probes..." once attached (after any warnings); the rest is discarded.
                    java.io.BufferedReader lines = new java.io.BufferedReader(
                            new java.io.InputStreamReader(in, StandardCharsets.UTF_8));
                    String line;
                    StringBuilder seen = new StringBuilder();
                    while ((line = lines.readLine()) != null && !line.startsWith("Attaching")) {
                        seen.append(line).append('\n');
                    }
                    if (line == null) {
                        throw new IllegalStateException("bpftrace did not attach: " + seen);
                    }
                    Thread drain = new Thread(() -> {
                        try {
                            while (lines.readLine() != null) {
                                // discard
                            }
                        } catch (IOException e) {
                            // bpftrace ended
                        }
                    });
                    drain.setDaemon(true);
                    drain.start();
                    Thread.sleep(200);
                    long c0 = procCpu(p.pid());
                    Loop l = loop(iterations);
                    Thread.sleep(50);
                    return l.withMonitor(procCpu(p.pid()) - c0);
                } finally {
                    p.destroy();
                    if (!p.waitFor(5, TimeUnit.SECONDS)) {
                        p.destroyForcibly();
                    }
                }
            }
        }
    }

    private record Loop(long wallNs, long cpuNs) {
        Sample withMonitor(long monitorCpuNs) {
            return new Sample(wallNs, cpuNs, monitorCpuNs);
        }
    }

    private static long jvmCpu() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** utime + stime of a process from /proc (clock ticks of 10 ms). */
    private static long procCpu(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10_000_000L;
    }

    /**
     * What the probes cost every other syscall on the host: a getppid() loop (bench/syscall_loop.c) with and
     * without them, interleaved (tracepoint mode hooks no syscall: the target is zero).
     */
    void syscallTax(int rounds, int calls) throws Exception {
        List<Long> none = new ArrayList<>();
        List<Long> probes = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            for (int k = 0; k < 2; k++) {
                boolean attached = (r + k) % 2 == 1;
                LiveSource s = attached ? LiveSource.open(LiveSource.Settings.from(Config.defaults()), msg -> { }) : null;
                Thread t = null;
                if (s != null) {
                    t = new Thread(() -> s.run(counter(new AtomicLong())), "bench-tax");
                    t.start();
                }
                try {
                    String[] f = exec(bin.resolve("syscall_loop").toString(), String.valueOf(calls)).trim().split(" ");
                    (attached ? probes : none).add(Long.parseLong(f[1]));
                } finally {
                    if (s != null) {
                        s.stop();
                        t.join(5_000);
                    }
                }
            }
        }
        double a = medianL(none) / calls;
        double b = medianL(probes) / calls;
        out.printf("syscall tax (tracepoint mode, no syscall hooked): getppid %.0f ns CPU without probes, %.0f ns with: +%.0f ns per "
                + "syscall (%d rounds x %,d calls, medians)%n", a, b, b - a, rounds, calls);
    }

    private static double medianL(List<Long> xs) {
        long[] a = xs.stream().mapToLong(Long::longValue).sorted().toArray();
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2.0;
    }

    private Loop loop(int iterations) throws Exception {
        String[] f = exec(bin.resolve("vfork_exec_loop").toString(), String.valueOf(iterations)).trim().split(" ");
        return new Loop(Long.parseLong(f[0]), Long.parseLong(f[1]));
    }

    /**
     * Drives parallel generators (each: vfork children that _exit at once) for a while and reports the record
     * rate the kernel sent and how many records were lost.
     */
    void rate() throws Exception {
        Config cfg = Config.defaults();
        out.println("rate: vfork children that exit at once, 3 records each (vfork, exit, vfork_return)");
        for (int workers : new int[] {1, 2}) {
            rateOnce(LiveSource.Settings.from(cfg).withProbe(ProbeMode.AUTO), workers, 20_000);
        }
        LiveSource.Settings tiny = new LiveSource.Settings(ProbeMode.AUTO, 8192, LiveSource.Settings.from(cfg).drainIntervalNs(),
                LiveSource.Settings.from(cfg).counterPollNs(), null);
        rateOnce(tiny, 2, 20_000);
    }

    private void rateOnce(LiveSource.Settings s, int workers, int perWorker) throws Exception {
        AtomicLong received = new AtomicLong();
        LiveSource src = LiveSource.open(s, msg -> { });
        Thread t = new Thread(() -> src.run(counter(received)), "bench-rate");
        t.start();
        List<Process> ps = new ArrayList<>();
        try {
            KernelCounters before = src.readCounters();
            long t0 = System.nanoTime();
            for (int w = 0; w < workers; w++) {
                ps.add(new ProcessBuilder(bin.resolve("vfork_exec_loop").toString(), String.valueOf(perWorker), "exit")
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
            }
            for (Process p : ps) {
                if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                    throw new IllegalStateException("generator failed");
                }
            }
            long dt = System.nanoTime() - t0;
            Thread.sleep(100);
            KernelCounters d = src.readCounters().minus(before);
            src.stop();
            t.join(5_000);
            out.printf("ring %7d B, %d generator(s): %,9.0f records/s sent, %d lost, %d received (%d expected)%n",
                    s.ringSizeBytes(), workers, d.sent() * 1e9 / dt, d.lost(), received.get(), 3L * workers * perWorker);
        } finally {
            src.stop();
            ps.forEach(Process::destroyForcibly);
            t.join(5_000);
        }
    }

    private static EventReceiver counter(AtomicLong n) {
        return new EventReceiver() {
            @Override
            public void event(Event e) {
                n.incrementAndGet();
            }

            @Override
            public void clock(long nowNs) {
            }
        };
    }

    private static String exec(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", cmd) + " failed");
        }
        return out;
    }

    private static double median(List<Sample> xs, java.util.function.ToLongFunction<Sample> f) {
        double[] a = xs.stream().mapToDouble(x -> f.applyAsLong(x)).sorted().toArray();
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }

    private static boolean onPath(String exe) {
        return Arrays.stream(System.getenv().getOrDefault("PATH", "").split(":"))
                .anyMatch(d -> Files.isExecutable(Path.of(d, exe)));
    }
}
