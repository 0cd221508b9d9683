package dev.tally.core.problem;

/** The named resource does not exist (or is not visible to the caller). */
public final class NotFoundException extends TallyException {
    public NotFoundException(String what, String id) {
        super(what + " '" + id + "' does not exist");
    }
}
