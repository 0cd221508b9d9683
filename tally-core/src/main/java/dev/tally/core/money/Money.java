package dev.tally.core.money;

import dev.tally.core.bounds.Bounds;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * An exact amount of US dollars, held as a whole number of nano-dollars (10^-9 USD).
 *
 * <p>Why nano-dollars: list prices go down to fractions of a micro-dollar per token ({@code "0.0000005"}), and sums of
 * a month of events must agree with the totals to the last digit. A {@code long} of nano-dollars covers
 * +-9.2 billion USD, sums exactly in SQL, and is cheap to add on the hot path. Every event's cost is rounded once,
 * half-even, to nine decimal places when it is priced ({@link #ofRounded}); everything after that is integer
 * addition, so totals are exact sums of the stored event costs.
 */
public record Money(long nanos) implements Comparable<Money> {
    /** Decimal places kept: nano-dollars. */
    public static final int SCALE = 9;
    public static final Money ZERO = new Money(0);

    public static Money ofNanos(long nanos) {
        return new Money(nanos);
    }

    /**
     * The amount rounded half-even to nine decimal places: the one rounding step of Tally's money arithmetic.
     *
     * @throws ArithmeticException if the amount does not fit in a long of nano-dollars
     */
    public static Money ofRounded(BigDecimal usd) {
        if ((long) usd.precision() - usd.scale() > 19) {
            // Refused before rounding: setScale on a value such as 1e999999999 would expand it digit by digit.
            throw new ArithmeticException("USD " + Bounds.show(usd) + " does not fit in a long of nano-dollars");
        }
        return new Money(usd.setScale(SCALE, RoundingMode.HALF_EVEN).unscaledValue().longValueExact());
    }

    /**
     * Parses a decimal string such as {@code "31.20"} exactly.
     *
     * @throws IllegalArgumentException if it is not a plain decimal, is negative, or has more than nine decimals
     */
    public static Money parse(String text) {
        if (text.length() > Bounds.MAX_DECIMAL_TEXT) {
            throw new IllegalArgumentException("must be a decimal string of at most " + Bounds.MAX_DECIMAL_TEXT
                    + " characters, was " + text.length() + " characters long");
        }
        BigDecimal value;
        try {
            value = new BigDecimal(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("must be a decimal string such as \"12.50\", was \""
                    + Bounds.show(text) + "\"");
        }
        String digits = Bounds.digitsProblem(value);
        if (digits != null) {
            throw new IllegalArgumentException(digits);
        }
        if (value.signum() < 0) {
            throw new IllegalArgumentException("must be >= 0, was " + text);
        }
        if (value.stripTrailingZeros().scale() > SCALE) {
            throw new IllegalArgumentException("must have at most " + SCALE + " decimal places, was " + text);
        }
        try {
            return new Money(value.setScale(SCALE, RoundingMode.UNNECESSARY).unscaledValue().longValueExact());
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("is too large, was " + text);
        }
    }

    /**
     * Parses the cost of one event (or one authorization's estimate): {@link #parse}, and at most
     * {@link Bounds#MAX_EVENT_COST_USD} USD.
     *
     * @throws IllegalArgumentException naming the rule the text breaks
     */
    public static Money parseEventCost(String text) {
        Money cost = parse(text);
        if (cost.nanos > Bounds.MAX_EVENT_COST_NANOS) {
            throw new IllegalArgumentException("must be at most " + Bounds.MAX_EVENT_COST_USD.toPlainString()
                    + " USD for one event, was " + text);
        }
        return cost;
    }

    public Money plus(Money other) {
        return new Money(Math.addExact(nanos, other.nanos));
    }

    public BigDecimal toBigDecimal() {
        return BigDecimal.valueOf(nanos, SCALE);
    }

    /**
     * The amount as the API shows it: no trailing zeros beyond cents, so {@code 31.2} is {@code "31.20"} and
     * half a micro-dollar is {@code "0.0000005"}.
     */
    public String toPlainString() {
        BigDecimal stripped = toBigDecimal().stripTrailingZeros();
        return stripped.setScale(Math.max(2, stripped.scale())).toPlainString();
    }

    @Override
    public int compareTo(Money other) {
        return Long.compare(nanos, other.nanos);
    }

    @Override
    public String toString() {
        return "$" + toPlainString();
    }
}
