package dev.forkwatch.rules;

import static org.assertj.core.api.Assertions.assertThat;

import dev.forkwatch.event.Event;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ReorderBufferTest {
    /** Adds events with timestamps jittered backwards (as per-CPU ring buffers deliver them), polling as it goes. */
    @Test
    void releasesInTimestampOrderAndKeepsArrivalOrderForEqualTimes() {
        SplittableRandom rnd = new SplittableRandom(7);
        ReorderBuffer buffer = new ReorderBuffer();
        List<Event> added = new ArrayList<>();
        List<Event> out = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            // ms granularity with many ties; up to 30 ms late; pid records the arrival order
            double ms = i / 4 - rnd.nextInt(30);
            Event e = Ev.exec(ms, i);
            added.add(e);
            buffer.add(e);
            // drain in bursts, so the ring wraps and also grows past its first capacity
            if (rnd.nextInt(1_500) == 0) {
                while (!buffer.isEmpty() && buffer.peek().ts() < Ev.ns(i / 4 - 40)) {
                    out.add(buffer.poll());
                }
            }
        }
        while (!buffer.isEmpty()) {
            out.add(buffer.poll());
        }
        List<Event> expected = new ArrayList<>(added);
        expected.sort(Comparator.comparingLong(Event::ts)); // List.sort is stable: ties keep arrival order
        assertThat(out).containsExactlyElementsOf(expected);
        assertThat(buffer.size()).isZero();
    }
}
