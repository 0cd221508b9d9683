package dev.tally.core.metric;

import dev.tally.core.money.Money;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * The unit a metric is counted in, and how its amounts are held in a {@code long}: {@code requests} and
 * {@code concurrent_requests} in whole calls,
 * {@code cost} in nano-dollars, every other metric (tokens, seconds, custom ones) in micros of a unit.
 *
 * <p>Why one type: limits, counters, denials, alerts, headers and JSON all turn a metric's amount into its stored
 * long and back, and each used to decide by comparing the metric's name; this is the one place that decides.
 */
public enum MetricUnit {
    /** {@code requests} and {@code concurrent_requests}: one per call, held as a whole count. */
    CALLS,
    /** {@code cost}: US dollars, held in nano-dollars ({@link Money}). */
    NANO_DOLLARS,
    /** Every other metric: quantities held in micros ({@link Quantity}). */
    MICROS;

    /** The unit of {@code metric}. */
    public static MetricUnit of(String metric) {
        if (Metrics.REQUESTS.equals(metric) || Metrics.CONCURRENT_REQUESTS.equals(metric)) {
            return CALLS;
        }
        return Metrics.COST.equals(metric) ? NANO_DOLLARS : MICROS;
    }

    /** Whether amounts are money (USD), written as decimal strings rather than numbers. */
    public boolean isMoney() {
        return this == NANO_DOLLARS;
    }

    /**
     * An amount (a limit's) in this unit's stored long: whole calls rounded down, nano-dollars rounded as
     * {@link Money#ofRounded}, micros exactly ({@link Quantity#toMicros} throws beyond what a long holds).
     */
    public long toStored(BigDecimal amount) {
        return switch (this) {
            case CALLS -> amount.setScale(0, RoundingMode.FLOOR).longValueExact();
            case NANO_DOLLARS -> Money.ofRounded(amount).nanos();
            case MICROS -> Quantity.toMicros(amount);
        };
    }

    /** A stored long as an exact decimal in this unit (USD for money), without trailing zeros. */
    public BigDecimal toDecimal(long stored) {
        return switch (this) {
            case CALLS -> BigDecimal.valueOf(stored);
            case NANO_DOLLARS -> Money.ofNanos(stored).toBigDecimal().stripTrailingZeros();
            case MICROS -> Quantity.toDecimal(stored);
        };
    }
}
