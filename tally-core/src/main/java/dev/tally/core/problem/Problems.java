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

    /** Records every problem of another collector, with {@code prefix} put before its field names. */
    public Problems addAll(String prefix, Problems other) {
        for (FieldError e : other.errors) {
            add(prefix + e.field(), e.message().substring(e.field().length() + 2));
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
