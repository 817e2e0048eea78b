package dev.forkwatch.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The forkwatch command line. */
@Command(name = "forkwatch", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Rule-based detection of risky vfork patterns on Linux hosts.",
        subcommands = {CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns the exit code (tests call this). */
    public static int execute(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof ExitException ee) {
                cmd.getErr().println("forkwatch: " + ee.getMessage());
                return ee.code();
            }
            throw ex;
        });
        cl.setParameterExceptionHandler((ex, a) -> {
            ex.getCommandLine().getErr().println("forkwatch: " + ex.getMessage());
            ex.getCommandLine().getErr().println("Try 'forkwatch " + ex.getCommandLine().getCommandName() + " --help'.");
            return ExitCode.BAD_INPUT;
        });
        return cl.execute(args);
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"forkwatch " + (v == null ? "dev" : v)};
        }
    }
}
