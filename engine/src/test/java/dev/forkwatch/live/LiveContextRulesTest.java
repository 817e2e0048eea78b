package dev.forkwatch.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.forkwatch.alert.Alert;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The default rules that need the kernel's context, over the live probes: a Java service's shell, memfd execs. */
class LiveContextRulesTest {
    // Java services are services too (samples/config/java-service.yaml): the default list plus java.
    static final String CONFIG = """
            params:
              vfork:
                service_parents: [nginx, httpd, postgres, java]
            """;

    static LiveRuleHarness harness;
    static Triggers triggers;

    @BeforeAll
    static void start() throws Exception {
        harness = new LiveRuleHarness(CONFIG);
        triggers = harness.triggers;
    }

    @AfterAll
    static void stop() throws Exception {
        if (harness != null) {
            harness.close();
        }
    }

    /** Alerts whose proc.pid is {@code pid}: waits for {@code n} (max 6 s), then a settle time for extra ones. */
    static List<Alert> alertsFor(int pid, int n) throws InterruptedException {
        return harness.await(a -> Integer.valueOf(pid).equals(LiveRulesTest.num(a, "proc.pid")), n, 300);
    }

    @Test
    void aShellSpawnedByAJavaServiceIsReportedWithItsCommandLine() throws Exception {
        String marker = "fw-marker-" + UUID.randomUUID();
        List<Alert> a = alertsFor(Triggers.markedShell(marker), 1);
        assertThat(a).extracting(Alert::rule).containsExactly("Shell spawned by a service");
        String java = Path.of(ProcessHandle.current().info().command().orElseThrow()).toRealPath().toString();
        assertThat(a.get(0).outputFields()).containsEntry("proc.pexepath", java)
                .containsEntry("proc.cmdline", "/bin/sh -c : " + marker)
                .containsEntry("proc.exepath", Path.of("/bin/sh").toRealPath().toString());
        assertThat(LiveRulesTest.num(a.get(0), "vfork.exec_index")).isEqualTo(2);
        assertThat(a.get(0).output()).contains(marker);
    }

    @Test
    void aMemfdExecRaisesExecFromMemoryAndAFileExecDoesNot() throws Exception {
        Triggers.Run mem = triggers.run("memfd_exec", "memfd", "/bin/true");
        Triggers.Run file = triggers.run("memfd_exec", "file", "/bin/true");
        List<Alert> a = alertsFor(mem.child(), 1);
        assertThat(a).extracting(Alert::rule).containsExactly("Vfork child exec'd from memory");
        assertThat(a.get(0).outputFields()).containsEntry("proc.exepath", "/memfd:payload")
                .containsEntry("proc.is_exe_from_memfd", true);
        assertThat(alertsFor(file.child(), 0)).isEmpty();
    }
}
