package dev.tally.server.cli;

import dev.tally.server.Main;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;

/**
 * The {@code tally} command line run in-process, as a user would type it: stdout and stderr captured, the exit code
 * returned, and an environment of the test's choosing (empty by default, so the machine's {@code TALLY_*} variables
 * never leak in).
 */
final class Cli {
    private final CommandLine commandLine = Main.commandLine(Map.of());
    private Map<String, String> env = Map.of();

    /** What one run printed and returned. */
    record Result(int exitCode, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    Cli env(Map<String, String> environment) {
        this.env = environment;
        return this;
    }

    /** The object behind a subcommand, to adjust what a test may (page size, sleeper). */
    <T> T command(String name, Class<T> type) {
        return type.cast(commandLine.getSubcommands().get(name).getCommand());
    }

    Result run(String... args) {
        commandLine.getSubcommands().values().forEach(sub -> {
            if (sub.getCommand() instanceof ApiCommand api) {
                api.env = env;
            }
        });
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        int code = commandLine.execute(args);
        return new Result(code, normalize(out), normalize(err));
    }

    private static String normalize(StringWriter w) {
        // println writes the platform's line end; the expected texts use \n.
        return w.toString().replace(System.lineSeparator(), "\n");
    }
}
