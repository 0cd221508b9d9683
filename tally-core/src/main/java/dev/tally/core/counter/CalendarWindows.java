package dev.tally.core.counter;

import dev.tally.core.period.Period;

import java.util.function.LongFunction;

/**
 * Finds the calendar window (a customer-local day, or a billing month) an instant falls in, remembering the last
 * one: nearly every question is about the current window, and time-zone math is not free. Not thread-safe: guarded
 * by the customer's lock, like the counters that share it.
 */
final class CalendarWindows {
    private final LongFunction<Period> windowAt;
    /** The bounds of the last window computed, epoch milliseconds; empty until the first question. */
    private long lastStartMs = Long.MAX_VALUE;
    private long lastEndMs = Long.MIN_VALUE;

    /** @param windowAt the window containing an instant (in epoch milliseconds) */
    CalendarWindows(LongFunction<Period> windowAt) {
        this.windowAt = windowAt;
    }

    private void locate(long ms) {
        if (ms < lastStartMs || ms >= lastEndMs) {
            Period p = windowAt.apply(ms);
            lastStartMs = p.start().toEpochMilli();
            lastEndMs = p.end().toEpochMilli();
        }
    }

    /** The start of the window containing {@code ms}. */
    long startMs(long ms) {
        locate(ms);
        return lastStartMs;
    }

    /** The end of the window containing {@code ms}. */
    long endMs(long ms) {
        locate(ms);
        return lastEndMs;
    }
}
