package dev.tally.core.problem;

import java.util.List;

/** Input broke one or more rules; carries every field problem found. Nothing was changed. */
public final class ValidationException extends TallyException {
    private final List<FieldError> errors;

    public ValidationException(String summary, List<FieldError> errors) {
        super(summary);
        this.errors = List.copyOf(errors);
    }

    /** A single-field problem. */
    public static ValidationException of(String field, String rule) {
        return new ValidationException("Invalid request", new Problems().add(field, rule).list());
    }

    public List<FieldError> errors() {
        return errors;
    }
}
