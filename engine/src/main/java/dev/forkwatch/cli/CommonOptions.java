package dev.forkwatch.cli;

import dev.forkwatch.config.Config;
import java.nio.file.Path;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Options shared by run and replay: where the rules and config come from, and where alerts go. */
public final class CommonOptions {
    @Mixin
    RuleOptions ruleOptions;

    @Option(names = "--output", paramLabel = "FORMAT", description = "Alert format on stdout: text or json (Falco JSON lines).")
    String output;

    @Option(names = "--webhook", paramLabel = "URL", description = "Also POST each alert to this URL (outputs.webhook.url).")
    String webhook;

    @Option(names = "--spool-dir", paramLabel = "DIR", description = "Where undelivered webhook alerts are kept (outputs.webhook.spool_dir).")
    Path spoolDir;

    @Option(names = "--drain-timeout", paramLabel = "DURATION",
            description = "How long to wait at exit for webhook delivery, e.g. 2s, 500ms (outputs.webhook.drain_timeout).")
    String drainTimeout;

    /** The config file read, or null (see {@link RuleOptions#configFile}). */
    public Path configFile() {
        return ruleOptions.configFile();
    }

    /** The embedded defaults, the --config file, then these options, in that order of precedence. */
    public Config config() {
        Config c = ruleOptions.config();
        if (output != null) {
            c = c.withText("output.format", output, "--output");
        }
        if (webhook != null) {
            c = c.with("outputs.webhook.url", webhook, "--webhook");
        }
        if (spoolDir != null) {
            c = c.with("outputs.webhook.spool_dir", spoolDir.toString(), "--spool-dir");
        }
        if (drainTimeout != null) {
            c = c.withText("outputs.webhook.drain_timeout", drainTimeout, "--drain-timeout");
        }
        return c;
    }
}
