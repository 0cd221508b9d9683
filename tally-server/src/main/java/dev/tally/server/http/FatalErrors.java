package dev.tally.server.http;

import io.javalin.router.exception.JavaLangErrorHandler;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintStream;
import java.util.function.BiConsumer;

/**
 * Answers a request that failed with a {@link Error} (a class that cannot be loaded, memory exhausted): 500, and one
 * attempt to say so in the log. Handling such an error must not fail the same way again: when the jar a server runs
 * was rewritten under it, loading the logger's or Jetty's error-page classes throws {@link NoClassDefFoundError}
 * too, and an error thrown here went back to Jetty, whose error handling looped on it with a thread at 100% CPU
 * (issue 15.1). So every step here is tried once, a failing log falls back to one line on standard error built only
 * from classes already loaded, and nothing is ever thrown back.
 */
public final class FatalErrors implements JavaLangErrorHandler {
    private static final Logger LOG = LoggerFactory.getLogger(FatalErrors.class);

    private final BiConsumer<String, Throwable> log;
    private final PrintStream fallback;

    /** Logs through SLF4J, falling back to standard error. */
    public FatalErrors() {
        this(LOG::error, System.err);
    }

    /** For tests: the log to try and the stream used when it fails. */
    FatalErrors(BiConsumer<String, Throwable> log, PrintStream fallback) {
        this.log = log;
        this.fallback = fallback;
    }

    @Override
    public void handle(HttpServletResponse response, Error error) {
        try {
            response.setStatus(500);
        } catch (Throwable ignored) {
            // Nothing more can be done for this request; Jetty closes it.
        }
        report(log, fallback, describe(error), error);
    }

    /**
     * Logs {@code message} once; if logging itself fails, prints one line to {@code fallback} instead and returns.
     * Never throws.
     */
    static void report(BiConsumer<String, Throwable> log, PrintStream fallback, String message, Throwable error) {
        try {
            log.accept(message, error);
        } catch (Throwable logFailed) {
            try {
                fallback.println("tally: " + message + ": " + error + " (logging it failed too: " + logFailed + ")");
            } catch (Throwable ignored) {
                // Standard error is gone as well: there is no one left to tell.
            }
        }
    }

    private static String describe(Error error) {
        return error instanceof LinkageError
                ? "Fatal error while serving a request; a class could not be loaded (was the server's jar "
                + "rewritten under it? start the server from a copy, as ./tally does, and restart it)"
                : "Fatal error while serving a request";
    }
}
