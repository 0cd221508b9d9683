package dev.tally.server.cli;

/**
 * An event of an import file that was not recorded, and why.
 *
 * @param line    the line of the file it was on, counting from 1
 * @param message what is wrong, naming the field and the rule ({@code usage.input_tokens: must be >= 0, was -5})
 */
record Rejection(long line, String message) {
    @Override
    public String toString() {
        return "line " + line + ": " + message;
    }
}
