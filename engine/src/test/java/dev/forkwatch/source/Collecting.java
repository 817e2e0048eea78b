package dev.forkwatch.source;

import dev.forkwatch.event.Event;
import dev.forkwatch.event.EventReceiver;
import java.util.ArrayList;
import java.util.List;

/** A receiver that keeps what it is given, for tests. */
final class Collecting implements EventReceiver {
    final List<Event> events = new ArrayList<>();
    final List<Long> clocks = new ArrayList<>();

    @Override
    public void event(Event e) {
        events.add(e);
    }

    @Override
    public void clock(long nowNs) {
        clocks.add(nowNs);
    }
}
