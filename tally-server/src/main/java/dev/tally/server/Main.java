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
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
