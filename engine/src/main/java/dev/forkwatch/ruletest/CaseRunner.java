package dev.forkwatch.ruletest;

import dev.forkwatch.aggregate.Aggregator;
import dev.forkwatch.alert.Alert;
import dev.forkwatch.alert.AlertJson;
import dev.forkwatch.config.Config;
import dev.forkwatch.event.Event;
import dev.forkwatch.event.EventReceiver;
import dev.forkwatch.rules.RuleEngine;
import dev.forkwatch.rules.RulePack;
import dev.forkwatch.source.TraceReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Runs rule test cases: each case file is replayed through a fresh session of the pack (aggregated only when the
 * config's outputs.aggregate.enabled says so: test-rules --aggregate), and
 * its alerts are matched against its {@code expect} records, each expectation consuming one alert (a maximum
 * matching, so the order of the records never matters). A case fails on an expectation no alert meets, on an
 * alert no expectation takes (engine alerts such as {@code Rule failed} included), and on an alert that an
 * {@code expect_none} record forbids.
 */
public final class CaseRunner {
    private final Supplier<RulePack> compile;
    private final Config config;
    private RulePack pack;

    /** @param compile compiles the pack; called again after a case in which a rule failed and was disabled */
    public CaseRunner(Supplier<RulePack> compile, Config config) {
        this.compile = compile;
        this.config = config;
    }

    /** The outcome of one case; {@code problems} is empty when it passed. */
    public record Result(Path file, int alerts, int expectations, List<String> problems, double seconds) {
        public boolean passed() {
            return problems.isEmpty();
        }
    }

    public Result run(Path file) throws IOException {
        long start = System.nanoTime();
        List<Expectation> expects = Expectations.read(file);
        if (pack == null) {
            pack = compile.get();
        }
        Set<String> known = new java.util.HashSet<>(pack.ruleNames());
        known.add("Rule failed"); // raised by the engine itself
        List<Alert> alerts = new ArrayList<>();
        Aggregator agg = config.bool("outputs.aggregate.enabled") ? new Aggregator(config.nanos("outputs.aggregate.window"),
                (int) config.integer("outputs.aggregate.max_kinds"), pack.aggregateKeys(), alerts::add, rule -> { }) : null;
        try (RuleEngine engine = RuleEngine.fromConfig(pack, config, agg == null ? alerts::add : agg)) {
            try {
                new TraceReader(file).run(agg == null ? engine : new EventReceiver() {
                    @Override
                    public void event(Event e) {
                        engine.event(e);
                        agg.advance(engine.clockNs());
                    }

                    @Override
                    public void clock(long nowNs) {
                        engine.clock(nowNs);
                        agg.advance(engine.clockNs());
                    }
                });
            } finally {
                engine.finish();
                if (agg != null) {
                    agg.advance(engine.clockNs());
                    agg.flush();
                }
            }
            if (!engine.disabledRules().isEmpty()) {
                pack = null; // the rule stays off in that pack; the next case gets it back
            }
        }
        List<String> problems = judge(expects, alerts, known);
        return new Result(file, alerts.size(), expects.size(), problems, (System.nanoTime() - start) / 1e9);
    }

    static List<String> judge(List<Expectation> expects, List<Alert> alerts, Set<String> known) {
        List<Expectation> positive = expects.stream().filter(e -> !e.none()).toList();
        int[] takenBy = new int[alerts.size()]; // alert -> index in positive, or -1
        Arrays.fill(takenBy, -1);
        for (int i = 0; i < positive.size(); i++) {
            augment(i, positive, alerts, takenBy, new boolean[alerts.size()]);
        }
        boolean[] met = new boolean[positive.size()];
        for (int t : takenBy) {
            if (t >= 0) {
                met[t] = true;
            }
        }
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < positive.size(); i++) {
            if (!met[i]) {
                Expectation e = positive.get(i);
                problems.add("missing: " + e.describe()
                        + (known.contains(e.rule()) ? "" : " -- the pack has no rule named \"" + e.rule() + "\""));
            }
        }
        for (Expectation e : expects) {
            if (e.none()) {
                if (!known.contains(e.rule())) {
                    problems.add("expect_none names no rule of the pack: " + e.describe());
                }
                for (Alert a : alerts) {
                    if (e.matches(a)) {
                        problems.add("forbidden by " + e.describe() + ": " + AlertJson.toJson(a));
                    }
                }
            }
        }
        for (int j = 0; j < alerts.size(); j++) {
            if (takenBy[j] < 0) {
                problems.add("unexpected: " + AlertJson.toJson(alerts.get(j)));
            }
        }
        return problems;
    }

    /** Kuhn's augmenting path: finds an alert for expectation {@code i}, moving earlier ones if need be. */
    private static boolean augment(int i, List<Expectation> positive, List<Alert> alerts, int[] takenBy, boolean[] seen) {
        for (int j = 0; j < alerts.size(); j++) {
            if (!seen[j] && positive.get(i).matches(alerts.get(j))) {
                seen[j] = true;
                if (takenBy[j] < 0 || augment(takenBy[j], positive, alerts, takenBy, seen)) {
                    takenBy[j] = i;
                    return true;
                }
            }
        }
        return false;
    }
}
