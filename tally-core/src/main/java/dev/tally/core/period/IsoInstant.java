package dev.tally.core.period;

import java.time.Instant;

/**
 * The ISO-8601 text of an instant exactly as {@link Instant#toString()} writes it ({@code 2026-12-01T00:00:00Z}),
 * written directly for the common case of a whole second between the years 1970 and 9999.
 *
 * <p>Why: every decision names the reset time of each of its limits, and {@code Instant.toString()} goes through
 * a general {@code DateTimeFormatter}, which cost more than the rest of writing the answer. Window bounds are whole
 * seconds; anything else is handed to {@code Instant.toString()}.
 */
public final class IsoInstant {
    private static final long MAX_SECOND = 253_402_300_799L; // 9999-12-31T23:59:59Z

    private IsoInstant() {
    }

    /** {@code instant.toString()}, faster for whole seconds of the years 1970 to 9999. */
    public static String format(Instant instant) {
        long seconds = instant.getEpochSecond();
        if (instant.getNano() != 0 || seconds < 0 || seconds > MAX_SECOND) {
            return instant.toString();
        }
        long days = Math.floorDiv(seconds, 86_400L);
        int secondOfDay = (int) Math.floorMod(seconds, 86_400L);
        // Civil date from days since 1970-01-01 (H. Hinnant's algorithm, proleptic Gregorian, as java.time uses).
        long z = days + 719_468L;
        long era = Math.floorDiv(z, 146_097L);
        long dayOfEra = z - era * 146_097L;
        long yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365;
        long dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
        long mp = (5 * dayOfYear + 2) / 153;
        int day = (int) (dayOfYear - (153 * mp + 2) / 5 + 1);
        int month = (int) (mp < 10 ? mp + 3 : mp - 9);
        int year = (int) (yearOfEra + era * 400 + (month <= 2 ? 1 : 0));
        char[] out = new char[20];
        digits(out, 0, year, 4);
        out[4] = '-';
        digits(out, 5, month, 2);
        out[7] = '-';
        digits(out, 8, day, 2);
        out[10] = 'T';
        digits(out, 11, secondOfDay / 3600, 2);
        out[13] = ':';
        digits(out, 14, secondOfDay / 60 % 60, 2);
        out[16] = ':';
        digits(out, 17, secondOfDay % 60, 2);
        out[19] = 'Z';
        return new String(out);
    }

    private static void digits(char[] out, int at, int value, int width) {
        for (int i = at + width - 1; i >= at; i--) {
            out[i] = (char) ('0' + value % 10);
            value /= 10;
        }
    }
}
