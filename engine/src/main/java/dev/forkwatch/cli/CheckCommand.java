package dev.forkwatch.cli;

import dev.forkwatch.rules.RulePack;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

/** Compiles the rules and reports every problem as file:line:column: message. */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = "Compile the rules (and config) and report problems as file:line:column: message.")
final class CheckCommand implements java.util.concurrent.Callable<Integer> {
    @ParentCommand
    Main main;

    @Mixin
    RuleOptions options;

    @Override
    public Integer call() {
        RulePack pack = RulePack.load(options.config());
        main.err.println("forkwatch: " + pack.ruleNames().size() + " rule(s) OK");
        for (String n : pack.ruleNames()) {
            main.out.println(n);
        }
        return ExitCode.OK;
    }
}
