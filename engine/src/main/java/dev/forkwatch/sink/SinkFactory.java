package dev.forkwatch.sink;

import dev.forkwatch.cli.ExitCode;
import dev.forkwatch.config.Config;
import dev.forkwatch.sink.webhook.WebhookSettings;
import dev.forkwatch.sink.webhook.WebhookSink;
import dev.forkwatch.sink.webhook.WebhookStats;
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
     * stdout ({@code output.format}) plus the webhook when configured; each alert goes to all. Warnings and webhook
     * log lines go to {@code err}; the signing secret is read from {@code env}. Bad webhook settings:
     * ExitException(BAD_INPUT) naming the key; an unusable spool dir: ExitException(ENVIRONMENT).
     */
    public static Sink create(Config config, PrintStream out, PrintStream err, Map<String, String> env) {
        List<Sink> sinks = new ArrayList<>();
        String format = config.has("output.format") ? config.string("output.format") : "text";
        sinks.add(new StdoutSink(out, format.equals("json") ? StdoutSink.Format.JSON : StdoutSink.Format.TEXT));
        if (WebhookSettings.enabled(config)) {
            sinks.add(new WebhookSink(WebhookSettings.from(config, env, err), err));
        }
        return new CompositeSink(sinks);
    }

    /**
     * After the sink is closed: prints the webhook summary (delivered, retried, dead-lettered, refused, left in
     * spool) to {@code err} and returns {@link ExitCode#UNDELIVERED} when alerts were left in the spool or refused,
     * else {@link ExitCode#OK}. Without a webhook: prints nothing, returns OK.
     */
    public static int report(Sink sink, PrintStream err) {
        Optional<WebhookStats> st = webhookStats(sink);
        st.ifPresent(s -> err.println("forkwatch: " + s.summary()));
        return st.filter(WebhookStats::undelivered).isPresent() ? ExitCode.UNDELIVERED : ExitCode.OK;
    }

    /** The webhook's counters, if {@code sink} (as made by {@link #create}) has a webhook. Valid after close too. */
    public static Optional<WebhookStats> webhookStats(Sink sink) {
        return webhook(sink).map(WebhookSink::stats);
    }

    /** The webhook sink inside {@code sink}, if it has one. */
    public static Optional<WebhookSink> webhook(Sink sink) {
        if (sink instanceof WebhookSink w) {
            return Optional.of(w);
        }
        if (sink instanceof CompositeSink c) {
            for (Sink s : c.sinks()) {
                Optional<WebhookSink> w = webhook(s);
                if (w.isPresent()) {
                    return w;
                }
            }
        }
        return Optional.empty();
    }
}
