package dev.tally.core.counter;

import dev.tally.core.bounds.Bounds;

import dev.tally.core.period.Period;

import java.util.function.LongFunction;

/**
 * Usage per calendar window (a customer-local day, or a billing month): each window starts at zero, and an event
 * counts in the window its own timestamp falls in, so a late event of yesterday never eats into today. An estimate
 * held yesterday does not hold today's window either.
 */
final class CalendarWindowCounter implements WindowCounter {
    private static final int KEEP = 3;
    /** Where the usage sums begin in {@link #sums}; the holds' begin at {@link #HELD}. */
    private static final int USED = 0;
    private static final int HELD = 2 * KEEP;

    /** The window containing an instant (in epoch milliseconds), asked when an instant leaves the last one. */
    private final LongFunction<Period> windowAt;
    /** The bounds of the last window computed, epoch milliseconds; empty until the first question. */
    private long lastStartMs = Long.MAX_VALUE;
    private long lastEndMs = Long.MIN_VALUE;
    /**
     * Sums by window start, keeping only the {@value #KEEP} latest windows of usage and, apart, of holds: decisions
     * need the current window, late events a past one. Two tables of {@value #KEEP} starts then {@value #KEEP} sums,
     * usage at {@link #USED} and holds at {@link #HELD}, in one array beside the window bounds above: a decision
     * about 1,000 customers finds their counters cold in memory, and this object and its array are two or three
     * cache lines where the window finder and two tables of two arrays each were seven objects (and about as many
     * cache misses per counter, issue 12).
     */
    private final long[] sums = new long[4 * KEEP];
    private int usedSize;
    private int heldSize;

    /** @param windowAt the window containing an instant (in epoch milliseconds) */
    CalendarWindowCounter(LongFunction<Period> windowAt) {
        this.windowAt = windowAt;
    }

    /** The start of the window containing {@code ms} (the window found is remembered: most questions repeat it). */
    private long start(long ms) {
        if (ms < lastStartMs || ms >= lastEndMs) {
            Period p = windowAt.apply(ms);
            lastStartMs = p.start().toEpochMilli();
            lastEndMs = p.end().toEpochMilli();
        }
        return lastStartMs;
    }

    @Override
    public void state(long nowMs, long amount, long limit, CounterStates into, int i) {
        long start = start(nowMs);
        long used = get(USED, usedSize, start);
        long reserved = get(HELD, heldSize, start);
        boolean fits = WindowCounter.fits(used, reserved, amount, limit);
        // The window found for start() is the one remembered, so its end is read without locating it again.
        long resetMs = lastEndMs;
        into.put(i, used, reserved, fits, fits ? 0 : resetMs - nowMs, resetMs);
    }

    @Override
    public long used(long nowMs) {
        return get(USED, usedSize, start(nowMs));
    }

    @Override
    public long reserved(long nowMs) {
        return get(HELD, heldSize, start(nowMs));
    }

    @Override
    public void add(long eventMs, long amount, long nowMs) {
        usedSize = add(USED, usedSize, start(eventMs), amount);
    }

    @Override
    public void hold(long atMs, long amount, long nowMs) {
        heldSize = add(HELD, heldSize, start(atMs), amount);
    }

    @Override
    public void unhold(long atMs, long amount) {
        int i = indexOf(HELD, heldSize, start(atMs));
        if (i >= 0) {
            sums[i + KEEP] -= amount;
        }
    }

    @Override
    public long millisUntilFits(long nowMs, long need, long limit) {
        return resetMs(nowMs) - nowMs;
    }

    @Override
    public long resetMs(long nowMs) {
        start(nowMs);
        return lastEndMs;
    }

    /** The sum of the window starting at {@code start} in the table at {@code table} of {@code size} windows. */
    private long get(int table, int size, long start) {
        int i = indexOf(table, size, start);
        return i < 0 ? 0 : sums[i + KEEP];
    }

    /**
     * Adds {@code amount} to the window starting at {@code start} in the table at {@code table}, making its entry
     * (in place of the oldest when {@value #KEEP} are kept); returns the table's new size.
     */
    private int add(int table, int size, long start, long amount) {
        int i = indexOf(table, size, start);
        if (i >= 0) {
            sums[i + KEEP] = Bounds.saturatedSum(sums[i + KEEP], amount);
            return size;
        }
        if (size < KEEP) {
            i = table + size++;
        } else {
            i = oldest(table, size);
            if (sums[i] > start) {
                return size; // older than every window kept: it would be dropped at once
            }
        }
        sums[i] = start;
        sums[i + KEEP] = amount;
        return size;
    }

    /** Where the start {@code start} is in the table at {@code table}, as an index of {@link #sums}; else -1. */
    private int indexOf(int table, int size, long start) {
        for (int i = table; i < table + size; i++) {
            if (sums[i] == start) {
                return i;
            }
        }
        return -1;
    }

    private int oldest(int table, int size) {
        int oldest = table;
        for (int i = table + 1; i < table + size; i++) {
            if (sums[i] < sums[oldest]) {
                oldest = i;
            }
        }
        return oldest;
    }
}
