package dev.tally.core.problem;

/** Tally cannot take the request right now (the store failed, or the server is shutting down); retry later. */
public final class UnavailableException extends TallyException {
    public UnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
