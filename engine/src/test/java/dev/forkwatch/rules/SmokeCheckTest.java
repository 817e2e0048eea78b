package dev.forkwatch.rules;

import static org.assertj.core.api.Assertions.assertThat;

import dev.forkwatch.config.Config;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The smoke run before a pack goes live is bounded: a rule whose consequence never returns is reported, not waited for. */
class SmokeCheckTest {
    static final String LOOP = """
            package forkwatch.rules;

            rule "Loops forever"
                @priority("Notice") @tags("test") @description("d")
            when
                $v : Vfork()
            then
                while (true) { Thread.onSpinWait(); }
            end
            """;

    @Test
    void aConsequenceThatNeverReturnsIsReportedAtItsRule() {
        RulePack pack = RulePack.compile(List.of(new RuleSource("loop.drl", LOOP)), Config.defaults());
        List<RuleError> errors = SmokeCheck.run(pack, 100_000_000L, 30_000_000_000L, Duration.ofSeconds(2));
        assertThat(errors).hasSize(1);
        assertThat(errors.get(0).toString())
                .startsWith("loop.drl:3:1: rule \"Loops forever\" did not finish forkwatch's smoke trace within 2s")
                .contains("never returns");
    }

    @Test
    void theDefaultPackFinishesCleanly() {
        RulePack pack = RulePack.compile(RulePack.embedded(), Config.defaults());
        assertThat(SmokeCheck.run(pack, 100_000_000L, 30_000_000_000L)).isEmpty();
    }
}
