package dev.tally.server;

import dev.tally.server.cli.AlertsCommand;
import dev.tally.server.cli.DemoCommand;
import dev.tally.server.cli.ExportCommand;
import dev.tally.server.cli.ImportCommand;
import dev.tally.server.cli.LeftCommand;
import dev.tally.server.cli.PricesCommand;
import dev.tally.server.cli.ServeCommand;
import dev.tally.server.cli.UsageCommand;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Command;

/** The {@code tally} command: {@code serve}, {@code demo}, and the client commands. */
@Command(name = "tally", mixinStandardHelpOptions = true, version = "Tally 0.1.0",
        description = "Usage metering, quotas and rate limits for SaaS and AI products.",
        subcommands = {ServeCommand.class, DemoCommand.class, UsageCommand.class, AlertsCommand.class,
                ImportCommand.class, ExportCommand.class, PricesCommand.class, LeftCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        // Must run before the first logger is created: Logback reads its configuration once.
        if ("json".equalsIgnoreCase(System.getenv("TALLY_LOG_FORMAT"))
                && System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "logback-json.xml");
        }
        System.exit(commandLine(System.getenv()).execute(args));
    }

    /**
     * The {@code tally} command line. A command that fails says why in a few lines, without a stack trace: a server
     * that cannot start (a setting out of range, an invalid tally.yaml, Redis or PostgreSQL out of reach) is the
     * operator's to fix, and the first of 60 lines of trace was all they needed. {@code TALLY_LOG_LEVEL=DEBUG} (or
     * {@code TRACE}) adds the trace, and an exception without a message (a bug) always has it.
     */
    public static CommandLine commandLine(Map<String, String> env) {
        boolean trace = Set.of("DEBUG", "TRACE").contains(env.getOrDefault("TALLY_LOG_LEVEL", "").trim()
                .toUpperCase(Locale.ROOT));
        return new CommandLine(new Main()).setExecutionExceptionHandler((e, cl, parsed) -> {
            PrintWriter err = cl.getErr();
            StringBuilder said = new StringBuilder(describe(e));
            err.println("tally " + cl.getCommandName() + ": " + said);
            for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
                String message = describe(c);
                if (said.indexOf(message) < 0) { // causes often repeat their own cause's message
                    err.println("  caused by: " + message);
                    said.append('\n').append(message);
                }
            }
            if (trace || e.getMessage() == null) {
                e.printStackTrace(err);
            }
            err.flush();
            return cl.getCommandSpec().exitCodeOnExecutionException();
        });
    }

    private static String describe(Throwable t) {
        return t.getMessage() != null ? t.getMessage() : t.getClass().getName();
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
