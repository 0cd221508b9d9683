package dev.tally.core.problem;

/**
 * The root of Tally's domain errors. Each subclass is one category (invalid input, not found, conflict, ...);
 * the HTTP layer maps categories to status codes in one place, so domain code never mentions HTTP.
 */
public abstract class TallyException extends RuntimeException {
    protected TallyException(String message) {
        super(message);
    }

    protected TallyException(String message, Throwable cause) {
        super(message, cause);
    }
}
