package dev.tally.server.json;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/**
 * Parses ISO-8601 timestamps with an offset, exactly as {@link OffsetDateTime#parse(CharSequence)} does, but without
 * its formatter for the form nearly every client sends: {@code 2026-11-22T10:15:00Z}, with an optional fraction of
 * one to nine digits and {@code Z} or {@code +hh:mm}. Every event carries a timestamp, and the general formatter was
 * a fifth of the request threads' time while ingesting. Anything else (lower-case letters, offsets with seconds,
 * times without seconds, impossible dates) goes to {@code OffsetDateTime.parse}, which accepts or rejects it.
 */
final class Timestamps {
    private static final int SECONDS_PER_DAY = 86_400;
    private static final int MAX_OFFSET_HOURS = 18;

    private Timestamps() {
    }

    /**
     * The instant of an ISO-8601 date-time with an offset.
     *
     * @throws DateTimeParseException if it is not one
     */
    static Instant parse(String text) {
        Instant fast = parseCommonForm(text);
        return fast != null ? fast : OffsetDateTime.parse(text).toInstant();
    }

    /**
     * {@link #parse(String)} of the {@code length} characters of {@code chars} from {@code offset}: the fast reader
     * passes the parser's own buffer, so the common form is read without making a string of it first.
     *
     * @throws DateTimeParseException if it is not one
     */
    static Instant parse(char[] chars, int offset, int length) {
        Instant fast = parseCommonForm(chars, offset, length);
        return fast != null ? fast : OffsetDateTime.parse(new String(chars, offset, length)).toInstant();
    }

    /** The instant of {@code yyyy-MM-ddTHH:mm:ss[.f{1,9}](Z|±hh:mm)}, or null when the text is not in that form. */
    static Instant parseCommonForm(String s) {
        return parseCommonForm(s.toCharArray(), 0, s.length());
    }

    /** {@link #parseCommonForm(String)} of {@code n} characters of {@code c} from {@code at}. */
    static Instant parseCommonForm(char[] c, int at, int n) {
        if (n < 20 || c[at + 4] != '-' || c[at + 7] != '-' || c[at + 10] != 'T' || c[at + 13] != ':'
                || c[at + 16] != ':') {
            return null;
        }
        int year = digits(c, at, 4);
        int month = digits(c, at + 5, 2);
        int day = digits(c, at + 8, 2);
        int hour = digits(c, at + 11, 2);
        int minute = digits(c, at + 14, 2);
        int second = digits(c, at + 17, 2);
        if (year < 0 || month < 0 || day < 0 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0
                || second > 59) {
            return null;
        }
        int i = 19;
        int nanos = 0;
        if (c[at + i] == '.') {
            int start = ++i;
            while (i < n && i - start < 10 && isDigit(c[at + i])) {
                nanos = nanos * 10 + (c[at + i] - '0');
                i++;
            }
            int count = i - start;
            if (count == 0 || count > 9) {
                return null;
            }
            for (int k = count; k < 9; k++) {
                nanos *= 10;
            }
        }
        int offsetSeconds = offsetSeconds(c, at, n, i);
        if (offsetSeconds == Integer.MIN_VALUE) {
            return null;
        }
        long epochDay;
        try {
            epochDay = LocalDate.of(year, month, day).toEpochDay();
        } catch (DateTimeException e) {
            return null;
        }
        long seconds = epochDay * SECONDS_PER_DAY + hour * 3600L + minute * 60L + second - offsetSeconds;
        return Instant.ofEpochSecond(seconds, nanos);
    }

    /**
     * The offset that makes up the rest of the {@code n} characters from {@code at} after position {@code i}, or
     * {@code Integer.MIN_VALUE}.
     */
    private static int offsetSeconds(char[] c, int at, int n, int i) {
        int rest = n - i;
        if (rest == 1 && c[at + i] == 'Z') {
            return 0;
        }
        if (rest != 6 || c[at + i + 3] != ':') {
            return Integer.MIN_VALUE;
        }
        char sign = c[at + i];
        int hours = digits(c, at + i + 1, 2);
        int minutes = digits(c, at + i + 4, 2);
        if (sign != '+' && sign != '-' || hours < 0 || minutes < 0 || minutes > 59 || hours > MAX_OFFSET_HOURS
                || hours == MAX_OFFSET_HOURS && minutes != 0) {
            return Integer.MIN_VALUE;
        }
        int total = hours * 3600 + minutes * 60;
        return sign == '+' ? total : -total;
    }

    /** The number written by {@code count} ASCII digits at {@code from}, or -1. */
    private static int digits(char[] c, int from, int count) {
        int value = 0;
        for (int i = from; i < from + count; i++) {
            char d = c[i];
            if (!isDigit(d)) {
                return -1;
            }
            value = value * 10 + (d - '0');
        }
        return value;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
