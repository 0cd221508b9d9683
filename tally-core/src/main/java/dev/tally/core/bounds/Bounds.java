package dev.tally.core.bounds;

import java.math.BigDecimal;

/**
 * The largest values Tally accepts from a client, and a cheap check that a decimal is small enough to compute with.
 *
 * <p>Why these numbers: quantities are summed as micros and money as nano-dollars, both in a {@code long}
 * (about 9.2 * 10^18). One event's quantity of a metric ({@value #MAX_QUANTITY_UNITS} units, 10^18 micros) and its
 * cost (one million USD, 10^15 nano-dollars) each fit with room to spare, far beyond any real call; a unit price of
 * at most one million USD keeps a price's product with a bounded quantity a finite, checkable number.
 */
public final class Bounds {
    /** Most digits a decimal may have before its point, and after it. */
    public static final int MAX_DIGITS = 40;
    /** Most units of one metric in one event (and in one authorization's estimate). */
    public static final long MAX_QUANTITY_UNITS = 1_000_000_000_000L;
    /** Most USD one event may cost, sent or priced. */
    public static final BigDecimal MAX_EVENT_COST_USD = BigDecimal.valueOf(1_000_000);
    /** {@link #MAX_EVENT_COST_USD} in nano-dollars. */
    public static final long MAX_EVENT_COST_NANOS = 1_000_000L * 1_000_000_000L;
    /** Most USD a price's {@code unit_price} may be. */
    public static final BigDecimal MAX_UNIT_PRICE_USD = BigDecimal.valueOf(1_000_000);
    /** Longest decimal string read (digits, point, sign and exponent): longer text is refused before parsing. */
    public static final int MAX_DECIMAL_TEXT = 2 * MAX_DIGITS + 10;

    private Bounds() {
    }

    /**
     * The rule a decimal breaks by its size alone, or null: more than {@value #MAX_DIGITS} digits before or after
     * the point. Looks only at precision and scale, so a value such as {@code 1e999999999} costs nothing to refuse.
     */
    public static String digitsProblem(BigDecimal value) {
        // precision - scale is the number of digits before the point (for a value >= 1); scale those after it.
        long before = (long) value.precision() - value.scale();
        if (before > MAX_DIGITS) {
            return "must have at most " + MAX_DIGITS + " digits before the decimal point, was " + show(value);
        }
        if (value.scale() > MAX_DIGITS && value.stripTrailingZeros().scale() > MAX_DIGITS) {
            return "must have at most " + MAX_DIGITS + " digits after the decimal point, was " + show(value);
        }
        return null;
    }

    /**
     * A decimal as error messages show it: plain when that is short, otherwise in scientific notation, so that a
     * message about {@code 1e999999999} is not a billion characters long.
     */
    public static String show(BigDecimal value) {
        long before = (long) value.precision() - value.scale();
        if (before <= MAX_DIGITS && value.scale() <= MAX_DIGITS && value.precision() <= 2 * MAX_DIGITS) {
            return value.toPlainString();
        }
        String text = value.toString();
        return text.length() > 60 ? text.substring(0, 30) + "..." + text.substring(text.length() - 20) : text;
    }

    /**
     * {@code a + b} for non-negative sums, or {@link Long#MAX_VALUE} when that exceeds a long: what reads use to add
     * stored sums together, so that a report shows the largest value it can rather than failing.
     */
    public static long saturatedSum(long a, long b) {
        long sum = a + b;
        return sum < 0 && a >= 0 && b >= 0 ? Long.MAX_VALUE : sum;
    }

    /** Text as error messages show it: at most 60 characters. */
    public static String show(String text) {
        return text.length() > 60 ? text.substring(0, 40) + "...(" + text.length() + " characters)" : text;
    }
}
