package dev.forkwatch.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.forkwatch.alert.Alert;
import dev.forkwatch.source.TraceGenerator;
import dev.forkwatch.event.Vfork;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The warm-up's throw-away session shares the live pack's KieBase: a rule that fails in it is reported, never
 * removed from the pack. The rules below throw only on the warm-up trace (comm "make" created by clone3 under a
 * parent pid below 5000), not on the smoke trace the pack must pass first, nor on the live event fed afterwards.
 */
class WarmupTest {
    static final String META = RuleIsolationTest.META;
    static final RuleEngine.Settings ENGINE = new RuleEngine.Settings(100_000_000L, 30_000_000_000L, RuleEngine.UNBOUNDED, "test");
    static final Warmup.Settings SETTINGS = new Warmup.Settings(Duration.ofSeconds(30).toNanos(), 30_000);
    /** Fine for the live pack: a parent pid the warm-up trace never has. */
    static final Vfork LIVE = new Vfork(TraceGenerator.T0, 7001, 6000, 1000, "make", "clone3");

    static Warmup.Result warmUp(RulePack pack) {
        return Warmup.start(pack, ENGINE, SETTINGS, new TraceGenerator(Long.MAX_VALUE, 1_000, 64, 1)).await();
    }

    static List<Alert> live(RulePack pack) {
        List<Alert> alerts = new ArrayList<>();
        try (RuleEngine engine = new RuleEngine(pack, ENGINE, alerts::add)) {
            engine.event(LIVE);
            engine.finish();
            assertThat(engine.disabledRules()).isEmpty();
        }
        return alerts;
    }

    static boolean inKieBase(RulePack pack, String rule) {
        return pack.kieBase().getKiePackages().stream().flatMap(p -> p.getRules().stream()).anyMatch(r -> r.getName().equals(rule));
    }

    @Test
    void aConditionThatThrowsIsReportedAndStaysInTheLivePack() {
        // Short-circuits on the smoke trace's "make" children (via "vfork"); substring(10) of "clone3" throws.
        RulePack pack = RuleIsolationTest.packWith("rule \"Clone3 make\" " + META + "\nwhen\n"
                + "    $v : Vfork(comm == \"make\", ppid > 5000 || via.length() < 6 || via.substring(10) == \"x\")\n"
                + "then\n    alerts.child(drools, $v, \"make child\");\nend\n");
        Warmup.Result r = warmUp(pack);
        assertThat(r.warnings()).singleElement().asString()
                .startsWith("broken.drl:1:1: rule \"Clone3 make\" fails in a condition on forkwatch's warm-up trace: ")
                .contains("StringIndexOutOfBoundsException", "the rule stays on");
        assertThat(inKieBase(pack, "Clone3 make")).isTrue();
        assertThat(live(pack)).extracting(Alert::rule).contains("Clone3 make");
    }

    @Test
    void aConsequenceThatThrowsIsReportedAndTheWarmUpGoesOn() {
        RulePack pack = RuleIsolationTest.packWith("rule \"Clone3 make\" " + META + "\nwhen\n    $v : Vfork(comm == \"make\")\n"
                + "then\n    if ($v.via().equals(\"clone3\") && $v.ppid() < 5000) { throw new IllegalStateException(\"boom\"); }\n"
                + "    alerts.child(drools, $v, \"make child\");\nend\n");
        Warmup.Result r = warmUp(pack);
        assertThat(r.warnings()).singleElement().asString()
                .startsWith("broken.drl:1:1: rule \"Clone3 make\" throws in its consequence on forkwatch's warm-up trace: ")
                .contains("boom");
        // Past the first failure: the session went on (its own alerts, e.g. failed execs and stalls, were dropped).
        assertThat(r.events()).isGreaterThan(1_000);
        assertThat(r.alertsDropped()).isGreaterThan(1);
        assertThat(live(pack)).extracting(Alert::rule).contains("Clone3 make");
    }

    @Test
    void theDefaultPackWarmsUpWithoutWarnings() {
        RulePack pack = RulePack.compile(RulePack.embedded(), dev.forkwatch.config.Config.defaults());
        Warmup.Result r = warmUp(pack);
        assertThat(r.warnings()).isEmpty();
        assertThat(r.events()).isBetween(1L, SETTINGS.maxEvents());
        assertThat(r.alertsDropped()).isPositive(); // the trace's failed execs and stalls
    }

    @Test
    void aConsequenceThatNeverReturnsStopsTheStart() {
        RulePack pack = RuleIsolationTest.packWith("rule \"Sleeps\" " + META + "\nwhen\n"
                + "    $v : Vfork(comm == \"make\", via == \"clone3\", ppid < 5000)\n"
                + "then\n    try { Thread.sleep(600_000); } catch (InterruptedException e) { }\nend\n");
        Warmup w = Warmup.start(pack, ENGINE, new Warmup.Settings(Duration.ofMillis(200).toNanos(), 30_000),
                new TraceGenerator(Long.MAX_VALUE, 1_000, 64, 1));
        assertThatThrownBy(() -> w.await(Duration.ofSeconds(1))).isInstanceOf(RuleCompileException.class)
                .hasMessageStartingWith("broken.drl:1:1: rule \"Sleeps\" did not finish forkwatch's warm-up trace within 1s")
                .hasMessageContaining("never returns");
    }

    @Test
    void offRunsNothing() {
        RulePack pack = RulePack.compile(RulePack.embedded(), dev.forkwatch.config.Config.defaults());
        Warmup.Result r = Warmup.start(pack, ENGINE, new Warmup.Settings(0, 30_000),
                new TraceGenerator(Long.MAX_VALUE, 1_000, 64, 1)).await();
        assertThat(r.events()).isZero();
        assertThat(r.warnings()).isEmpty();
        assertThat(pack.kieBase().getKieSessions()).isEmpty();
    }
}
