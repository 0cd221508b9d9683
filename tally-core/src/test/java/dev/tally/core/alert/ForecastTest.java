package dev.tally.core.alert;

import dev.tally.core.period.Period;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class ForecastTest {
    private static final Period NOVEMBER = new Period(Instant.parse("2026-11-01T00:00:00Z"),
            Instant.parse("2026-12-01T00:00:00Z"));

    @ParameterizedTest(name = "{0} h elapsed, {1} of {2} used -> {3}")
    @CsvSource(nullValues = "none", value = {
            // 40% after 2 days: 100% after 5 days.
            "48,  400,  1000, 2026-11-06T00:00:00Z",
            // 20% after 2 days: after 10 days.
            "48,  200,  1000, 2026-11-11T00:00:00Z",
            // 50% after 15 days: exactly at the end, which is not before it.
            "360, 500,  1000, none",
            // 30% after 20 days: after 66 days, next month.
            "480, 300,  1000, none",
            // Under a day of data: not trusted, however fast.
            "23,  900,  1000, none",
            // Under 10% used: not trusted.
            "48,  99,   1000, none",
            // Already used up: nothing to forecast.
            "48,  1000, 1000, none",
            // Exactly 10% after a day: 10 days.
            "24,  100,  1000, 2026-11-11T00:00:00Z",
            // Fractions round up to the next millisecond: 0.333333 of 1 after a day runs out 260 ms after 3 days.
            "24,  0.333333, 1, 2026-11-04T00:00:00.260Z"})
    void exhaustion_linearBurnRate(long hours, String used, String amount, String expected) {
        Instant now = NOVEMBER.start().plus(Duration.ofHours(hours));

        var at = Forecast.exhaustion(NOVEMBER, new BigDecimal(used), new BigDecimal(amount), now,
                AlertSettings.ForecastRule.DEFAULT);

        if (expected == null) {
            assertThat(at).isEmpty();
        } else {
            assertThat(at).contains(Instant.parse(expected));
        }
    }
}
