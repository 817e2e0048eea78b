package dev.forkwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.forkwatch.config.Config;
import dev.forkwatch.event.Vfork;
import dev.forkwatch.metrics.Telemetry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reload as {@code run} does it, without probes: real rule and config files read again, a pack that does not
 * compile refused with its file:line, settings that need a restart named, the rule count truthful afterwards.
 */
class RuleReloadsTest {
    static final long T0 = 1_764_300_000_000_000_000L;
    static final long MS = 1_000_000L;

    @TempDir
    Path tmp;

    static String rule(String name) {
        return "rule \"" + name + "\" @priority(\"Notice\") @tags(\"test\") @description(\"d\")\nwhen\n"
                + "    $v : Vfork()\nthen\n    alerts.child(drools, $v, \"" + name + " %proc.pid\");\nend\n";
    }

    /** Polls until the reload asked for is applied or refused. */
    static void reload(RuleReloads r) {
        r.request("test");
        r.poll(); // starts reading the files
        r.awaitPrepared();
        r.poll(); // applies
    }

    @Test
    void aBrokenPackIsRefusedAtItsLineAndAGoodOneTakesOverNamingWhatNeedsARestart() throws Exception {
        Path drl = Files.writeString(tmp.resolve("mine.drl"), rule("First"));
        Path yaml = Files.writeString(tmp.resolve("fw.yaml"), "rules:\n  paths: [\"" + drl + "\"]\n");
        List<Boolean> reloads = new ArrayList<>();
        Telemetry t = new Telemetry() {
            @Override
            public void ruleReload(boolean ok) {
                reloads.add(ok);
            }
        };
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (Pipeline p = Pipeline.open(Config.load(yaml), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), t)) {
            RuleReloads r = new RuleReloads(() -> Config.load(yaml), p, t, new PrintStream(err, true, StandardCharsets.UTF_8),
                    new java.util.concurrent.atomic.AtomicReference<>());
            p.event(new Vfork(T0, 101, 100, 0, "make", "vfork"));
            p.clock(T0 + 200 * MS);

            Files.writeString(drl, rule("Second").replace("then", "thn"));
            reload(r);
            assertThat(err.toString(StandardCharsets.UTF_8)).contains("forkwatch: test: rules not reloaded: " + drl + ":");
            assertThat(out.toString(StandardCharsets.UTF_8)).contains("Error Rules not reloaded: " + drl + ":")
                    .contains("First 101");
            assertThat(p.rules().ruleNames()).containsExactly("First");

            Files.writeString(drl, rule("First") + rule("Second"));
            Files.writeString(yaml, "rules:\n  paths: [\"" + drl + "\"]\nlive:\n  ring_size_bytes: 8388608\n");
            reload(r);
            assertThat(err.toString(StandardCharsets.UTF_8)).contains("forkwatch: test: rules reloaded: 2 rule(s) loaded: "
                    + "1 added (\"Second\"), 0 changed, 0 removed, 1 unchanged; restart needed to apply live.ring_size_bytes");
            // The new rule matched the vfork already in the session, at the reload; "First" did not fire again.
            String alerts = out.toString(StandardCharsets.UTF_8);
            assertThat(alerts).containsOnlyOnce("First 101").contains("Second 101");
            assertThat(p.rules().ruleNames()).containsExactly("First", "Second");
            assertThat(reloads).containsExactly(false, true);
        }
    }
}
