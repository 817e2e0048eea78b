package dev.forkwatch.sink;

import dev.forkwatch.alert.Alert;
import dev.forkwatch.alert.AlertJson;
import java.io.PrintStream;

/** Writes alerts to a PrintStream (System.out by default), one per line, as text or Falco JSON. */
public final class StdoutSink implements Sink {
    public enum Format { TEXT, JSON }

    private final PrintStream out;
    private final Format format;

    public StdoutSink(Format format) {
        this(System.out, format);
    }

    public StdoutSink(PrintStream out, Format format) {
        this.out = out;
        this.format = format;
    }

    @Override
    public void accept(Alert a) {
        if (format == Format.JSON) {
            out.println(AlertJson.toJson(a));
        } else {
            out.println(AlertJson.rfc3339(a.timeNs()) + " " + a.priority().label() + " " + a.rule() + ": " + a.output());
        }
    }

    @Override
    public void flush() {
        out.flush();
    }
}
