package dev.tally.core.store;

import dev.tally.core.problem.TallyException;

/** The store failed to do what was asked (I/O, database unavailable, constraint broken unexpectedly). */
public final class StoreException extends TallyException {
    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
