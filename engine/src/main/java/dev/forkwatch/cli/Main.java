package dev.forkwatch.cli;

import dev.forkwatch.config.ConfigException;
import dev.forkwatch.live.ProbeException;
import dev.forkwatch.rules.RuleCompileException;
import dev.forkwatch.sink.SinkException;
import dev.forkwatch.source.TraceFormatException;
import java.io.PrintStream;
import java.io.PrintWriter;
import picocli.CommandLine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;

/** The forkwatch command line. Exit codes: {@link ExitCode}. */
@Command(name = "forkwatch", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Rule-based detection of risky vfork patterns on Linux hosts.",
        subcommands = {RunCommand.class, ReplayCommand.class, CheckCommand.class, TestRulesCommand.class,
                CommandLine.HelpCommand.class},
        footer = {"", "Exit codes: 0 ok, 1 test-rules: a case failed, 2 bad input (trace, rules, config, arguments),",
                "3 host cannot run live probes, 4 alerts left undelivered in the spool, 5 alerts lost,",
                "6 halted after the SIGTERM grace period, 70 internal error."})
public final class Main implements Runnable {
    final PrintStream out;
    final PrintStream err;

    Main(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        Logger log = LoggerFactory.getLogger(Main.class);
        if (log.isDebugEnabled()) { // where start-up goes: docs/performance.md
            log.debug("start-up: process start (launcher, JVM) to main {} ms", sinceProcessStartMs());
        }
        int code = execute(System.out, System.err, args);
        if (log.isDebugEnabled()) {
            log.debug("start-up: exit after {} ms", java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime());
        }
        System.exit(code);
    }

    /**
     * Milliseconds since this process was forked (the launcher script, then the JVM, under one pid), both times
     * from boot in 10 ms ticks: /proc/self/stat's starttime and /proc/uptime. (ProcessHandle's start instant
     * adds the boot time, which /proc/stat gives in whole seconds: up to a second off.) -1 when unknown.
     */
    private static long sinceProcessStartMs() {
        try {
            String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long startTicks = Long.parseLong(f[19]); // field 22 of stat; f[0] is field 3
            double uptime = Double.parseDouble(java.nio.file.Files.readString(java.nio.file.Path.of("/proc/uptime")).split(" ")[0]);
            return Math.round(uptime * 1000) - startTicks * 10; // USER_HZ is 100 on Linux
        } catch (java.io.IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Runs the command line and returns the exit code; alerts go to {@code out}, messages to {@code err}. */
    public static int execute(PrintStream out, PrintStream err, String... args) {
        return execute(new Main(out, err), out, err, args);
    }

    /**
     * Runs {@code command} (a picocli command, such as the benchmarks' in their own module) with forkwatch's
     * error handling: messages prefixed "forkwatch: ", exceptions mapped to {@link ExitCode}s.
     */
    public static int execute(Object command, PrintStream out, PrintStream err, String... args) {
        CommandLine cl = new CommandLine(command);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            int code = codeFor(ex);
            if (code == ExitCode.INTERNAL) {
                err.println("forkwatch: internal error (a bug; please report it with this trace): " + ex);
                ex.printStackTrace(err);
                return code;
            }
            err.println("forkwatch: " + String.valueOf(ex.getMessage()).replace("\n", "\nforkwatch: "));
            return code;
        });
        cl.setParameterExceptionHandler((ex, a) -> {
            err.println("forkwatch: " + ex.getMessage());
            // qualifiedName: "forkwatch" or "forkwatch replay", never "forkwatch forkwatch"
            err.println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
            return ExitCode.BAD_INPUT;
        });
        int code = cl.execute(args);
        out.flush();
        return code;
    }

    static int codeFor(Exception ex) {
        if (ex instanceof ExitException ee) {
            return ee.code();
        }
        if (ex instanceof ProbeException) {
            return ExitCode.ENVIRONMENT;
        }
        if (ex instanceof SinkException se) {
            return switch (se.kind()) {
                case BAD_SETTING -> ExitCode.BAD_INPUT;
                case UNUSABLE -> ExitCode.ENVIRONMENT;
                case ALERTS_LOST -> ExitCode.ALERTS_LOST;
            };
        }
        if (ex instanceof ConfigException || ex instanceof RuleCompileException || ex instanceof TraceFormatException) {
            return ExitCode.BAD_INPUT;
        }
        return ExitCode.INTERNAL;
    }

    @Override
    public void run() {
        new CommandLine(this).usage(out);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"forkwatch " + (v == null ? "dev" : v)};
        }
    }
}
