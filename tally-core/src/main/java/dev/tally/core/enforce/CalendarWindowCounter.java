package dev.tally.core.enforce;

import dev.tally.core.period.Period;

import java.util.TreeMap;
import java.util.function.LongFunction;

/**
 * Usage per calendar window (a customer-local day, or a billing month): each window starts at zero, and an event
 * counts in the window its own timestamp falls in, so a late event of yesterday never eats into today. An estimate
 * held yesterday does not hold today's window either.
 */
final class CalendarWindowCounter implements WindowCounter {
    private static final int KEEP = 3;

    private final LongFunction<Period> windowAt;
    private final TreeMap<Long, Long> usedByStart = new TreeMap<>();
    private final TreeMap<Long, Long> heldByStart = new TreeMap<>();
    /** The last window computed: nearly every question is about the current one, and time-zone math is not free. */
    private Period last;

    /** @param windowAt the window containing an instant (in epoch milliseconds) */
    CalendarWindowCounter(LongFunction<Period> windowAt) {
        this.windowAt = windowAt;
    }

    private Period window(long ms) {
        Period p = last;
        if (p == null || ms < p.start().toEpochMilli() || ms >= p.end().toEpochMilli()) {
            p = windowAt.apply(ms);
            last = p;
        }
        return p;
    }

    private long start(long ms) {
        return window(ms).start().toEpochMilli();
    }

    @Override
    public long used(long nowMs) {
        return usedByStart.getOrDefault(start(nowMs), 0L);
    }

    @Override
    public long reserved(long nowMs) {
        return heldByStart.getOrDefault(start(nowMs), 0L);
    }

    @Override
    public void add(long eventMs, long amount, long nowMs) {
        merge(usedByStart, start(eventMs), amount);
    }

    @Override
    public void hold(long atMs, long amount, long nowMs) {
        merge(heldByStart, start(atMs), amount);
    }

    @Override
    public void unhold(long atMs, long amount) {
        heldByStart.computeIfPresent(start(atMs), (k, v) -> v - amount);
    }

    /** Adds to a window, keeping only the last few: decisions need the current one, late events a past one. */
    private static void merge(TreeMap<Long, Long> byStart, long start, long amount) {
        byStart.merge(start, amount, Long::sum);
        while (byStart.size() > KEEP) {
            byStart.pollFirstEntry();
        }
    }

    @Override
    public long millisUntilFits(long nowMs, long need, long limit) {
        return resetMs(nowMs) - nowMs;
    }

    @Override
    public long resetMs(long nowMs) {
        return window(nowMs).end().toEpochMilli();
    }
}
