package dev.tally.client;

import java.math.BigDecimal;
import java.math.BigInteger;

/** Quantities and money on the wire: exact decimals, never binary floating point. */
final class Numbers {
    private Numbers() {
    }

    /** Rejects NaN and infinities at the edge, naming the metric, rather than as a 400 from the server. */
    static void requireFinite(String metric, Number value) {
        if (value == null) {
            throw new NullPointerException(metric + ": quantity is null");
        }
        if ((value instanceof Double || value instanceof Float) && !Double.isFinite(value.doubleValue())) {
            throw new IllegalArgumentException(metric + ": must be a finite number, was " + value);
        }
    }

    /**
     * The exact decimal of a number. A {@code double} or {@code float} becomes its shortest decimal form ({@code 1.5}, not
     * {@code 1.5000000000000000277...}), which is what the caller wrote.
     */
    static BigDecimal toDecimal(Number value) {
        if (value instanceof BigDecimal d) {
            return d;
        }
        if (value instanceof BigInteger i) {
            return new BigDecimal(i);
        }
        if (value instanceof Float f) {
            return new BigDecimal(Float.toString(f));
        }
        if (value instanceof Double d) {
            return new BigDecimal(Double.toString(d));
        }
        return BigDecimal.valueOf(value.longValue());
    }
}
