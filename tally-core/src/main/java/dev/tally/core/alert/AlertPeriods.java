package dev.tally.core.alert;

import dev.tally.core.customer.Customer;
import dev.tally.core.limit.Limit;
import dev.tally.core.period.Period;
import dev.tally.core.period.Periods;
import dev.tally.core.period.Window;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;

/**
 * The period an alert belongs to, the last part of its de-duplication key. A limit's alerts belong to its calendar
 * window: the billing month ({@code 2026-11}) or the customer-local day ({@code 2026-11-22}). Minute and hour limits
 * slide, so their alerts are grouped by the UTC hour ({@code 2026-11-22T14}): at most one alert per threshold and
 * hour. Rate spikes use the UTC hour too; cost and unpriced alerts the customer's billing month; the global cost the
 * UTC calendar month.
 */
final class AlertPeriods {
    private AlertPeriods() {
    }

    /** The period of a limit's alerts at {@code now}, with its key. */
    static Keyed of(Customer c, Limit limit, Instant now) {
        return switch (limit.window()) {
            case MONTH -> month(c, now);
            case DAY -> {
                Period p = Periods.day(c.zone(), now);
                yield new Keyed(p, LocalDate.ofInstant(p.start(), c.zone()).toString());
            }
            case MINUTE, HOUR -> utcHour(now);
        };
    }

    /** The customer's billing month at {@code now}. */
    static Keyed month(Customer c, Instant now) {
        Period p = Periods.billingMonth(c.zone(), c.billingDay(), now);
        return new Keyed(p, Periods.billingMonthName(c.zone(), c.billingDay(), now).toString());
    }

    /** The UTC hour of {@code now}, keyed {@code 2026-11-22T14}. */
    static Keyed utcHour(Instant now) {
        Instant start = now.truncatedTo(ChronoUnit.HOURS);
        LocalDateTime t = LocalDateTime.ofInstant(start, ZoneOffset.UTC);
        return new Keyed(new Period(start, start.plus(1, ChronoUnit.HOURS)),
                t.toLocalDate() + "T" + String.format("%02d", t.getHour()));
    }

    /** The UTC calendar month of {@code now}. */
    static Keyed utcMonth(Instant now) {
        YearMonth m = YearMonth.from(now.atOffset(ZoneOffset.UTC));
        return new Keyed(new Period(m.atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC),
                m.plusMonths(1).atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC)), m.toString());
    }

    /** Whether a limit's window is a sliding one (minute, hour). */
    static boolean sliding(Window w) {
        return w == Window.MINUTE || w == Window.HOUR;
    }

    /**
     * A period and its key.
     *
     * @param period the interval
     * @param key    its name in alert keys
     */
    record Keyed(Period period, String key) {
    }
}
