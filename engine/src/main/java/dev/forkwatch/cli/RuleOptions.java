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

    @Option(names = "--config", paramLabel = "FILE", description = "YAML config laid over the embedded default "
            + "(default: the system property forkwatch.config, which the Debian package's /usr/bin/forkwatch sets to "
            + "/etc/forkwatch/forkwatch.yaml).")
    Path config;

    /** The --config file, or the packaged system config, or null. */
    public Path configFile() {
        String packaged = System.getProperty("forkwatch.config");
        return config != null ? config : packaged == null || packaged.isEmpty() ? null : Path.of(packaged);
    }

    /** The embedded defaults, the --config file (or the packaged system config), then --rules, in that order. */
    public Config config() {
        Path file = configFile();
        Config c = file == null ? Config.defaults() : Config.load(file);
        if (!rules.isEmpty()) {
            c = c.with("rules.paths", rules.stream().map(Path::toString).toList(), "--rules");
        }
        return c;
    }
}
