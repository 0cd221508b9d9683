package dev.tally.core.period;

import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;

/**
 * Calendar periods in a customer's time zone: minute, hour, day, and billing months anchored on a billing day.
 *
 * <p>Rules:
 * <ul>
 *   <li>Days start at local midnight; on a DST change a day is 23 or 25 hours long, and if midnight does not exist
 *       locally the day starts at the first valid instant after it (as {@link LocalDate#atStartOfDay(ZoneId)}).</li>
 *   <li>A billing month starts at local midnight of its billing day. A billing day past the end of a short month is
 *       clamped to that month's last day: with billing day 31 the periods run Oct 31 - Nov 30, Nov 30 - Dec 31,
 *       Dec 31 - Jan 31, and in February the period starts on the 28th (29th in leap years).</li>
 *   <li>A billing month is named by the calendar month in which it starts ({@code "2026-11"} starts in November).</li>
 *   <li>Hours and minutes are local too, which matters for zones offset by 30 or 45 minutes.</li>
 * </ul>
 */
public final class Periods {
    private Periods() {
    }

    /** The billing month containing {@code t}. */
    public static Period billingMonth(ZoneId zone, int billingDay, Instant t) {
        LocalDate date = LocalDate.ofInstant(t, zone);
        YearMonth month = YearMonth.from(date);
        LocalDate start = anchor(month, billingDay);
        if (date.isBefore(start)) {
            month = month.minusMonths(1);
        }
        return billingMonth(zone, billingDay, month);
    }

    /** The billing month that starts in calendar month {@code month}. */
    public static Period billingMonth(ZoneId zone, int billingDay, YearMonth month) {
        Instant start = anchor(month, billingDay).atStartOfDay(zone).toInstant();
        Instant end = anchor(month.plusMonths(1), billingDay).atStartOfDay(zone).toInstant();
        return new Period(start, end);
    }

    /**
     * The name of the billing month that holds most days of calendar month {@code month} (issue 15.8): the one that
     * starts in it, unless the one that started the month before holds more of its days (a billing day of 30 puts
     * most of December in the period from November 30). A tie goes to the one that starts in it.
     */
    public static YearMonth billingMonthCovering(int billingDay, YearMonth month) {
        int start = anchor(month, billingDay).getDayOfMonth();
        int daysOfEarlier = start - 1;
        int daysOfOwn = month.lengthOfMonth() - start + 1;
        return daysOfEarlier > daysOfOwn ? month.minusMonths(1) : month;
    }

    /** The calendar month in which the billing month containing {@code t} starts: its name. */
    public static YearMonth billingMonthName(ZoneId zone, int billingDay, Instant t) {
        return YearMonth.from(LocalDate.ofInstant(billingMonth(zone, billingDay, t).start(), zone));
    }

    /** The local day containing {@code t}. */
    public static Period day(ZoneId zone, Instant t) {
        LocalDate date = LocalDate.ofInstant(t, zone);
        return new Period(date.atStartOfDay(zone).toInstant(), date.plusDays(1).atStartOfDay(zone).toInstant());
    }

    /** The local hour containing {@code t}. */
    public static Period hour(ZoneId zone, Instant t) {
        return truncated(zone, t, ChronoUnit.HOURS);
    }

    /** The local minute containing {@code t}. */
    public static Period minute(ZoneId zone, Instant t) {
        return truncated(zone, t, ChronoUnit.MINUTES);
    }

    private static Period truncated(ZoneId zone, Instant t, ChronoUnit unit) {
        // Truncating the zoned time (not the instant) keeps hours aligned to local clocks in +05:30 zones; in an
        // overlap hour after a DST change, the earlier offset's hour and the later one's are distinct periods.
        ZonedDateTime local = ZonedDateTime.ofInstant(t, zone);
        ZonedDateTime start = local.truncatedTo(unit);
        Instant startInstant = start.toInstant();
        Instant end = startInstant.plus(1, unit);
        return new Period(startInstant, end);
    }

    /** The billing day as a date in {@code month}, clamped to the month's length. */
    static LocalDate anchor(YearMonth month, int billingDay) {
        return month.atDay(Math.min(billingDay, month.lengthOfMonth()));
    }
}
