package dev.tally.server.cli;

import dev.tally.core.problem.FieldError;

import java.time.Duration;
import java.util.List;

/**
 * A Tally API call that failed. The message is what a user should read: the problem's {@code detail} when the server
 * answered with problem JSON, otherwise a sentence saying what went wrong with which URL.
 */
public final class TallyApiException extends RuntimeException {
    /** {@link #status()} of a call that got no HTTP answer at all (refused, timed out, reset). */
    public static final int NO_ANSWER = 0;

    private final int status;
    private final List<FieldError> errors;
    private final Duration retryAfter;

    /**
     * An error answer, or a call without one.
     *
     * @param status     the HTTP status, or {@link #NO_ANSWER}
     * @param detail     the message for the user
     * @param errors     the problem's field errors, possibly empty
     * @param retryAfter the server's {@code Retry-After}, or null
     */
    public TallyApiException(int status, String detail, List<FieldError> errors, Duration retryAfter) {
        super(detail);
        this.status = status;
        this.errors = List.copyOf(errors);
        this.retryAfter = retryAfter;
    }

    /** A call that got no answer; {@code detail} says which server and why. */
    static TallyApiException noAnswer(String detail, Throwable cause) {
        TallyApiException e = new TallyApiException(NO_ANSWER, detail, List.of(), null);
        e.initCause(cause);
        return e;
    }

    public int status() {
        return status;
    }

    /** The problem's {@code errors[]}: field paths and messages that name the rule. */
    public List<FieldError> errors() {
        return errors;
    }

    /** How long the server asked to wait before retrying, or null when it did not say. */
    public Duration retryAfter() {
        return retryAfter;
    }
}
