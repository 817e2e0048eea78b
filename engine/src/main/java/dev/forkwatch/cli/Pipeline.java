package dev.forkwatch.cli;

import dev.forkwatch.alert.Hostname;
import dev.forkwatch.config.Config;
import dev.forkwatch.event.Event;
import dev.forkwatch.event.EventReceiver;
import dev.forkwatch.rules.RuleEngine;
import dev.forkwatch.rules.RulePack;
import dev.forkwatch.sink.Sink;
import dev.forkwatch.sink.SinkFactory;
import java.io.PrintStream;

/**
 * Config, rules, engine and sinks wired together: what run and replay share. The rules are compiled before
 * any sink opens, so broken rules never leave a half-started pipeline. Closing finishes the engine and then
 * closes the sinks (which drains the webhook).
 */
public final class Pipeline implements EventReceiver, AutoCloseable {
    private final Config config;
    private final RulePack rules;
    private final Sink sink;
    private final RuleEngine engine;
    private boolean closed;

    private Pipeline(Config config, RulePack rules, Sink sink) {
        this.config = config;
        this.rules = rules;
        this.sink = sink;
        this.engine = RuleEngine.fromConfig(rules, config, sink::accept);
    }

    /** Alerts go to {@code out}; sink messages (webhook retries, spool notes) to {@code err}. */
    public static Pipeline open(Config config, PrintStream out, PrintStream err) {
        RulePack rules = RulePack.load(config);
        Sink sink = SinkFactory.create(config, out, err, System.getenv());
        return new Pipeline(config, rules, sink);
    }

    /** The host name alerts carry: engine.hostname, or the kernel's host name. */
    public String hostname() {
        return Hostname.orLocal(config.string("engine.hostname"));
    }

    public Config config() {
        return config;
    }

    public RulePack rules() {
        return rules;
    }

    public RuleEngine engine() {
        return engine;
    }

    /** Where alerts go; also for alerts that do not come from rules (e.g. "Events dropped"). */
    public Sink sink() {
        return sink;
    }

    @Override
    public void event(Event e) {
        engine.event(e);
    }

    @Override
    public void clock(long nowNs) {
        engine.clock(nowNs);
    }

    /** Releases buffered events and fires what is due at the newest time seen. */
    public void finish() {
        engine.finish();
        sink.flush();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            engine.close();
        } finally {
            sink.close();
        }
    }
}
