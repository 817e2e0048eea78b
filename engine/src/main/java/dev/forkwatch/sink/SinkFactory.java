package dev.forkwatch.sink;

import dev.forkwatch.config.Config;
import java.io.PrintStream;
import java.util.List;

/** Builds the sinks the config asks for. */
public final class SinkFactory {
    private SinkFactory() {
    }

    public static Sink create(Config config, PrintStream out) {
        StdoutSink.Format f = "json".equals(config.string("output.format")) ? StdoutSink.Format.JSON : StdoutSink.Format.TEXT;
        return new CompositeSink(List.of(new StdoutSink(out, f)));
    }
}
