package dev.tally.core.store;

import dev.tally.core.problem.TallyException;

/**
 * An append was refused, and nothing of it written, because a sum it adds to would exceed what a stored sum holds
 * (a long of micros or nano-dollars). Not a failure of the store: the same events can never be written, so callers
 * refuse them (the group-commit writer finds which by writing the batch in parts) instead of asking for a retry.
 */
public final class SumBoundException extends TallyException {
    public SumBoundException(String message, Throwable cause) {
        super(message, cause);
    }
}
