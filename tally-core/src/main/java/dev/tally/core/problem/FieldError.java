package dev.tally.core.problem;

/**
 * One problem with one input field: which field, and a message that names the rule and the value.
 *
 * @param field   dotted path of the field, e.g. {@code usage.input_tokens} or {@code events[3].customer}
 * @param message what is wrong, e.g. {@code "usage.input_tokens: must be >= 0, was -5"}
 */
public record FieldError(String field, String message) {
}
