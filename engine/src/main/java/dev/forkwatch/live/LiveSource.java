package dev.forkwatch.live;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import dev.forkwatch.config.Config;
import dev.forkwatch.event.Event;
import dev.forkwatch.event.EventReceiver;
import dev.forkwatch.source.EventSource;
import java.nio.ByteBuffer;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * The live event source: the BPF probes ({@link LiveProbes}) and a drain loop. The kernel submits records
 * without wake-ups; every {@code live.drain_interval} the loop reads the ring buffer's memory directly
 * ({@link RingReader}, no native call per record), hands each decoded
 * record to the receiver, then calls {@code clock(now)} so time-based rules fire on a quiet host. Every
 * {@code live.counter_poll} it reads the kernel counters and reports increases of lost/overflow to the
 * {@link DropListener}. Everything runs on the thread that calls {@link #run}; {@link #stop} may be called from
 * any thread (signal handler, shutdown hook). The probes are torn down when run returns, on {@link #close},
 * and by a shutdown hook if the JVM exits while they are attached.
 */
public final class LiveSource implements EventSource {
    /** Told about records the kernel could not deliver: {@code total} since start, {@code delta} since last call. */
    public interface DropListener {
        void dropped(KernelCounters total, KernelCounters delta);
    }

    /** Settings from the config's live: section. */
    public record Settings(ProbeMode probe, long ringSizeBytes, long drainIntervalNs, long counterPollNs,
                           String bpfObject, boolean captureArgs) {
        /** Settings that capture argument vectors (the default). */
        public Settings(ProbeMode probe, long ringSizeBytes, long drainIntervalNs, long counterPollNs, String bpfObject) {
            this(probe, ringSizeBytes, drainIntervalNs, counterPollNs, bpfObject, true);
        }

        /** Reads and checks the live: section; a bad value is a ConfigException at its config line. */
        public static Settings from(Config c) {
            long ring = c.integer("live.ring_size_bytes");
            if (ring < 4096 || ring > RingReader.MAX_SIZE || Long.bitCount(ring) != 1) {
                String origin = c.origin("live.ring_size_bytes");
                throw new dev.forkwatch.config.ConfigException((origin == null ? "" : origin + ": ")
                        + "live.ring_size_bytes: expected a power of two between 4096 and " + RingReader.MAX_SIZE
                        + ", got " + ring);
            }
            return new Settings(ProbeMode.parse(c.string("live.probe")), c.integer("live.ring_size_bytes"),
                    c.nanos("live.drain_interval"), c.nanos("live.counter_poll"), c.string("live.bpf_object"),
                    c.bool("live.capture_args"));
        }

        public Settings withProbe(ProbeMode p) {
            return new Settings(p, ringSizeBytes, drainIntervalNs, counterPollNs, bpfObject, captureArgs);
        }

        public Settings withCaptureArgs(boolean capture) {
            return new Settings(probe, ringSizeBytes, drainIntervalNs, counterPollNs, bpfObject, capture);
        }
    }

    private final Settings settings;
    private final LiveProbes probes;
    private final BootClock clock = new BootClock();
    private final RecordDecoder decoder = new RecordDecoder(clock::toWall, ContainerIds::fromCgroups, new UserNames()::name);
    private final int countersFd;
    private final int cpus;
    private final RingReader ring;
    private final Thread shutdownHook;
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile boolean stopped;
    private volatile boolean running;
    private volatile DropListener dropListener = (t, d) -> { };
    private volatile KernelCounters counters = KernelCounters.ZERO;
    private long decoded;
    private long undecodable;
    private EventReceiver receiver;

    private LiveSource(Settings settings, LiveProbes probes) {
        this.settings = settings;
        this.probes = probes;
        LibBpf bpf = probes.bpf;
        this.countersFd = probes.mapFd("counters");
        this.cpus = bpf.libbpf_num_possible_cpus();
        if (cpus <= 0) {
            throw new IllegalStateException("libbpf_num_possible_cpus failed: " + cpus);
        }
        try {
            this.ring = new RingReader(probes.mapFd("events"), settings.ringSizeBytes());
        } catch (IllegalStateException e) {
            throw LiveProbes.env("cannot map the ring buffer: " + e.getMessage());
        }
        this.shutdownHook = new Thread(this::onJvmExit, "forkwatch-live-teardown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * Checks the host, loads and attaches the probes. When this returns the probes are live: records are
     * collected from now on and delivered by {@link #run}.
     *
     * @param log one-line notices (probe mode fallback)
     * @throws ProbeException when the host cannot run them
     */
    public static LiveSource open(Settings s, Consumer<String> log) {
        return open(s, () -> { }, log);
    }

    /**
     * As {@link #open(Settings, Consumer)}, running {@code beforeAttach} once the programs are loaded (the kernel's
     * verifier done) and before any is attached: what must be done before the first record, done meanwhile.
     */
    public static LiveSource open(Settings s, Runnable beforeAttach, Consumer<String> log) {
        return open(s, RecordLayout.FOLLOW_MAX, beforeAttach, log);
    }

    /** As {@link #open(Settings, Consumer)}, with {@code followMax} children that exec'd followed at once (tests). */
    static LiveSource open(Settings s, int followMax, Consumer<String> log) {
        return open(s, followMax, () -> { }, log);
    }

    private static LiveSource open(Settings s, int followMax, Runnable beforeAttach, Consumer<String> log) {
        LiveProbes p = LiveProbes.open(s.probe(), s.ringSizeBytes(), s.bpfObject(), s.captureArgs(), followMax,
                beforeAttach, log);
        try {
            return new LiveSource(s, p);
        } catch (RuntimeException e) {
            p.close();
            throw e;
        }
    }

    /**
     * The host checks {@link #open} makes before loading anything: ring size, privileges, BTF, libbpf, the BPF
     * object, the probe mode. Cheap; lets a command fail fast before slower set-up.
     */
    public static void preflight(Settings s) {
        LiveProbes.preflight(s.probe(), s.ringSizeBytes(), s.bpfObject());
    }

    public void onDrop(DropListener l) {
        this.dropListener = l;
    }

    /** The mode actually attached (AUTO resolved). */
    public ProbeMode mode() {
        return probes.mode();
    }

    /** The last counters read (every counter_poll, and at the end of run). */
    public KernelCounters counters() {
        return counters;
    }

    /** Records decoded into events so far. */
    public long decoded() {
        return decoded;
    }

    @Override
    public void run(EventReceiver r) {
        if (probes.mode() == null) {
            throw new IllegalStateException("the live source is closed");
        }
        this.receiver = r;
        running = true;
        try {
            long nextPoll = System.nanoTime() + settings.counterPollNs();
            long nextDrain = System.nanoTime() + settings.drainIntervalNs();
            while (!stopped) {
                long wait = nextDrain - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                    continue; // re-check stopped and spurious wake-ups
                }
                nextDrain += settings.drainIntervalNs();
                drain();
                if (System.nanoTime() - nextPoll >= 0) {
                    nextPoll += settings.counterPollNs();
                    pollCounters();
                    clock.calibrate();
                }
            }
            // Records submitted before stop() are still in the ring: deliver them.
            drain();
            pollCounters();
        } finally {
            running = false;
            close();
            finished.countDown();
        }
    }

    /** Consumes what is in the ring now, then tells the receiver the time. */
    void drain() {
        ring.consume(this::onRecord);
        receiver.clock(clock.wallNow());
    }

    private void onRecord(ByteBuffer b) {
        Event e;
        try {
            e = decoder.decode(b);
        } catch (IllegalArgumentException bad) {
            undecodable++;
            return;
        }
        decoded++;
        receiver.event(e);
    }

    /** Reads and sums the per-CPU counters; reports increases of lost or overflow. */
    KernelCounters pollCounters() {
        KernelCounters now = readCounters();
        KernelCounters before = counters;
        counters = now;
        if (now.droppedSince(before)) {
            dropListener.dropped(now, now.minus(before));
        }
        return now;
    }

    /** The kernel counters now, summed over CPUs. Safe from any thread while the source is open. */
    public KernelCounters readCounters() {
        Memory key = new Memory(4);
        Memory values = new Memory(8L * cpus);
        long[] sum = new long[RecordLayout.CNT_MAX];
        for (int i = 0; i < RecordLayout.CNT_MAX; i++) {
            key.setInt(0, i);
            if (probes.bpf.bpf_map_lookup_elem(countersFd, key, values) != 0) {
                throw new IllegalStateException("reading kernel counters failed: " + probes.strerror(Native.getLastError()));
            }
            for (int c = 0; c < cpus; c++) {
                sum[i] += values.getLong(8L * c);
            }
        }
        return new KernelCounters(sum[RecordLayout.CNT_SENT], sum[RecordLayout.CNT_LOST], sum[RecordLayout.CNT_OVERFLOW]);
    }

    /** Records the decoder rejected (unknown type or short): a build mismatch between C and Java if non-zero. */
    public long undecodable() {
        return undecodable;
    }

    @Override
    public void stop() {
        stopped = true;
    }

    /**
     * Destroys the BPF links at once, from any thread: the kernel stops sending while the run thread may still
     * be busy (or stuck in a rule). The ring stays mapped, so a drain in progress reads valid memory.
     */
    public void detach() {
        probes.detach();
    }

    /** Detaches the probes and frees the ring buffer. Idempotent; called by run's end. */
    @Override
    public synchronized void close() {
        if (running) {
            // The run thread owns the ring; it closes on its way out.
            stop();
            return;
        }
        if (probes.mode() == null) {
            return;
        }
        ring.close();
        probes.close();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down: the hook is what called us
        }
    }

    private void onJvmExit() {
        stop();
        try {
            if (running) {
                finished.await(2, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        close();
    }

    boolean attached() {
        return probes.mode() != null && probes.linkCount() > 0;
    }
}
