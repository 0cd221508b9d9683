package dev.tally.core.problem;

import java.util.ArrayList;
import java.util.List;

/**
 * A collector of field problems, so that validation reports every problem of an input at once instead of
 * stopping at the first.
 */
public final class Problems {
    private final List<FieldError> errors = new ArrayList<>();

    /** Records that {@code field} breaks {@code rule}; the message reads {@code "field: rule"}. */
    public Problems add(String field, String rule) {
        errors.add(new FieldError(field, field + ": " + rule));
        return this;
    }

    /**
     * Records problems found inside a nested input, with {@code prefix} put before their field names (and before
     * the field name that opens each message).
     */
    public Problems addAll(String prefix, java.util.Collection<FieldError> nested) {
        for (FieldError e : nested) {
            String message = e.message().startsWith(e.field() + ": ")
                    ? e.message().substring(e.field().length() + 2) : e.message();
            add(prefix + e.field(), message);
        }
        return this;
    }

    public boolean isEmpty() {
        return errors.isEmpty();
    }

    public List<FieldError> list() {
        return List.copyOf(errors);
    }

    /** Throws a {@link ValidationException} with every recorded problem, if there is any. */
    public void throwIfAny(String summary) {
        if (!errors.isEmpty()) {
            throw new ValidationException(summary, list());
        }
    }
}
