package dev.tally.store;

/**
 * A JSON array of rows, each an array of strings and whole numbers, as SQLite's {@code json_each} reads it
 * ({@link UpsertSql#fromJson}). Reused from one execution to the next.
 */
final class JsonRows {
    private final StringBuilder json = new StringBuilder(1 << 16);
    private boolean firstRow = true;
    private boolean firstValue = true;

    /** Empties the array. */
    void clear() {
        json.setLength(0);
        firstRow = true;
    }

    /** Opens a row. */
    void startRow() {
        json.append(firstRow ? "[[" : ",[");
        firstRow = false;
        firstValue = true;
    }

    /** Closes the row opened last. */
    void endRow() {
        json.append(']');
    }

    /** Appends a whole number to the open row. */
    void number(long value) {
        separate();
        json.append(value);
    }

    /** Appends a string to the open row, escaped as JSON requires (quote, backslash, control characters). */
    void text(String value) {
        separate();
        json.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\') {
                json.append('\\').append(c);
            } else if (c < 0x20) {
                json.append("\\u00").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 0xf, 16));
            } else {
                json.append(c);
            }
        }
        json.append('"');
    }

    private void separate() {
        if (!firstValue) {
            json.append(',');
        }
        firstValue = false;
    }

    /** The array, closed. */
    @Override
    public String toString() {
        return json.isEmpty() ? "[]" : json + "]";
    }
}
