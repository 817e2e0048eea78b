package dev.forkwatch.cli;

import dev.forkwatch.config.Config;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Where the rules and config come from: what every command that loads rules takes. */
public final class RuleOptions {
    @Option(names = "--rules", paramLabel = "PATH",
            description = "DRL rule file or directory (repeatable). Default: the embedded rule pack.")
    List<Path> rules = new ArrayList<>();

    @Option(names = "--config", paramLabel = "FILE", description = "YAML config laid over the embedded default.")
    Path config;

    /** The embedded defaults, the --config file, then --rules, in that order of precedence. */
    public Config config() {
        Config c = config == null ? Config.defaults() : Config.load(config);
        if (!rules.isEmpty()) {
            c = c.with("rules.paths", rules.stream().map(Path::toString).toList(), "--rules");
        }
        return c;
    }
}
