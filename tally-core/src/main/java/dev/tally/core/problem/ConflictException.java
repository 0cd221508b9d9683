package dev.tally.core.problem;

/** The request is well formed but clashes with the current state, e.g. deleting a plan that customers use. */
public final class ConflictException extends TallyException {
    public ConflictException(String message) {
        super(message);
    }
}
