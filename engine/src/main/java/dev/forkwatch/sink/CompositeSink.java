package dev.forkwatch.sink;

import dev.forkwatch.alert.Alert;
import java.util.ArrayList;
import java.util.List;

/** Fans each alert out to every sink; a failing sink does not keep the alert from the others. */
public final class CompositeSink implements Sink {
    private final List<Sink> sinks;

    public CompositeSink(List<? extends Sink> sinks) {
        this.sinks = List.copyOf(sinks);
    }

    /** The sinks, in order (SinkFactory finds the webhook, for its metrics, through this). */
    public List<Sink> sinks() {
        return sinks;
    }

    @Override
    public void accept(Alert alert) {
        RuntimeException first = null;
        for (Sink s : sinks) {
            try {
                s.accept(alert);
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    @Override
    public void flush() {
        sinks.forEach(Sink::flush);
    }

    @Override
    public void checkStop() {
        sinks.forEach(Sink::checkStop);
    }

    @Override
    public SinkReport report() {
        SinkReport r = SinkReport.NONE;
        for (Sink s : sinks) {
            r = r.plus(s.report());
        }
        return r;
    }

    @Override
    public void close() {
        List<RuntimeException> errors = new ArrayList<>();
        for (Sink s : sinks) {
            try {
                s.close();
            } catch (RuntimeException e) {
                errors.add(e);
            }
        }
        if (!errors.isEmpty()) {
            RuntimeException e = errors.get(0);
            errors.subList(1, errors.size()).forEach(e::addSuppressed);
            throw e;
        }
    }
}
