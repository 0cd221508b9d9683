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

    private final CalendarWindows windows;
    private final WindowSums usedByStart = new WindowSums();
    private final WindowSums heldByStart = new WindowSums();

    /** @param windowAt the window containing an instant (in epoch milliseconds) */
    CalendarWindowCounter(LongFunction<Period> windowAt) {
        this.windows = new CalendarWindows(windowAt);
    }

    private long start(long ms) {
        return windows.startMs(ms);
    }

    @Override
    public void state(long nowMs, long amount, long limit, CounterStates into, int i) {
        long start = start(nowMs);
        long used = usedByStart.get(start);
        long reserved = heldByStart.get(start);
        boolean fits = WindowCounter.fits(used, reserved, amount, limit);
        // The window found for start() is the one remembered, so its end is read without locating it again.
        long resetMs = windows.endMs(nowMs);
        into.put(i, used, reserved, fits, fits ? 0 : resetMs - nowMs, resetMs);
    }

    @Override
    public long used(long nowMs) {
        return usedByStart.get(start(nowMs));
    }

    @Override
    public long reserved(long nowMs) {
        return heldByStart.get(start(nowMs));
    }

    @Override
    public void add(long eventMs, long amount, long nowMs) {
        usedByStart.add(start(eventMs), amount);
    }

    @Override
    public void hold(long atMs, long amount, long nowMs) {
        heldByStart.add(start(atMs), amount);
    }

    @Override
    public void unhold(long atMs, long amount) {
        heldByStart.subtractIfPresent(start(atMs), amount);
    }

    @Override
    public long millisUntilFits(long nowMs, long need, long limit) {
        return resetMs(nowMs) - nowMs;
    }

    @Override
    public long resetMs(long nowMs) {
        return windows.endMs(nowMs);
    }

    /**
     * Sums by window start, keeping only the {@value #KEEP} latest windows: decisions need the current one, late
     * events a past one. (Plain arrays: a tree map of boxed longs cost more than the decision around it.)
     */
    private static final class WindowSums {
        private final long[] starts = new long[KEEP];
        private final long[] sums = new long[KEEP];
        private int size;

        long get(long start) {
            int i = indexOf(start);
            return i < 0 ? 0 : sums[i];
        }

        void add(long start, long amount) {
            int i = indexOf(start);
            if (i >= 0) {
                sums[i] = Bounds.saturatedSum(sums[i], amount);
                return;
            }
            if (size < KEEP) {
                i = size++;
            } else {
                i = oldest();
                if (starts[i] > start) {
                    return; // older than every window kept: it would be dropped at once
                }
            }
            starts[i] = start;
            sums[i] = amount;
        }

        void subtractIfPresent(long start, long amount) {
            int i = indexOf(start);
            if (i >= 0) {
                sums[i] -= amount;
            }
        }

        private int indexOf(long start) {
            for (int i = 0; i < size; i++) {
                if (starts[i] == start) {
                    return i;
                }
            }
            return -1;
        }

        private int oldest() {
            int oldest = 0;
            for (int i = 1; i < size; i++) {
                if (starts[i] < starts[oldest]) {
                    oldest = i;
                }
            }
            return oldest;
        }
    }
}
