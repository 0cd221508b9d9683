package dev.tally.core.store;

import dev.tally.core.problem.TallyException;

/** The store failed to do what was asked (I/O, database unavailable, constraint broken unexpectedly). */
public final class StoreException extends TallyException {
    private final boolean unreachable;

    public StoreException(String message, Throwable cause) {
        this(message, cause, false);
    }

    /**
     * @param unreachable whether the database could not be reached at all (no connection, connection lost): then
     *                    nothing that needs it can succeed until it is back, whatever the request
     */
    public StoreException(String message, Throwable cause, boolean unreachable) {
        super(message, cause);
        this.unreachable = unreachable;
    }

    /** Whether the database could not be reached, rather than refusing this particular work. */
    public boolean unreachable() {
        return unreachable;
    }
}
