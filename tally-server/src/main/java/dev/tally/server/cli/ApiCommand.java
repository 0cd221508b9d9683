package dev.tally.server.cli;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * The frame of every command that talks to a Tally server: the shared options, the output streams (picocli's, so
 * that tests capture them with {@code setOut}/{@code setErr}), and errors printed as one plain line with an exit
 * code instead of a stack trace: {@value #EXIT_FAILED} when the server refused or could not be reached, 2 (picocli's
 * usage error, from a {@code ParameterException}) when the command line itself is wrong.
 */
abstract class ApiCommand implements Callable<Integer> {
    /** Exit code of a command whose request failed (an API error, an unreachable server, a file error). */
    static final int EXIT_FAILED = 1;

    @Spec
    CommandSpec spec;

    @Mixin
    ClientOptions client;

    /** The environment the options fall back on; tests replace it. */
    Map<String, String> env = System.getenv();

    @Override
    public final Integer call() {
        TallyApiClient api = client.connect(env);
        try {
            return run(api);
        } catch (TallyApiException e) {
            err().println(e.getMessage());
            return EXIT_FAILED;
        } catch (IOException e) {
            err().println(describe(e));
            return EXIT_FAILED;
        } finally {
            out().flush();
            err().flush();
        }
    }

    /** The command's work, with a client for the chosen server; answers the exit code. */
    abstract int run(TallyApiClient api) throws IOException;

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    private static String describe(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file: " + e.getMessage();
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied: " + e.getMessage();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
