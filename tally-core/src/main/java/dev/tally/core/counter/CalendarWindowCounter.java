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
    /** Where the usage sums begin in the tables; the holds' begin at {@link #HELD}. */
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
     * usage at {@link #USED} and holds at {@link #HELD}, numbered 0 to 11 ({@link #at}, {@link #set}). Fields rather
     * than an array: a decision about one of 1,000 customers finds its counters cold in memory, and an array is an
     * object of its own, one more cache miss per counter (the largest single cost of such a round in a JFR profile
     * when this counter kept one, issue 12); with the window bounds above, the object is about 140 bytes, two or three
     * adjacent lines. (Before 2026-12-07 it was seven objects: a window finder, two tables of two arrays each.)
     */
    private long usedStart0;
    private long usedStart1;
    private long usedStart2;
    private long usedSum0;
    private long usedSum1;
    private long usedSum2;
    private long heldStart0;
    private long heldStart1;
    private long heldStart2;
    private long heldSum0;
    private long heldSum1;
    private long heldSum2;
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
            set(i + KEEP, at(i + KEEP) - amount);
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
        return i < 0 ? 0 : at(i + KEEP);
    }

    /**
     * Adds {@code amount} to the window starting at {@code start} in the table at {@code table}, making its entry
     * (in place of the oldest when {@value #KEEP} are kept); returns the table's new size.
     */
    private int add(int table, int size, long start, long amount) {
        int i = indexOf(table, size, start);
        if (i >= 0) {
            set(i + KEEP, Bounds.saturatedSum(at(i + KEEP), amount));
            return size;
        }
        if (size < KEEP) {
            i = table + size++;
        } else {
            i = oldest(table, size);
            if (at(i) > start) {
                return size; // older than every window kept: it would be dropped at once
            }
        }
        set(i, start);
        set(i + KEEP, amount);
        return size;
    }

    /** Where the start {@code start} is in the table at {@code table}, as an index of the tables; else -1. */
    private int indexOf(int table, int size, long start) {
        for (int i = table; i < table + size; i++) {
            if (at(i) == start) {
                return i;
            }
        }
        return -1;
    }

    private int oldest(int table, int size) {
        int oldest = table;
        for (int i = table + 1; i < table + size; i++) {
            if (at(i) < at(oldest)) {
                oldest = i;
            }
        }
        return oldest;
    }

    /** Value {@code i} of the tables: 0-2 the usage's starts, 3-5 its sums, 6-8 the holds' starts, 9-11 their sums. */
    private long at(int i) {
        return switch (i) {
            case 0 -> usedStart0;
            case 1 -> usedStart1;
            case 2 -> usedStart2;
            case 3 -> usedSum0;
            case 4 -> usedSum1;
            case 5 -> usedSum2;
            case 6 -> heldStart0;
            case 7 -> heldStart1;
            case 8 -> heldStart2;
            case 9 -> heldSum0;
            case 10 -> heldSum1;
            case 11 -> heldSum2;
            default -> throw new IndexOutOfBoundsException(i);
        };
    }

    /** Sets value {@code i} of the tables, numbered as in {@link #at}. */
    private void set(int i, long value) {
        switch (i) {
            case 0 -> usedStart0 = value;
            case 1 -> usedStart1 = value;
            case 2 -> usedStart2 = value;
            case 3 -> usedSum0 = value;
            case 4 -> usedSum1 = value;
            case 5 -> usedSum2 = value;
            case 6 -> heldStart0 = value;
            case 7 -> heldStart1 = value;
            case 8 -> heldStart2 = value;
            case 9 -> heldSum0 = value;
            case 10 -> heldSum1 = value;
            case 11 -> heldSum2 = value;
            default -> throw new IndexOutOfBoundsException(i);
        }
    }
}
