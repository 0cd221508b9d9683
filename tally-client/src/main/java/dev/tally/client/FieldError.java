package dev.tally.client;

/**
 * One problem with one field of a request, as the server reported it.
 *
 * @param field   the field's path, e.g. {@code usage.input_tokens}, or {@code [3].customer} for item 3 of a batch
 * @param message what is wrong, naming the field, the rule and the value
 */
public record FieldError(String field, String message) {
}
