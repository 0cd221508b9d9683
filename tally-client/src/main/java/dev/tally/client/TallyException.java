package dev.tally.client;

import java.util.List;

/**
 * A Tally call that failed: the server answered an error, or did not answer at all.
 *
 * <p>The message is what a person should read: the problem's {@code detail} when the server answered with problem
 * JSON, else a sentence naming the URL and what went wrong. A call that got no answer (refused, timed out, reset)
 * has {@link #status()} {@link #NO_ANSWER} and the I/O error as its cause.
 */
public final class TallyException extends RuntimeException {
    /** {@link #status()} of a call that got no HTTP answer. */
    public static final int NO_ANSWER = 0;

    private final int status;
    private final List<FieldError> errors;

    /**
     * An error answer or a call without one.
     *
     * @param status the HTTP status, or {@link #NO_ANSWER}
     * @param detail the message for a person
     * @param errors the problem's field errors, possibly empty
     * @param cause  the underlying failure, or null
     */
    public TallyException(int status, String detail, List<FieldError> errors, Throwable cause) {
        super(detail, cause);
        this.status = status;
        this.errors = List.copyOf(errors);
    }

    /** The HTTP status of the answer, or {@link #NO_ANSWER}. */
    public int status() {
        return status;
    }

    /** The problem's {@code errors[]}: one entry per field that broke a rule; empty for other problems. */
    public List<FieldError> errors() {
        return errors;
    }

    /**
     * Whether sending the same request again may succeed: no answer, a timeout (408), too many requests (429) or a
     * server error (5xx). A 4xx other than those will fail again the same way.
     */
    public boolean isRetryable() {
        return status == NO_ANSWER || status == 408 || status == 429 || status >= 500;
    }
}
