package dev.forkwatch.sink;

import dev.forkwatch.config.Config;
import dev.forkwatch.sink.webhook.WebhookSettings;
import dev.forkwatch.sink.webhook.WebhookSink;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Builds the sinks a run writes to from the config: stdout always, the webhook when outputs.webhook.url is set. */
public final class SinkFactory {
    private SinkFactory() {
    }

    /**
     * stdout ({@code output.format}, {@code outputs.stdout.on_error}) plus the webhook when configured; each alert
     * goes to all. Warnings and webhook log lines go to {@code err}; the signing secret is read from {@code env}.
     *
     * @throws SinkException BAD_SETTING naming the key, or an unsafe spool directory; UNUSABLE for a spool
     *                       directory that cannot be created or is in use
     */
    public static Sink create(Config config, PrintStream out, PrintStream err, Map<String, String> env) {
        List<Sink> sinks = new ArrayList<>();
        AlertFormat format = "json".equals(config.string("output.format")) ? AlertFormat.JSON : AlertFormat.TEXT;
        StdoutSink.OnError onError = "stop".equals(config.string("outputs.stdout.on_error"))
                ? StdoutSink.OnError.STOP : StdoutSink.OnError.CONTINUE;
        sinks.add(new StdoutSink(out, format, onError, err));
        if (WebhookSettings.enabled(config)) {
            sinks.add(new WebhookSink(WebhookSettings.from(config, env, err), err));
        }
        return new CompositeSink(sinks);
    }

    /** The sink of type {@code type} inside {@code sink}, if it has one (for its metrics). */
    public static <T extends Sink> Optional<T> find(Sink sink, Class<T> type) {
        if (type.isInstance(sink)) {
            return Optional.of(type.cast(sink));
        }
        if (sink instanceof CompositeSink c) {
            for (Sink s : c.sinks()) {
                Optional<T> found = find(s, type);
                if (found.isPresent()) {
                    return found;
                }
            }
        }
        return Optional.empty();
    }
}
