package dev.forkwatch.cli;

import dev.forkwatch.config.Config;
import dev.forkwatch.rules.RulePack;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

/** Compiles the rules and reports every problem as file:line:column: message. */
@Command(name = "check", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Check the config and rules as run would (compile, then a smoke trace); report problems as file:line:column: message.")
final class CheckCommand implements java.util.concurrent.Callable<Integer> {
    @ParentCommand
    Main main;

    @Mixin
    RuleOptions options;

    @Override
    public Integer call() {
        Config config = options.config();
        RunCommand.checkSettings(config, main.err);
        RulePack pack = Pipeline.loadRules(config, main.err);
        main.err.println("forkwatch: " + pack.ruleNames().size() + " rule(s) OK");
        for (String n : pack.ruleNames()) {
            main.out.println(n);
        }
        return ExitCode.OK;
    }
}
