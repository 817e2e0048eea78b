package dev.forkwatch.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.forkwatch.live.ForkwatchProcesses.Running;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * systemd is installed here but is not PID 1, so the unit's capability sets are applied with setpriv instead: a
 * non-root user (nobody, standing in for the unit's User=forkwatch) with exactly the bounding and ambient sets
 * of packaging/deb/forkwatch.service runs {@code forkwatch run}, which reaches ready and alerts.
 */
class UnitCapabilitiesTest {
    /** Capability numbers of the names the unit may use (linux/capability.h). */
    static final Map<String, Integer> CAPS = Map.of("CAP_SYS_RESOURCE", 24, "CAP_PERFMON", 38, "CAP_BPF", 39,
            "CAP_SYS_ADMIN", 21, "CAP_SYS_PTRACE", 19, "CAP_DAC_READ_SEARCH", 2);

    static final Triggers triggers = Triggers.shared();
    @TempDir
    Path tmp;
    @RegisterExtension
    final ForkwatchProcesses forkwatch = new ForkwatchProcesses();

    static Set<String> unitSet(List<String> unit, String key) {
        Set<String> caps = new LinkedHashSet<>();
        for (String line : unit) {
            if (line.startsWith(key + "=")) {
                caps.addAll(List.of(line.substring(key.length() + 1).trim().split("\\s+")));
            }
        }
        return caps;
    }

    @Test
    void runReachesReadyAndAlertsWithTheUnitsCapabilitiesOnly() throws Exception {
        List<String> unit = Files.readAllLines(Triggers.root().resolve("packaging/deb/forkwatch.service"));
        Set<String> bounding = unitSet(unit, "CapabilityBoundingSet");
        Set<String> ambient = unitSet(unit, "AmbientCapabilities");
        assertThat(ambient).isEqualTo(bounding).contains("CAP_BPF", "CAP_PERFMON");
        assertThat(CAPS.keySet()).containsAll(bounding);
        assertThat(unit).contains("NoNewPrivileges=yes", "User=forkwatch");

        // This host (a container) may lack some capability of the unit: then it cannot be granted, and the run
        // shows the others are enough here. CAP_SYS_RESOURCE is missing from this VM's bounding set.
        long hostBounding = Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("CapBnd:"))
                .mapToLong(l -> Long.parseUnsignedLong(l.substring(7).trim(), 16)).findFirst().orElseThrow();
        List<String> granted = bounding.stream().filter(c -> (hostBounding & (1L << CAPS.get(c))) != 0)
                .map(c -> "+" + c.substring(4).toLowerCase(Locale.ROOT)).toList();
        assertThat(granted).contains("+bpf", "+perfmon");
        String set = "-all," + String.join(",", granted);

        // The test's classpath lives under /root, which nobody cannot read: copy it where it can.
        List<String> cp = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path src = Path.of(entry);
            Path dst = tmp.resolve("cp" + cp.size() + (Files.isDirectory(src) ? "" : ".jar"));
            if (Files.isDirectory(src)) {
                try (var walk = Files.walk(src)) {
                    for (Path p : walk.toList()) {
                        Path d = dst.resolve(src.relativize(p).toString());
                        if (Files.isDirectory(p)) {
                            Files.createDirectories(d);
                        } else {
                            Files.copy(p, d, StandardCopyOption.REPLACE_EXISTING);
                        }
                    }
                }
            } else if (Files.exists(src)) {
                Files.copy(src, dst);
            }
            cp.add(dst.toString());
        }
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Running fw = forkwatch.in(tmp).workDir(tmp).classpath(String.join(File.pathSeparator, cp)).jvmOptions("-Xmx256m")
                .prefix("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--bounding-set=" + set,
                        "--inh-caps=" + set, "--ambient-caps=" + set, "--no-new-privs")
                .start("run", "--output", "json");
        assertThat(fw.awaitReady()).contains("ready: tracepoint probes attached");
        Triggers.Run failed = triggers.run("vforker", "vfork", "exit:9");
        String child = "\"proc.pid\":" + failed.child() + ",";
        for (int i = 0; i < 100 && !Files.readString(fw.out()).contains(child); i++) {
            Thread.sleep(100);
        }
        assertThat(Files.readAllLines(fw.out())).filteredOn(l -> l.contains(child))
                .singleElement().asString().contains("Vfork child exited without exec");
        String status = Files.readString(Path.of("/proc/" + fw.pid() + "/status"));
        assertThat(status).contains("Uid:\t65534");
        assertThat(fw.terminate()).as(fw::errText).isZero();
    }
}
