package dev.forkwatch.live;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import dev.forkwatch.config.ConfigException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The loaded and attached BPF object: opens it (from the jar or {@code live.bpf_object}), sizes the ring
 * buffer, loads, attaches the programs of the chosen {@link ProbeMode}, and tears all of it down again in
 * {@link #close()} (links destroyed, object closed), also when a step in between fails.
 * One owner thread (the {@link LiveSource} run loop) uses it; only {@link #detach} and {@link #close} may come
 * from another (a signal handler, a shutdown hook).
 */
final class LiveProbes implements AutoCloseable {
    static final String EMBEDDED_OBJECT = "/forkwatch/bpf/forkwatch.bpf.o";
    static final Path KPROBE_PMU = Path.of("/sys/bus/event_source/devices/kprobe");
    /** Where kprobe support is looked for; tests point it elsewhere to exercise the attach-failure paths. */
    static volatile Path kprobePmu = KPROBE_PMU;
    static final Path KERNEL_BTF = Path.of("/sys/kernel/btf/vmlinux");

    private static final int ENOENT = 2;
    private static final int EPERM = 1;
    private static final int EACCES = 13;

    /** Both modes: the task lifecycle tracepoints. No syscall is hooked in tracepoint mode. */
    static final List<String> BOTH_MODES = List.of("fw_newtask", "fw_exec", "fw_exit");
    /** kprobe mode adds kretprobes on the three syscalls: they report the parent's exact return. */
    static final List<String> KPROBE_PROGS = List.of("fw_krp_vfork", "fw_krp_clone", "fw_krp_clone3");

    final LibBpf bpf;
    private Memory objectBytes; // libbpf reads the ELF from here until load; kept for the object's life
    private Pointer obj;
    private final List<Pointer> links = new ArrayList<>();
    private ProbeMode attached;

    private LiveProbes(LibBpf bpf) {
        this.bpf = bpf;
    }

    /**
     * Checks the host without loading anything: architecture, ring size, privileges, BTF, libbpf, the object.
     *
     * @param objectPath the BPF object file, or null for the one embedded in the jar
     * @throws ProbeException when the host cannot run the probes; ConfigException for a bad ring size
     */
    static void preflight(ProbeMode mode, long ringSizeBytes, String objectPath) {
        checkArch(System.getProperty("os.arch"));
        checkRingSize(ringSizeBytes);
        checkPrivileges();
        if (!Files.isReadable(KERNEL_BTF)) {
            throw env("kernel BTF not found at " + KERNEL_BTF + ": live probes need a kernel built with "
                    + "CONFIG_DEBUG_INFO_BTF=y (Debian 11 and later kernels have it)");
        }
        loadLibbpf();
        readObject(objectPath);
        if (mode == ProbeMode.KPROBE && !Files.isDirectory(kprobePmu)) {
            throw kprobesMissing();
        }
    }

    private static ProbeException kprobesMissing() {
        return env("--probe kprobe: this kernel has no kprobe support (" + kprobePmu + " is missing, "
                + "CONFIG_KPROBES is off); use --probe tracepoint or --probe auto");
    }

    /**
     * Checks the host, then opens, loads and attaches.
     *
     * @param objectPath   the BPF object file, or null for the one embedded in the jar
     * @param followMax    entries of the LRU map of children that exec'd (RecordLayout.FOLLOW_MAX; smaller in tests)
     * @param beforeAttach run after the load, before the first attach; if it throws, the object is closed
     * @param log          receives the one-line notices (e.g. the auto mode's fallback to tracepoints)
     * @throws ProbeException when the host cannot run the probes; ConfigException for a bad ring size
     */
    static LiveProbes open(ProbeMode mode, long ringSizeBytes, String objectPath, boolean captureArgs, int followMax,
                           Runnable beforeAttach, Consumer<String> log) {
        checkRingSize(ringSizeBytes);
        checkPrivileges();
        if (!Files.isReadable(KERNEL_BTF)) {
            throw env("kernel BTF not found at " + KERNEL_BTF + ": live probes need a kernel built with "
                    + "CONFIG_DEBUG_INFO_BTF=y (Debian 11 and later kernels have it)");
        }
        byte[] elf = readObject(objectPath);
        boolean kprobes = Files.isDirectory(kprobePmu);
        if (mode == ProbeMode.KPROBE && !kprobes) {
            throw kprobesMissing();
        }
        if (mode == ProbeMode.AUTO && !kprobes) {
            log.accept("kprobes not available on this kernel (no " + kprobePmu + "); using tracepoints");
            mode = ProbeMode.TRACEPOINT;
        }
        LiveProbes p = new LiveProbes(loadLibbpf());
        try {
            p.openLoadAttach(elf, mode, (int) ringSizeBytes, captureArgs, followMax, beforeAttach, log);
            return p;
        } catch (RuntimeException e) {
            p.close();
            throw e;
        }
    }

    static LibBpf loadLibbpf() {
        try {
            return Native.load(LibBpf.SONAME, LibBpf.class);
        } catch (UnsatisfiedLinkError e) {
            throw env(LibBpf.SONAME + " not found: install the Debian package libbpf1 (apt-get install libbpf1)");
        }
    }

    private void openLoadAttach(byte[] elf, ProbeMode mode, int ringSize, boolean captureArgs, int followMax,
                                Runnable beforeAttach, Consumer<String> log) {
        objectBytes = new Memory(elf.length);
        objectBytes.write(0, elf, 0, elf.length);
        obj = bpf.bpf_object__open_mem(objectBytes, elf.length, null);
        if (obj == null) {
            throw env("cannot open the BPF object: " + strerror(Native.getLastError())
                    + " (a corrupt or foreign file given as live.bpf_object?)");
        }
        Pointer ring = map("events");
        check(bpf.bpf_map__set_max_entries(ring, ringSize), "sizing the ring buffer");
        check(bpf.bpf_map__set_max_entries(map("followed"), followMax), "sizing the map of followed children");
        // AUTO only gets here when kprobes exist; it loads both sets so it can fall back without reloading.
        for (String name : KPROBE_PROGS) {
            check(bpf.bpf_program__set_autoload(prog(name), mode != ProbeMode.TRACEPOINT), "configuring " + name);
        }
        int err = bpf.bpf_object__load(obj);
        if (err != 0) {
            int e = -err;
            String hint = e == EPERM || e == EACCES ? " (not permitted: run as root, or with CAP_BPF and CAP_PERFMON)"
                    : " (the libbpf messages above have the verifier's reason)";
            throw env("loading the BPF programs failed: " + strerror(e) + hint);
        }
        setSetting(RecordLayout.SET_NO_ARGS, captureArgs ? 0 : 1); // before the first record
        beforeAttach.run();
        attachAll(BOTH_MODES);
        if (mode == ProbeMode.TRACEPOINT) {
            attached = ProbeMode.TRACEPOINT;
            return;
        }
        int failed = tryAttach(KPROBE_PROGS);
        if (failed == 0) {
            // From now on new vfork children leave their parent's return to the kretprobes.
            setSetting(RecordLayout.SET_RETURN_AT_SYSCALL_EXIT, 1);
            attached = ProbeMode.KPROBE;
            return;
        }
        if (mode == ProbeMode.KPROBE) {
            throw env("--probe kprobe: attaching the syscall kprobes failed: " + strerror(failed)
                    + (failed == ENOENT ? " (the kernel has no kprobes, or no __x64_sys_clone3 symbol)" : "")
                    + "; use --probe tracepoint or --probe auto");
        }
        log.accept("attaching kprobes failed (" + strerror(failed) + "); using tracepoints");
        attached = ProbeMode.TRACEPOINT;
    }

    /** Attaches the programs; on the first failure destroys those it attached and returns errno, else 0. */
    private int tryAttach(List<String> names) {
        int before = links.size();
        for (String name : names) {
            Pointer l = bpf.bpf_program__attach(prog(name));
            if (l == null) {
                int e = Native.getLastError();
                while (links.size() > before) {
                    bpf.bpf_link__destroy(links.remove(links.size() - 1));
                }
                return e == 0 ? ENOENT : e;
            }
            links.add(l);
        }
        return 0;
    }

    private void attachAll(List<String> names) {
        for (String name : names) {
            Pointer l = bpf.bpf_program__attach(prog(name));
            if (l == null) {
                throw env("attaching " + name + " failed: " + strerror(Native.getLastError()));
            }
            links.add(l);
        }
    }

    private void setSetting(int index, int value) {
        Memory key = new Memory(4);
        key.setInt(0, index);
        Memory val = new Memory(4);
        val.setInt(0, value);
        int rc = bpf.bpf_map_update_elem(mapFd("settings"), key, val, 0);
        if (rc != 0) {
            throw env("writing the probes' settings failed: " + strerror(-rc));
        }
    }

    ProbeMode mode() {
        return attached;
    }

    int mapFd(String name) {
        int fd = bpf.bpf_map__fd(map(name));
        if (fd < 0) {
            throw new IllegalStateException("map " + name + " has no fd: " + strerror(-fd));
        }
        return fd;
    }

    private Pointer map(String name) {
        Pointer m = bpf.bpf_object__find_map_by_name(obj, name);
        if (m == null) {
            throw env("the BPF object has no map '" + name + "': not a forkwatch object");
        }
        return m;
    }

    private Pointer prog(String name) {
        Pointer p = bpf.bpf_object__find_program_by_name(obj, name);
        if (p == null) {
            throw env("the BPF object has no program '" + name + "': not a forkwatch object");
        }
        return p;
    }

    private void check(int rc, String what) {
        if (rc != 0) {
            throw env(what + " failed: " + strerror(-rc));
        }
    }

    String strerror(int errno) {
        byte[] buf = new byte[128];
        bpf.libbpf_strerror(errno, buf, buf.length);
        int n = 0;
        while (n < buf.length && buf[n] != 0) {
            n++;
        }
        return new String(buf, 0, n) + " (errno " + errno + ")";
    }

    /**
     * Destroys every link: the programs stop running, nothing new enters the ring, and the object (with the ring
     * map a reader may still be using) stays. Idempotent; may be called from any thread (a signal handler).
     */
    public synchronized void detach() {
        while (!links.isEmpty()) {
            bpf.bpf_link__destroy(links.remove(links.size() - 1));
        }
    }

    /** Detaches every program and frees the object. Idempotent. */
    @Override
    public synchronized void close() {
        detach();
        if (obj != null) {
            bpf.bpf_object__close(obj);
            obj = null;
        }
        objectBytes = null;
        attached = null;
    }

    synchronized int linkCount() {
        return links.size();
    }

    static void checkRingSize(long size) {
        // The kernel wants a power of two and a multiple of the page size.
        if (size < 4096 || size > RingReader.MAX_SIZE || Long.bitCount(size) != 1) {
            throw new ConfigException("live.ring_size_bytes: expected a power of two between 4096 and "
                    + RingReader.MAX_SIZE + ", got " + size);
        }
    }

    /** The BPF programs hook x86-64 syscall numbers and pt_regs; elsewhere they would attach and see nothing. */
    static void checkArch(String osArch) {
        if (!"amd64".equals(osArch) && !"x86_64".equals(osArch)) {
            throw env("forkwatch run needs an x86-64 (amd64) host: its BPF programs hook x86-64 syscalls, and this is "
                    + osArch + " (check, replay and test-rules work on any architecture)");
        }
    }

    /** Root, or CAP_BPF + CAP_PERFMON, or CAP_SYS_ADMIN, in the effective set. */
    static void checkPrivileges() {
        long caps;
        try {
            caps = Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .filter(l -> l.startsWith("CapEff:"))
                    .mapToLong(l -> Long.parseUnsignedLong(l.substring(7).trim(), 16))
                    .findFirst().orElse(0L);
        } catch (IOException e) {
            throw env("cannot read /proc/self/status to check privileges: " + e.getMessage());
        }
        boolean sysAdmin = (caps & (1L << 21)) != 0;
        boolean bpfPerfmon = (caps & (1L << 39)) != 0 && (caps & (1L << 38)) != 0;
        if (!sysAdmin && !bpfPerfmon) {
            throw env("live probes need root (or the capabilities CAP_BPF and CAP_PERFMON): run forkwatch run as root");
        }
    }

    private static byte[] readObject(String path) {
        if (path != null) {
            Path p = Path.of(path);
            try {
                return Files.readAllBytes(p);
            } catch (IOException e) {
                throw env("live.bpf_object: cannot read the BPF object " + p + ": "
                        + (e instanceof java.nio.file.NoSuchFileException ? "no such file" : e.getMessage()));
            }
        }
        try (InputStream in = LiveProbes.class.getResourceAsStream(EMBEDDED_OBJECT)) {
            if (in == null) {
                throw env("the BPF object " + EMBEDDED_OBJECT + " is missing from the jar (it is built with clang: "
                        + "rebuild with clang and libbpf-dev installed, or set live.bpf_object)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw env("cannot read the embedded BPF object: " + e.getMessage());
        }
    }

    static ProbeException env(String message) {
        return new ProbeException(message);
    }
}
