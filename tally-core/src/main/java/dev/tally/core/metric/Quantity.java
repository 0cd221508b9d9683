package dev.tally.core.metric;

import dev.tally.core.bounds.Bounds;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Exact non-negative quantities of a metric, held as whole millionths ("micros").
 *
 * <p>Token, character and request counts are integers, but seconds of audio or compute units are not; six decimal
 * places cover microseconds and are summed exactly as integers in SQL. More decimal places are rejected rather than
 * rounded, so what was sent is what is counted.
 */
public final class Quantity {
    /** Decimal places kept. */
    public static final int SCALE = 6;
    /** Micros in one unit. */
    public static final long ONE = 1_000_000L;
    /** Most micros of one metric in one event or estimate: {@link Bounds#MAX_QUANTITY_UNITS} units. */
    public static final long MAX_EVENT_MICROS = Bounds.MAX_QUANTITY_UNITS * ONE;

    private Quantity() {
    }

    /** Micros of a whole number of units. */
    public static long ofUnits(long units) {
        return Math.multiplyExact(units, ONE);
    }

    /**
     * Micros of an exact decimal value.
     *
     * @throws IllegalArgumentException naming the rule if the value is negative, too precise or too large
     */
    public static long toMicros(BigDecimal value) {
        String digits = Bounds.digitsProblem(value); // before any arithmetic: 1e999999999 must not be expanded
        if (digits != null) {
            throw new IllegalArgumentException(digits);
        }
        if (value.signum() < 0) {
            throw new IllegalArgumentException("must be >= 0, was " + Bounds.show(value));
        }
        if (value.stripTrailingZeros().scale() > SCALE) {
            throw new IllegalArgumentException(
                    "must have at most " + SCALE + " decimal places, was " + Bounds.show(value));
        }
        try {
            return value.setScale(SCALE, RoundingMode.UNNECESSARY).unscaledValue().longValueExact();
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("is too large, was " + Bounds.show(value));
        }
    }

    /**
     * Micros of one metric's quantity in one event or estimate, checked against {@link Bounds#MAX_QUANTITY_UNITS}.
     *
     * @throws IllegalArgumentException naming the rule if {@link #toMicros} refuses it or it exceeds the bound
     */
    public static long eventMicros(BigDecimal value) {
        long micros = toMicros(value);
        if (micros > MAX_EVENT_MICROS) {
            throw new IllegalArgumentException("must be at most " + Bounds.MAX_QUANTITY_UNITS
                    + " in one event, was " + Bounds.show(value));
        }
        return micros;
    }

    public static BigDecimal toDecimal(long micros) {
        return BigDecimal.valueOf(micros, SCALE).stripTrailingZeros();
    }

    /** A JSON-ready number: a {@code Long} when whole, else an exact {@code BigDecimal}. */
    public static Number toNumber(long micros) {
        if (micros % ONE == 0) {
            return micros / ONE;
        }
        return BigDecimal.valueOf(micros, SCALE).stripTrailingZeros();
    }
}
