package dev.tally.core.alert;

import dev.tally.core.counter.CounterState;
import dev.tally.core.customer.Customer;
import dev.tally.core.limit.Limit;
import dev.tally.core.limit.LimitMode;
import dev.tally.core.period.Window;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class LimitWatchTest {
    private static final Customer ACME = new Customer("acme", "Acme", null, ZoneId.of("Europe/Berlin"), 1,
            List.of(), Instant.EPOCH);
    /** Two days into the Berlin billing month, so forecasts are possible but these usages do not trigger them. */
    private static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");
    private static final AlertSettings.ForecastRule NO_FORECAST = new AlertSettings.ForecastRule(
            java.time.Duration.ofDays(40), 100, java.time.Duration.ofHours(1));

    private final List<Alert> fired = new ArrayList<>();

    private static Limit requests(String amount, List<Integer> thresholds, LimitMode mode) {
        return new Limit(null, "requests", Window.MONTH, amount == null ? null : new BigDecimal(amount), mode, null,
                null, null, thresholds);
    }

    @Test
    void recorded_climbingThroughTheLevels_eachFiresOnceWithItsPercent() {
        LimitWatch w = new LimitWatch(requests("1000", null, LimitMode.HARD));
        for (long used : new long[]{100, 499, 500, 501, 799, 800, 999, 1000, 1000}) {
            w.recorded(ACME, used, NOW, NO_FORECAST, fired);
        }

        assertThat(fired).extracting(Alert::threshold).containsExactly(50, 80, 100);
        assertThat(fired).extracting(a -> a.percent().toPlainString()).containsExactly("50.0", "80.0", "100.0");
        assertThat(fired).extracting(Alert::period).containsOnly("2026-11");
        assertThat(fired).extracting(Alert::kind).containsOnly(AlertKind.THRESHOLD);
    }

    @Test
    void recorded_jumpOverTwoLevels_firesBothWithTheActualPercent() {
        LimitWatch w = new LimitWatch(requests("1000", null, LimitMode.SOFT));

        w.recorded(ACME, 853, NOW, NO_FORECAST, fired);

        assertThat(fired).extracting(Alert::threshold).containsExactly(50, 80);
        assertThat(fired).extracting(a -> a.percent().toPlainString()).containsOnly("85.3");
    }

    @Test
    void recorded_overTheAmount_exceededOnce() {
        LimitWatch w = new LimitWatch(requests("10", List.of(90), LimitMode.SOFT));

        w.recorded(ACME, 11, NOW, NO_FORECAST, fired);
        w.recorded(ACME, 12, NOW, NO_FORECAST, fired);

        assertThat(fired).extracting(Alert::kind).containsExactly(AlertKind.THRESHOLD, AlertKind.EXCEEDED);
        assertThat(fired.get(1).message()).isEqualTo(
                "Acme has exceeded its soft monthly request limit: 11 of 10 requests (110%, limit requests-month)");
    }

    @Test
    void recorded_thresholdsRoundUp_oddAmountNeedsTheFullShare() {
        // 50% of 3 is 1.5: crossing takes 2, never 1.
        LimitWatch w = new LimitWatch(requests("3", List.of(50), LimitMode.HARD));

        w.recorded(ACME, 1, NOW, NO_FORECAST, fired);
        assertThat(fired).isEmpty();
        w.recorded(ACME, 2, NOW, NO_FORECAST, fired);
        assertThat(fired).hasSize(1);
    }

    @Test
    void recorded_newBillingMonth_levelsStartAgain() {
        LimitWatch w = new LimitWatch(requests("100", List.of(50), LimitMode.HARD));
        w.recorded(ACME, 60, NOW, NO_FORECAST, fired);

        // Midnight in Berlin on Dec 1 is 23:00Z on Nov 30.
        w.recorded(ACME, 70, Instant.parse("2026-11-30T23:00:00Z"), NO_FORECAST, fired);

        assertThat(fired).extracting(Alert::period).containsExactly("2026-11", "2026-12");
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "{1}% of {0} -> {2}")
    @org.junit.jupiter.params.provider.CsvSource({
            "1000, 50, 500", "3, 50, 2", "1, 1, 1", "0, 80, 1", "101, 80, 81",
            // A trillion tokens in micros: the product would overflow a long.
            "1000000000000000000, 80, 800000000000000000",
            "9223372036854775807, 100, 9223372036854775807",
            "9223372036854775807, 1000, 9223372036854775807"})
    void levelRaw_ceilingOfTheShare_withoutOverflow(long amountRaw, int percent, long expected) {
        assertThat(LimitWatch.levelRaw(amountRaw, percent)).isEqualTo(expected);
    }

    @Test
    void recorded_unlimited_neverFires() {
        LimitWatch w = new LimitWatch(requests(null, null, LimitMode.HARD));

        w.recorded(ACME, 1_000_000, NOW, NO_FORECAST, fired);

        assertThat(fired).isEmpty();
    }

    @Test
    void recorded_zeroAmount_firstUseFiresEveryLevelAndExceeded() {
        LimitWatch w = new LimitWatch(requests("0", null, LimitMode.HARD));

        w.recorded(ACME, 0, NOW, NO_FORECAST, fired);
        assertThat(fired).isEmpty();
        w.recorded(ACME, 1, NOW, NO_FORECAST, fired);

        assertThat(fired).extracting(Alert::kind).containsExactly(AlertKind.THRESHOLD, AlertKind.THRESHOLD,
                AlertKind.THRESHOLD, AlertKind.EXCEEDED);
    }

    @Test
    void denied_manyTimes_oneExceededPerPeriod() {
        LimitWatch w = new LimitWatch(requests("5", List.of(100), LimitMode.HARD));

        w.denied(ACME, new CounterState(5, 0, true, 0, 0), NOW, fired);
        w.denied(ACME, new CounterState(5, 0, true, 0, 0), NOW.plusSeconds(60), fired);

        assertThat(fired).hasSize(1);
        assertThat(fired.get(0).kind()).isEqualTo(AlertKind.EXCEEDED);
        assertThat(fired.get(0).message()).startsWith("A call of Acme was denied by its monthly request limit");
    }

    @Test
    void recorded_minuteLimit_alertsGroupedByUtcHour() {
        LimitWatch w = new LimitWatch(new Limit(null, "requests", Window.MINUTE, new BigDecimal("10"),
                LimitMode.HARD, null, null, null, List.of(50)));

        w.recorded(ACME, 6, Instant.parse("2026-11-25T10:59:00Z"), NO_FORECAST, fired);
        w.recorded(ACME, 6, Instant.parse("2026-11-25T10:59:30Z"), NO_FORECAST, fired);
        w.recorded(ACME, 6, Instant.parse("2026-11-25T11:00:10Z"), NO_FORECAST, fired);

        assertThat(fired).extracting(Alert::period).containsExactly("2026-11-25T10", "2026-11-25T11");
        assertThat(fired.get(0).message()).contains("per-minute request limit", "limit requests-minute");
    }

    @Test
    void recorded_forecast_checkedAtMostHourly_firesOnceNamingTheLocalDate() {
        LimitWatch w = new LimitWatch(requests("1000", List.of(100), LimitMode.HARD));
        // Billing month in Berlin starts 2026-10-31T23:00Z. After 2 days: 50 used, under the 10% floor.
        Instant day2 = Instant.parse("2026-11-02T23:00:00Z");
        w.recorded(ACME, 50, day2, AlertSettings.ForecastRule.DEFAULT, fired);
        // Within the hour the forecast is not looked at again, whatever the usage.
        w.recorded(ACME, 400, day2.plusSeconds(1800), AlertSettings.ForecastRule.DEFAULT, fired);
        assertThat(fired).isEmpty();

        w.recorded(ACME, 400, day2.plusSeconds(3600), AlertSettings.ForecastRule.DEFAULT, fired);
        w.recorded(ACME, 500, day2.plusSeconds(7200), AlertSettings.ForecastRule.DEFAULT, fired);

        assertThat(fired).hasSize(1);
        // 400 of 1000 after 2 days and 1 hour: runs out 5 days 2.5 hours in, on Nov 6 local time.
        assertThat(fired.get(0).message()).startsWith(
                "At the current rate, Acme will use up its monthly request limit on 2026-11-06");
    }

    @Test
    void isLate_eventsAroundTheDayInTheCustomersZone_lateOnlyBeforeTheCurrentDay() {
        LimitWatch w = new LimitWatch(new Limit(null, "requests", Window.DAY, new BigDecimal("10"), LimitMode.HARD,
                null, null, null, null));
        // 10:00 UTC is 11:00 in Berlin: the day began at 23:00 UTC the evening before.
        assertThat(w.isLate(ACME, Instant.parse("2026-11-24T23:00:00Z"), NOW)).isFalse();
        assertThat(w.isLate(ACME, Instant.parse("2026-11-24T22:59:59Z"), NOW)).isTrue();
        // The next day (kept window left behind): yesterday's event is late now.
        Instant tomorrow = Instant.parse("2026-11-26T10:00:00Z");
        assertThat(w.isLate(ACME, Instant.parse("2026-11-25T12:00:00Z"), tomorrow)).isTrue();
        assertThat(w.isLate(ACME, Instant.parse("2026-11-25T23:00:00Z"), tomorrow)).isFalse();
        // The same customer in another zone (a new customer object) is judged in its own day at once.
        Customer utc = new Customer("acme", "Acme", null, ZoneId.of("UTC"), 1, List.of(), Instant.EPOCH);
        assertThat(w.isLate(utc, Instant.parse("2026-11-25T23:30:00Z"), tomorrow)).isTrue();
        assertThat(w.isLate(utc, Instant.parse("2026-11-26T00:00:00Z"), tomorrow)).isFalse();
    }

    @Test
    void isLate_slidingWindow_neverLate() {
        LimitWatch w = new LimitWatch(new Limit(null, "requests", Window.MINUTE, new BigDecimal("10"),
                LimitMode.HARD, null, null, null, null));
        assertThat(w.isLate(ACME, NOW.minusSeconds(3600), NOW)).isFalse();
    }
}
