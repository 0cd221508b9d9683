package dev.tally.core.period;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneId;

import static org.assertj.core.api.Assertions.assertThat;

class PeriodsTest {
    private static final ZoneId UTC = ZoneId.of("UTC");
    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
    private static final ZoneId KOLKATA = ZoneId.of("Asia/Kolkata");

    /** Issue 15.8: the billing month holding most of a calendar month, by the days of it each one holds. */
    @ParameterizedTest(name = "billing day {0}, calendar month {1} -> {2}")
    @CsvSource({
        "1,  2026-12, 2026-12",   // the period is the calendar month
        "15, 2026-12, 2026-12",   // Dec 15 - Jan 14 holds 17 days of December, Nov 15 - Dec 14 holds 14
        "16, 2026-12, 2026-12",   // Dec 16 - Jan 15 holds 16 days, Nov 16 - Dec 15 holds 15
        "17, 2026-12, 2026-11",   // Nov 17 - Dec 16 holds 16 days, Dec 17 - Jan 16 holds 15
        "30, 2026-12, 2026-11",   // Nov 30 - Dec 29 holds 29 days of December
        "31, 2027-02, 2027-01",   // Jan 31 - Feb 28 holds all of February but its last day
        "16, 2026-11, 2026-11",   // a tie (15 and 15) goes to the one starting in the month
    })
    void billingMonthCovering_calendarMonth_isThePeriodHoldingMostOfIt(int billingDay, String month, String name) {
        assertThat(Periods.billingMonthCovering(billingDay, YearMonth.parse(month))).hasToString(name);
    }

    @ParameterizedTest(name = "billing day {0} at {1} -> [{2}, {3})")
    @CsvSource({
            // billing day 1: calendar months
            "1,  2026-11-15T12:00:00Z, 2026-11-01T00:00:00Z, 2026-12-01T00:00:00Z",
            "1,  2026-12-01T00:00:00Z, 2026-12-01T00:00:00Z, 2027-01-01T00:00:00Z",
            "1,  2026-11-30T23:59:59Z, 2026-11-01T00:00:00Z, 2026-12-01T00:00:00Z",
            // billing day 15: mid-month anchors
            "15, 2026-11-14T23:59:59Z, 2026-10-15T00:00:00Z, 2026-11-15T00:00:00Z",
            "15, 2026-11-15T00:00:00Z, 2026-11-15T00:00:00Z, 2026-12-15T00:00:00Z",
            // billing day 31: clamped to the last day of short months
            "31, 2026-11-29T12:00:00Z, 2026-10-31T00:00:00Z, 2026-11-30T00:00:00Z",
            "31, 2026-11-30T00:00:00Z, 2026-11-30T00:00:00Z, 2026-12-31T00:00:00Z",
            "31, 2027-02-28T00:00:00Z, 2027-02-28T00:00:00Z, 2027-03-31T00:00:00Z",
            "31, 2027-02-27T23:00:00Z, 2027-01-31T00:00:00Z, 2027-02-28T00:00:00Z",
            // leap year February
            "30, 2028-02-29T00:00:00Z, 2028-02-29T00:00:00Z, 2028-03-30T00:00:00Z",
            "29, 2027-02-28T10:00:00Z, 2027-02-28T00:00:00Z, 2027-03-29T00:00:00Z",
    })
    void billingMonth_byBillingDay_startsOnClampedAnchor(int billingDay, String at, String start, String end) {
        Period p = Periods.billingMonth(UTC, billingDay, Instant.parse(at));
        assertThat(p.start()).isEqualTo(Instant.parse(start));
        assertThat(p.end()).isEqualTo(Instant.parse(end));
    }

    @Test
    void billingMonth_inBerlin_startsAtLocalMidnight() {
        // 2026-10-31T23:30Z is already November 1st, 00:30 in Berlin (CET, +01:00).
        Period p = Periods.billingMonth(BERLIN, 1, Instant.parse("2026-10-31T23:30:00Z"));
        assertThat(p.start()).isEqualTo(Instant.parse("2026-10-31T23:00:00Z"));
        assertThat(p.end()).isEqualTo(Instant.parse("2026-11-30T23:00:00Z"));
    }

    @Test
    void billingMonth_byName_isTheMonthItStartsIn() {
        Period p = Periods.billingMonth(UTC, 15, YearMonth.of(2026, 11));
        assertThat(p.start()).isEqualTo(Instant.parse("2026-11-15T00:00:00Z"));
        assertThat(Periods.billingMonthName(UTC, 15, Instant.parse("2026-12-01T00:00:00Z")))
                .isEqualTo(YearMonth.of(2026, 11));
    }

    @Test
    void day_onSpringForward_is23Hours() {
        Period p = Periods.day(BERLIN, Instant.parse("2026-03-29T12:00:00Z"));
        assertThat(Duration.between(p.start(), p.end())).isEqualTo(Duration.ofHours(23));
    }

    @Test
    void day_onFallBack_is25Hours() {
        Period p = Periods.day(BERLIN, Instant.parse("2026-10-25T12:00:00Z"));
        assertThat(Duration.between(p.start(), p.end())).isEqualTo(Duration.ofHours(25));
    }

    @Test
    void hour_inHalfHourZone_alignsToLocalClock() {
        Period p = Periods.hour(KOLKATA, Instant.parse("2026-11-22T10:10:00Z"));
        // 10:10Z is 15:40 in Kolkata (+05:30): the local hour 15:00-16:00 is 09:30Z-10:30Z.
        assertThat(p.start()).isEqualTo(Instant.parse("2026-11-22T09:30:00Z"));
        assertThat(p.end()).isEqualTo(Instant.parse("2026-11-22T10:30:00Z"));
    }

    @Test
    void hour_inFallBackOverlap_areTwoDistinctHours() {
        // 02:00-03:00 local happens twice in Berlin on 2026-10-25: first at +02:00, then at +01:00.
        Period first = Periods.hour(BERLIN, Instant.parse("2026-10-25T00:30:00Z"));
        Period second = Periods.hour(BERLIN, Instant.parse("2026-10-25T01:30:00Z"));
        assertThat(first.start()).isEqualTo(Instant.parse("2026-10-25T00:00:00Z"));
        assertThat(second.start()).isEqualTo(Instant.parse("2026-10-25T01:00:00Z"));
        assertThat(first.end()).isEqualTo(second.start());
    }

    @Test
    void minute_containsInstant_andLastsOneMinute() {
        Instant t = Instant.parse("2026-11-22T10:15:42.123Z");
        Period p = Periods.minute(UTC, t);
        assertThat(p.start()).isEqualTo(Instant.parse("2026-11-22T10:15:00Z"));
        assertThat(p.contains(t)).isTrue();
        assertThat(p.contains(p.end())).isFalse();
    }

    @ParameterizedTest
    @CsvSource({"MINUTE", "HOUR", "DAY", "MONTH"})
    void window_periodAt_containsTheInstant(Window window) {
        Instant t = Instant.parse("2026-11-22T10:15:42Z");
        assertThat(window.periodAt(BERLIN, 31, t).contains(t)).isTrue();
    }
}
