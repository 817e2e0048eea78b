package dev.forkwatch.sink;

import dev.forkwatch.alert.Alert;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Writes alerts to stdout, one per line. A failed write is never silent: it is logged on {@code err} (the first
 * and every 1000th), counted, and reported as lost (exit 5). PrintStream keeps its error flag once set, so after
 * the first failure every later alert counts as lost too: success can no longer be told apart.
 */
public final class StdoutSink implements Sink {
    /** What a write error does: go on (the webhook still gets every alert) or stop the run. */
    public enum OnError { CONTINUE, STOP }

    private final PrintStream out;
    private final AlertFormat format;
    private final OnError onError;
    private final PrintStream err;
    private volatile long lost; // written under the lock, read without it
    private volatile boolean stop;

    public StdoutSink(PrintStream out, AlertFormat format, OnError onError, PrintStream err) {
        this.out = out;
        this.format = format;
        this.onError = onError;
        this.err = err;
    }

    @Override
    public synchronized void accept(Alert a) {
        if (!stop) {
            byte[] line = (format.line(a) + "\n").getBytes(StandardCharsets.UTF_8);
            out.write(line, 0, line.length);
            out.flush(); // one alert, one write: a reader sees whole lines, and a failure is known now
            if (!out.checkError()) {
                return;
            }
        }
        lost++;
        if (lost == 1 || lost % 1000 == 0) {
            err.println("forkwatch: stdout: cannot write alert " + a.uuid() + " (closed pipe, full disk or I/O error): "
                    + lost + " alert(s) lost on stdout so far" + (onError == OnError.STOP ? "; stopping" : ""));
        }
        if (onError == OnError.STOP) {
            stop = true;
        }
    }

    @Override
    public void flush() {
        out.flush();
    }

    @Override
    public void checkStop() {
        if (stop) {
            throw new SinkException(SinkException.Kind.ALERTS_LOST,
                    "stdout: a write failed and outputs.stdout.on_error is stop: stopped with " + lost() + " alert(s) lost");
        }
    }

    @Override
    public synchronized SinkReport report() {
        return lost == 0 ? SinkReport.NONE
                : new SinkReport(List.of("stdout: " + lost + " alert(s) could not be written: lost"), 0, lost);
    }

    /** Alerts that could not be written; read without the lock, so a scrape never waits on a blocked write. */
    public long lost() {
        return lost;
    }
}
