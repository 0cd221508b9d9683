package dev.tally.server.json;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * The text of a time Tally records itself ({@code created_at}, {@code updated_at}, {@code received_at}, ...):
 * ISO-8601 in UTC to the millisecond ({@code 2026-11-22T10:15:00.123Z}), the precision both stores keep.
 *
 * <p>Why one place: a write answered the clock's instant with its full precision (nanoseconds on Linux) while every
 * later read, from the store or from another node, gave the stored milliseconds, so one instant was shown two ways.
 * Answering every recorded time through here makes the write's answer the text every later read shows.
 */
public final class RecordedTime {
    private RecordedTime() {
    }

    /** The instant to the millisecond, as {@link Instant#toString()} writes it ({@code null} for {@code null}). */
    public static String format(Instant recorded) {
        return recorded == null ? null : recorded.truncatedTo(ChronoUnit.MILLIS).toString();
    }
}
