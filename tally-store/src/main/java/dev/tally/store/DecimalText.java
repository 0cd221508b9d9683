package dev.tally.store;

import java.math.BigDecimal;

/**
 * Exact decimals (limit amounts, unit prices) as stored text. Text, not a floating or database-specific decimal
 * column, so that the value and its scale read back identical on every backend: {@code "12.500"} stays
 * {@code 12.500}.
 */
final class DecimalText {
    private DecimalText() {
    }

    /** The stored form: plain notation, so that an operator reads {@code 0.0000005}, not {@code 5E-7}. */
    static String format(BigDecimal value) {
        if (value == null) {
            return null;
        }
        // Plain notation drops a negative scale (1E+3 would read back as 1000, scale 0); only then keep exponent.
        return value.scale() < 0 ? value.toString() : value.toPlainString();
    }

    static BigDecimal parse(String text) {
        return text == null ? null : new BigDecimal(text);
    }
}
