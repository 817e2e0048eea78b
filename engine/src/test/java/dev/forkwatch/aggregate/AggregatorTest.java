package dev.forkwatch.aggregate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.forkwatch.alert.Alert;
import dev.forkwatch.alert.AlertJson;
import dev.forkwatch.alert.Priority;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The window machinery on hand-made alerts; AggregateReplayTest runs it end to end over a trace. */
class AggregatorTest {
    static final long S = 1_000_000_000L;
    static final long T0 = 1_700_000_000L * S;

    final List<Alert> out = new ArrayList<>();
    final Map<String, Integer> heldByRule = new HashMap<>();

    Aggregator aggregator(int maxKinds) {
        return new Aggregator(60 * S, maxKinds, Map.of("R", Aggregator.DEFAULT_KEYS, "U", List.of("user.uid")), out::add,
                rule -> heldByRule.merge(rule, 1, Integer::sum));
    }

    static Alert alert(String rule, Priority p, long t, Map<String, Object> fields) {
        return new Alert(UUID.randomUUID().toString(), t, rule, p, "msg " + t, fields, List.of("vfork"), "h");
    }

    static Alert child(long t, int ppid) {
        return alert("R", Priority.NOTICE, t, Map.of("proc.ppid", ppid, "user.uid", 0, "proc.pid", (int) (t % 100000)));
    }

    @Test
    void firstSentRestCountedSummaryAtWindowEnd() {
        Aggregator a = aggregator(100);
        for (int i = 0; i < 10; i++) {
            a.accept(child(T0 + i * S, 7));
        }
        assertThat(out).hasSize(1);
        a.advance(T0 + 60 * S - 1);
        assertThat(out).hasSize(1);
        a.advance(T0 + 60 * S); // no alert needed: event time closes the window
        assertThat(out).hasSize(2);
        Alert s = out.get(1);
        assertThat(s.timeNs()).isEqualTo(T0 + 60 * S);
        assertThat(s.rule()).isEqualTo("R");
        assertThat(s.priority()).isEqualTo(Priority.NOTICE);
        assertThat(s.outputFields()).containsEntry("alert.suppressed", 9L)
                .containsEntry("alert.first_time", AlertJson.rfc3339(T0 + S))
                .containsEntry("alert.last_time", AlertJson.rfc3339(T0 + 9 * S))
                .containsEntry("proc.pid", (int) ((T0 + 9 * S) % 100000));
        assertThat(s.output()).startsWith("9 more like this in 60s; the last: msg " + (T0 + 9 * S));
        assertThat(heldByRule).containsEntry("R", 9);
        assertThat(a.heldBack()).isEqualTo(9);
        assertThat(a.summaries()).isEqualTo(1);
    }

    @Test
    void aWindowWithNothingHeldBackClosesSilentlyAndTheNextAlertIsSentAtOnce() {
        Aggregator a = aggregator(100);
        a.accept(child(T0, 7));
        a.accept(child(T0 + 61 * S, 7));
        assertThat(out).hasSize(2);
        assertThat(out).allMatch(x -> !x.outputFields().containsKey("alert.suppressed"));
    }

    @Test
    void kindsAreNotMergedAndFallBackFromExePathToPpid() {
        Aggregator a = aggregator(100);
        a.accept(child(T0, 7));
        a.accept(child(T0 + 1, 8));
        a.accept(alert("R", Priority.NOTICE, T0 + 2, Map.of("proc.pexepath", "/usr/bin/x", "proc.ppid", 7, "user.uid", 0)));
        a.accept(alert("R", Priority.NOTICE, T0 + 3, Map.of("proc.pexepath", "/usr/bin/x", "proc.ppid", 9, "user.uid", 0)));
        a.accept(alert("R", Priority.NOTICE, T0 + 4, Map.of("proc.ppid", 7, "user.uid", 1000)));
        // ppid 7, ppid 8, exe /usr/bin/x (ppid 7 and 9 merged), ppid 7 as another uid
        assertThat(out).extracting(Alert::timeNs).containsExactly(T0, T0 + 1, T0 + 2, T0 + 4);
    }

    @Test
    void ownKeysMergeAcrossParents() {
        Aggregator a = aggregator(100);
        a.accept(alert("U", Priority.WARNING, T0, Map.of("proc.ppid", 1, "user.uid", 5)));
        a.accept(alert("U", Priority.WARNING, T0 + 1, Map.of("proc.ppid", 2, "user.uid", 5)));
        a.flush();
        assertThat(out).hasSize(2);
        assertThat(out.get(1).outputFields()).containsEntry("alert.suppressed", 1L).containsEntry("proc.ppid", 2);
    }

    @Test
    void criticalAndUnknownRulesPassThrough() {
        Aggregator a = aggregator(100);
        for (int i = 0; i < 5; i++) {
            a.accept(alert("R", Priority.CRITICAL, T0 + i, Map.of("proc.ppid", 7)));
            a.accept(alert("R", Priority.EMERGENCY, T0 + i, Map.of("proc.ppid", 7)));
            a.accept(alert("Events dropped", Priority.WARNING, T0 + i, Map.of()));
        }
        a.flush();
        assertThat(out).hasSize(15);
        assertThat(a.heldBack()).isZero();
    }

    @Test
    void flushSendsPendingSummariesTimedAtTheEndOfTimeSeen() {
        Aggregator a = aggregator(100);
        a.accept(child(T0, 7));
        a.accept(child(T0 + 10 * S, 7));
        a.advance(T0 + 20 * S);
        a.flush();
        assertThat(out).hasSize(2);
        assertThat(out.get(1).timeNs()).isEqualTo(T0 + 20 * S);
        assertThat(out.get(1).output()).startsWith("1 more like this in 20s");
    }

    @Test
    void pastMaxKindsTheWindowClosingSoonestClosesEarlyWithItsSummary() {
        Aggregator a = aggregator(2);
        a.accept(child(T0, 1));
        a.accept(child(T0 + 1, 1));
        a.accept(child(T0 + 2, 2));
        a.accept(child(T0 + 3, 3)); // a third kind: kind 1 closes now, its count is not lost
        assertThat(out).extracting(x -> x.outputFields().get("alert.suppressed")).containsExactly(null, null, 1L, null);
        assertThat(out.get(2).timeNs()).isEqualTo(T0 + 3);
    }

    @Test
    void durationsReadAsInTheConfig() {
        assertThat(Aggregator.duration(60 * S)).isEqualTo("60s");
        assertThat(Aggregator.duration(250_000_000L)).isEqualTo("250ms");
        assertThat(Aggregator.duration(24_159_000_000L)).isEqualTo("24.159s");
        assertThat(Aggregator.duration(20_500_000_123L)).isEqualTo("20.500s");
    }

    @Test
    void badKeyFieldIsRefusedWithItsName() {
        assertThatThrownBy(() -> KeyField.parse("proc.ppid|rm -rf")).hasMessageContaining("'rm -rf'");
        assertThat(KeyField.parse("proc.aname[2]").names()).containsExactly("proc.aname[2]");
    }
}
