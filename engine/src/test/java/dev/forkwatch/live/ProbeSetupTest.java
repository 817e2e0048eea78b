package dev.forkwatch.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.forkwatch.config.Config;
import dev.forkwatch.config.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Probe modes, teardown and bad environments, on the real kernel. */
class ProbeSetupTest {
    static final long MS = 1_000_000L;

    static LiveSource.Settings settings(ProbeMode mode, String object) {
        return new LiveSource.Settings(mode, 1L << 20, 20 * MS, 200 * MS, object);
    }

    static boolean kernelHasKprobes() {
        return Files.isDirectory(LiveProbes.KPROBE_PMU);
    }

    /** bpf_link fds this process holds: each attached program is one. */
    static long bpfLinkFds() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().equals("anon_inode:bpf_link");
                } catch (IOException e) {
                    return false; // the fd closed meanwhile
                }
            }).count();
        }
    }

    @Test
    void autoUsesWhatTheKernelHasAndSaysSoOnce() throws Exception {
        List<String> log = new ArrayList<>();
        long before = bpfLinkFds();
        LiveSource s = LiveSource.open(settings(ProbeMode.AUTO, null), log::add);
        try {
            if (kernelHasKprobes()) {
                assertThat(s.mode()).isIn(ProbeMode.KPROBE, ProbeMode.TRACEPOINT);
                assertThat(log).hasSizeLessThanOrEqualTo(1);
            } else {
                assertThat(s.mode()).isEqualTo(ProbeMode.TRACEPOINT);
                assertThat(log).hasSize(1);
                assertThat(log.get(0)).contains("kprobes not available").contains("using tracepoints");
            }
            // newtask, exec, exit; kprobe mode adds three syscall kretprobes
            assertThat(bpfLinkFds() - before).isEqualTo(s.mode() == ProbeMode.TRACEPOINT ? 3 : 6);
        } finally {
            s.close();
        }
        assertThat(bpfLinkFds()).isEqualTo(before);
    }

    @Test
    void explicitKprobeOnAKernelWithoutKprobesIsAnEnvironmentError() throws IOException {
        if (kernelHasKprobes()) {
            // Then kprobe mode must simply work.
            LiveSource s = LiveSource.open(settings(ProbeMode.KPROBE, null), m -> { });
            s.close();
            return;
        }
        long before = bpfLinkFds();
        assertThatThrownBy(() -> LiveSource.open(settings(ProbeMode.KPROBE, null), m -> { }))
                .isInstanceOf(ProbeException.class)
                .hasMessageContaining("--probe kprobe").hasMessageContaining("no kprobe support")
                .hasMessageContaining("--probe tracepoint");
        assertThat(bpfLinkFds()).isEqualTo(before);
    }

    /**
     * Pretends the kprobe PMU exists, so the kprobe programs are loaded (the verifier accepts them) and their
     * attach is tried. On a kernel without kprobes attaching fails: auto falls back to tracepoints with one line,
     * explicit kprobe is an environment error, and nothing stays attached either way.
     */
    @Test
    void kprobeAttachFailureFallsBackInAutoAndFailsInKprobeMode(@TempDir Path fakePmu) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeFalse(kernelHasKprobes(), "needs a kernel without kprobes");
        long before = bpfLinkFds();
        LiveProbes.kprobePmu = fakePmu;
        try {
            List<String> log = new ArrayList<>();
            LiveSource s = LiveSource.open(settings(ProbeMode.AUTO, null), log::add);
            try {
                assertThat(s.mode()).isEqualTo(ProbeMode.TRACEPOINT);
                assertThat(log).hasSize(1);
                assertThat(log.get(0)).startsWith("attaching kprobes failed").endsWith("using tracepoints");
                assertThat(bpfLinkFds() - before).isEqualTo(3);
            } finally {
                s.close();
            }
            assertThatThrownBy(() -> LiveSource.open(settings(ProbeMode.KPROBE, null), m -> { }))
                    .isInstanceOf(ProbeException.class)
                    .hasMessageContaining("attaching the syscall kprobes failed");
        } finally {
            LiveProbes.kprobePmu = LiveProbes.KPROBE_PMU;
        }
        assertThat(bpfLinkFds()).isEqualTo(before);
    }

    /** Memory mappings of BPF maps in this process: the ring reader maps the ring buffer twice. */
    static long bpfMapMappings() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/maps")).stream().filter(l -> l.endsWith("anon_inode:bpf-map")).count();
    }

    @Test
    void stopDetachesEverything() throws Exception {
        long before = bpfLinkFds();
        long mappedBefore = bpfMapMappings();
        Collector c = new Collector(LiveSource.open(settings(ProbeMode.TRACEPOINT, null), m -> { }));
        assertThat(bpfLinkFds()).isEqualTo(before + 3);
        assertThat(bpfMapMappings()).isEqualTo(mappedBefore + 2);
        c.close();
        assertThat(c.source.attached()).isFalse();
        assertThat(bpfLinkFds()).isEqualTo(before);
        assertThat(bpfMapMappings()).isEqualTo(mappedBefore);
    }

    @Test
    void missingBpfObjectIsAnEnvironmentError(@TempDir Path tmp) {
        String missing = tmp.resolve("nope.bpf.o").toString();
        assertThatThrownBy(() -> LiveSource.open(settings(ProbeMode.TRACEPOINT, missing), m -> { }))
                .isInstanceOf(ProbeException.class)
                .hasMessageContaining("live.bpf_object").hasMessageContaining(missing).hasMessageContaining("no such file");
    }

    @Test
    void garbageBpfObjectIsAnEnvironmentError(@TempDir Path tmp) throws IOException {
        Path junk = Files.writeString(tmp.resolve("junk.bpf.o"), "not an ELF file");
        assertThatThrownBy(() -> LiveSource.open(settings(ProbeMode.TRACEPOINT, junk.toString()), m -> { }))
                .isInstanceOf(ProbeException.class)
                .hasMessageContaining("cannot open the BPF object");
    }

    @Test
    void ringSizeMustBeAPowerOfTwo() {
        LiveSource.Settings bad = new LiveSource.Settings(ProbeMode.TRACEPOINT, 3_000_000, 20 * MS, 200 * MS, null);
        assertThatThrownBy(() -> LiveSource.open(bad, m -> { }))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("live.ring_size_bytes").hasMessageContaining("3000000");
    }

    @Test
    void settingsComeFromTheDefaultConfig() {
        LiveSource.Settings s = LiveSource.Settings.from(Config.defaults());
        assertThat(s).isEqualTo(new LiveSource.Settings(ProbeMode.AUTO, 4L << 20, 20 * MS, 1_000 * MS, null));
    }
}
