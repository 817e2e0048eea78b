package dev.forkwatch.rules;

import static dev.forkwatch.rules.Ev.vfork;
import static org.assertj.core.api.Assertions.assertThat;

import dev.forkwatch.event.Vfork;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BurstTest {
    static final long SECOND = 1_000_000_000L;

    @Test
    void countsTheChildrenOfTheSpanBeforeTheNewestAtNanosecondPrecision() {
        Burst b = new Burst();
        assertThat(b.count(SECOND)).isZero();
        assertThat(b.newest()).isNull();
        b.add(vfork(0, 1, 100));
        b.add(vfork(0.5, 2, 100));
        b.add(vfork(999.9, 3, 100));
        assertThat(b.count(SECOND)).isEqualTo(3); // 999.9 ms apart: inside
        b.add(vfork(1000.2, 4, 100));
        assertThat(b.count(SECOND)).isEqualTo(3); // the first is 1000.2 ms before the newest: out; 0.5 is 999.7 ms: in
        assertThat(b.newest().pid()).isEqualTo(4);
        assertThat(b.size()).isEqualTo(4);
        assertThat(b.count(SECOND / 1000)).isEqualTo(2); // another span, counted afresh: 999.9 and 1000.2 ms
        assertThat(b.count(2 * SECOND)).isEqualTo(4);
    }

    @Test
    void aChildExactlyOneSpanBeforeTheNewestIsOut() {
        Burst b = new Burst();
        b.add(vfork(0, 1, 100));
        b.add(vfork(1000, 2, 100));
        assertThat(b.count(SECOND)).isEqualTo(1);
    }

    @Test
    void aLateChildGoesToItsPlaceAndChildrenLeaveInAnyOrder() {
        Burst b = new Burst();
        Vfork a = vfork(0, 1, 100);
        Vfork c = vfork(10, 3, 100);
        Vfork late = vfork(5, 2, 100);
        b.add(a);
        b.add(c);
        assertThat(b.count(6_000_000L)).isEqualTo(1);
        b.add(late);
        assertThat(b.newest()).isSameAs(c);
        assertThat(b.count(6_000_000L)).isEqualTo(2); // 5 and 10 ms
        b.remove(late); // from the middle
        assertThat(b.count(6_000_000L)).isEqualTo(1);
        b.remove(a); // the oldest
        b.remove(c);
        assertThat(b.size()).isZero();
        assertThat(b.count(SECOND)).isZero();
        b.remove(c); // not there: nothing happens
        assertThat(b.size()).isZero();
    }

    @Test
    void aLongRunOfChildrenComingAndGoingKeepsTheCountRight() {
        // A busy parent: 1 child per ms for 30 s, each leaving 5 s after its time (as from a session), counted over
        // 1 s on every child, against a count from scratch.
        Burst b = new Burst();
        List<Vfork> in = new ArrayList<>();
        for (int ms = 0; ms < 30_000; ms++) {
            Vfork v = vfork(ms + 0.25, 1000 + ms, 100);
            b.add(v);
            in.add(v);
            while (in.get(0).ts() < v.ts() - 5 * SECOND) {
                b.remove(in.remove(0));
            }
            if (ms % 997 == 0 || ms == 29_999) {
                long from = v.ts() - SECOND;
                assertThat(b.count(SECOND)).as("at %d ms", ms).isEqualTo((int) in.stream().filter(x -> x.ts() > from).count());
                assertThat(b.size()).isEqualTo(in.size());
            } else {
                b.count(SECOND);
            }
        }
        assertThat(b.count(SECOND)).isEqualTo(1000);
    }
}
