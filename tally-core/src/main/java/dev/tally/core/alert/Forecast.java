package dev.tally.core.alert;

import dev.tally.core.period.Period;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The linear burn-rate projection of {@link AlertSettings.ForecastRule}: at the pace of the elapsed part of the
 * period, {@code used} reaches {@code amount} at {@code start + elapsed x amount / used}.
 */
final class Forecast {
    private Forecast() {
    }

    /**
     * When the limit runs out at the current pace, if that is before the period ends and the rule trusts the
     * projection (enough of the period elapsed, enough used, not used up already); else empty.
     */
    static Optional<Instant> exhaustion(Period period, BigDecimal used, BigDecimal amount, Instant now,
                                        AlertSettings.ForecastRule rule) {
        if (amount == null || amount.signum() <= 0 || used.signum() <= 0 || used.compareTo(amount) >= 0) {
            return Optional.empty();
        }
        long elapsedMs = Duration.between(period.start(), now).toMillis();
        if (elapsedMs < rule.minElapsed().toMillis()
                || used.multiply(BigDecimal.valueOf(100)).compareTo(amount.multiply(
                BigDecimal.valueOf(rule.minPercent()))) < 0) {
            return Optional.empty();
        }
        long toExhaustMs = BigDecimal.valueOf(elapsedMs).multiply(amount).divide(used, 0, RoundingMode.CEILING)
                .min(BigDecimal.valueOf(Long.MAX_VALUE / 2)).longValue();
        Instant at = period.start().plusMillis(toExhaustMs);
        return at.isBefore(period.end()) ? Optional.of(at) : Optional.empty();
    }
}
