package dev.tally.core.problem;

/**
 * One problem with one input field: which field, and a message that names the rule and the value.
 *
 * @param field   dotted path of the field, e.g. {@code usage.input_tokens} or {@code [3].customer} (the fourth item of a batch)
 * @param message what is wrong, e.g. {@code "usage.input_tokens: must be >= 0, was -5"}
 */
public record FieldError(String field, String message) {
}
