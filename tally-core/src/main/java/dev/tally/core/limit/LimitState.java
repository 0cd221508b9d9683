package dev.tally.core.limit;

import dev.tally.core.period.Period;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * A limit and how much of it is used in its current window.
 *
 * @param limit     the limit
 * @param window    the window the usage was counted in
 * @param used      exact usage in the limit's unit (USD for cost)
 * @param remaining what is left, never below 0; null when unlimited
 * @param percent   used as a percentage of the amount, one decimal, half-up; null when unlimited
 * @param status    ok / warning / critical / exceeded, from the exact ratio
 */
public record LimitState(Limit limit, Period window, BigDecimal used, BigDecimal remaining, BigDecimal percent,
                         LimitStatus status) {
    private static final BigDecimal HUNDRED = BigDecimal.valueOf(100);

    /** Evaluates {@code used} against the limit. */
    public static LimitState of(Limit limit, Period window, BigDecimal used) {
        BigDecimal amount = limit.amount();
        if (amount == null) {
            return new LimitState(limit, window, used, null, null, LimitStatus.OK);
        }
        BigDecimal remaining = amount.subtract(used).max(BigDecimal.ZERO);
        BigDecimal percent;
        if (amount.signum() == 0) {
            // Nothing is allowed: any use is fully over, no use is at 0%.
            percent = used.signum() == 0 ? BigDecimal.ZERO.setScale(1) : HUNDRED.setScale(1);
        } else {
            percent = used.multiply(HUNDRED).divide(amount, 1, RoundingMode.HALF_UP);
        }
        LimitStatus status = amount.signum() == 0 && used.signum() == 0 ? LimitStatus.OK
                : LimitStatus.of(used, amount);
        return new LimitState(limit, window, used, remaining, percent, status);
    }

    /** When the window resets. */
    public java.time.Instant resetsAt() {
        return window.end();
    }
}
