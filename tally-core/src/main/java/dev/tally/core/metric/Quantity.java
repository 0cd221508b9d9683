package dev.tally.core.metric;

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
        if (value.signum() < 0) {
            throw new IllegalArgumentException("must be >= 0, was " + value.toPlainString());
        }
        if (value.stripTrailingZeros().scale() > SCALE) {
            throw new IllegalArgumentException(
                    "must have at most " + SCALE + " decimal places, was " + value.toPlainString());
        }
        try {
            return value.setScale(SCALE, RoundingMode.UNNECESSARY).unscaledValue().longValueExact();
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("is too large, was " + value.toPlainString());
        }
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
