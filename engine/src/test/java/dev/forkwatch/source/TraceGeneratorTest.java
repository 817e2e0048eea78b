package dev.forkwatch.source;

import static org.assertj.core.api.Assertions.assertThat;

import dev.forkwatch.event.Event;
import dev.forkwatch.event.Exec;
import dev.forkwatch.event.Exit;
import dev.forkwatch.event.Vfork;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The generated trace has the probes' shape: no exit of a child that exec'd, unless asked for. */
class TraceGeneratorTest {
    static List<Event> all(TraceGenerator g) {
        List<Event> out = new ArrayList<>();
        g.forEachRemaining(out::add);
        return out;
    }

    /** Per child life (a vfork up to the pid's next vfork): "exec", "exit", "exec+exit" or "" (neither). */
    static Map<String, Integer> fates(List<Event> trace) {
        Map<Integer, String> life = new HashMap<>();
        Map<String, Integer> fates = new HashMap<>();
        for (Event e : trace) {
            if (e instanceof Vfork v) {
                String before = life.put(v.pid(), "");
                if (before != null) {
                    fates.merge(before, 1, Integer::sum);
                }
            } else if (e instanceof Exec x && life.containsKey(x.pid())) {
                life.put(x.pid(), "exec");
            } else if (e instanceof Exit x && life.containsKey(x.pid())) {
                life.merge(x.pid(), "exit", (a, b) -> a.isEmpty() ? b : a + "+" + b);
            }
        }
        life.values().forEach(f -> fates.merge(f, 1, Integer::sum));
        return fates;
    }

    @Test
    void aChildThatExecdHasNoExitAsTheProbesRecordIt() {
        TraceGenerator g = new TraceGenerator(200_000, 5_000, 64, 7);
        List<Event> trace = all(g);
        Map<String, Integer> fates = fates(trace);
        assertThat(fates).doesNotContainKey("exec+exit");
        assertThat(fates.get("exec")).isGreaterThan(fates.get("exit") * 100);
        assertThat(fates.get("exit")).isEqualTo((int) g.counts().failedExecs()).isPositive();
        // the rate holds: 200,000 events at 5,000/s take about 40 s of event time (to the last child; a stall's exec
        // comes 6 s after it)
        long lastVfork = trace.stream().filter(e -> e instanceof Vfork).mapToLong(Event::ts).max().orElseThrow();
        double seconds = (lastVfork - trace.get(0).ts()) / 1e9;
        assertThat(trace.size() / seconds).isBetween(4_500.0, 5_500.0);
    }

    @Test
    void withExecExitsEveryChildThatExecdAlsoExitsAndTheRestIsTheSame() {
        List<Event> probes = all(new TraceGenerator(100_000, 5_000, 64, 7));
        TraceGenerator g = new TraceGenerator(100_000, 5_000, 64, 7, true);
        List<Event> every = all(g);
        Map<String, Integer> fates = fates(every);
        assertThat(fates).containsKey("exec+exit");
        assertThat(fates.get("exit")).isEqualTo((int) g.counts().failedExecs());
        assertThat(fates.get("exec")).isEqualTo((int) g.counts().stalls()); // exec'd after 6 s, the trace ends before an exit
        // The children that exec'd and their execs are drawn alike; only the exits differ (and so the times).
        assertThat(every.stream().filter(e -> e instanceof Exec).limit(1000).map(e -> ((Exec) e).pid()).toList())
                .isEqualTo(probes.stream().filter(e -> e instanceof Exec).limit(1000).map(e -> ((Exec) e).pid()).toList());
    }
}
