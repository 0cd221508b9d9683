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
    /** The start of a table entry that holds no window: older than any window, so it sorts last. */
    private static final long EMPTY = Long.MIN_VALUE;
    /** The usage's table of windows ({@link #at}, {@link #set}); the holds' is {@link #HELD}. */
    private static final int USED = 0;
    private static final int HELD = 1;

    /** The window containing an instant (in epoch milliseconds), asked when an instant leaves the last one. */
    private final LongFunction<Period> windowAt;
    /** The bounds of the last window computed, epoch milliseconds; empty until the first question. */
    private long lastStartMs = Long.MAX_VALUE;
    private long lastEndMs = Long.MIN_VALUE;
    /*
     * Sums by window start, keeping only the {@value #KEEP} latest windows of usage and, apart, of holds: decisions
     * need the current window, late events a past one. Each table is kept newest first, with EMPTY starts after its
     * windows, so a decision finds the current window at entry 0 of both tables and reads nothing further.
     *
     * Fields rather than arrays, and declared so that entry 0 of both tables sits right after the window bounds:
     * a decision about one of 1,000 customers finds its counters cold in memory, and an array is an object of its
     * own, one more cache miss per counter; the fields a decision reads (the bounds and entry 0: 48 bytes after the
     * header) now lie in one or two lines of the object, where with tables side by side (starts, then sums, usage
     * then holds) they spread over its 136 bytes, three lines (issue 12).
     */
    private long usedStart0 = EMPTY;
    private long usedSum0;
    private long heldStart0 = EMPTY;
    private long heldSum0;
    private long usedStart1 = EMPTY;
    private long usedSum1;
    private long heldStart1 = EMPTY;
    private long heldSum1;
    private long usedStart2 = EMPTY;
    private long usedSum2;
    private long heldStart2 = EMPTY;
    private long heldSum2;

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
        long used = get(USED, start);
        long reserved = get(HELD, start);
        boolean fits = WindowCounter.fits(used, reserved, amount, limit);
        // The window found for start() is the one remembered, so its end is read without locating it again.
        long resetMs = lastEndMs;
        into.put(i, used, reserved, fits, fits ? 0 : resetMs - nowMs, resetMs);
    }

    @Override
    public long used(long nowMs) {
        return get(USED, start(nowMs));
    }

    @Override
    public long reserved(long nowMs) {
        return get(HELD, start(nowMs));
    }

    @Override
    public void add(long eventMs, long amount, long nowMs) {
        add(USED, start(eventMs), amount);
    }

    @Override
    public void hold(long atMs, long amount, long nowMs) {
        add(HELD, start(atMs), amount);
    }

    @Override
    public void unhold(long atMs, long amount) {
        int e = indexOf(HELD, start(atMs));
        if (e >= 0) {
            setEntrySum(HELD, e, entrySum(HELD, e) - amount);
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

    /** The sum of the window starting at {@code start} in {@code table}, 0 if it is not kept. */
    private long get(int table, long start) {
        int e = indexOf(table, start);
        return e < 0 ? 0 : entrySum(table, e);
    }

    /**
     * Adds {@code amount} to the window starting at {@code start} in {@code table}, making its entry in its place
     * (newest first) and dropping the oldest window when {@value #KEEP} are kept; a window older than every one
     * kept in a full table is dropped at once.
     */
    private void add(int table, long start, long amount) {
        int e = indexOf(table, start);
        if (e >= 0) {
            setEntrySum(table, e, Bounds.saturatedSum(entrySum(table, e), amount));
            return;
        }
        int at = 0;
        while (at < KEEP && entryStart(table, at) > start) {
            at++;
        }
        if (at == KEEP) {
            return; // older than every window kept: it would be dropped at once
        }
        for (int from = KEEP - 2; from >= at; from--) { // the oldest entry, if any, falls off the end
            setEntryStart(table, from + 1, entryStart(table, from));
            setEntrySum(table, from + 1, entrySum(table, from));
        }
        setEntryStart(table, at, start);
        setEntrySum(table, at, amount);
    }

    /** The entry of the window starting at {@code start} in {@code table}, else -1; newest first, so it stops early. */
    private int indexOf(int table, long start) {
        for (int e = 0; e < KEEP; e++) {
            long s = entryStart(table, e);
            if (s == start) {
                return e;
            }
            if (s < start) {
                return -1; // every later entry is older still, or empty
            }
        }
        return -1;
    }

    /** The start of entry {@code e} of {@code table}: {@link #EMPTY} when it holds no window. */
    private long entryStart(int table, int e) {
        return at(4 * e + 2 * table);
    }

    private long entrySum(int table, int e) {
        return at(4 * e + 2 * table + 1);
    }

    private void setEntryStart(int table, int e, long start) {
        set(4 * e + 2 * table, start);
    }

    private void setEntrySum(int table, int e, long sum) {
        set(4 * e + 2 * table + 1, sum);
    }

    /** Field {@code i} of the tables, in their declared order: per entry, the usage's start and sum, the holds'. */
    private long at(int i) {
        return switch (i) {
            case 0 -> usedStart0;
            case 1 -> usedSum0;
            case 2 -> heldStart0;
            case 3 -> heldSum0;
            case 4 -> usedStart1;
            case 5 -> usedSum1;
            case 6 -> heldStart1;
            case 7 -> heldSum1;
            case 8 -> usedStart2;
            case 9 -> usedSum2;
            case 10 -> heldStart2;
            case 11 -> heldSum2;
            default -> throw new IndexOutOfBoundsException(i);
        };
    }

    /** Sets field {@code i} of the tables, numbered as in {@link #at}. */
    private void set(int i, long value) {
        switch (i) {
            case 0 -> usedStart0 = value;
            case 1 -> usedSum0 = value;
            case 2 -> heldStart0 = value;
            case 3 -> heldSum0 = value;
            case 4 -> usedStart1 = value;
            case 5 -> usedSum1 = value;
            case 6 -> heldStart1 = value;
            case 7 -> heldSum1 = value;
            case 8 -> usedStart2 = value;
            case 9 -> usedSum2 = value;
            case 10 -> heldStart2 = value;
            case 11 -> heldSum2 = value;
            default -> throw new IndexOutOfBoundsException(i);
        }
    }
}
