package dev.tally.core.counter;

import dev.tally.core.period.Window;

import java.time.Instant;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * The counters of one {@code per} limit of one customer: one per end user (or dimension value) that has usage or
 * holds in the current window. Not thread-safe: guarded by the customer's lock.
 *
 * <p>Memory: a calendar window's counter is a {@link UserCalendarCounter} (40 bytes) in a hash map entry (about 40
 * bytes with its share of the table) under its name (a String, about 56 bytes for ten characters), so about 136
 * bytes an active user (measured in {@code docs/benchmarks.md}). A minute or hour window's counter is a
 * {@link SparseSlidingCounter}: only the slots a user touched (72 bytes with one), not the 60 of a
 * {@link SlidingWindowCounter} (about 1.5 KB).
 *
 * <p>Idle counters (nothing used or held in the current window) are dropped: all at once when the first call of a
 * new window arrives (day and month) or a window's length after the last sweep (minute and hour), and whenever the
 * table has doubled since the last sweep, so its size follows the users active in the window, at O(1) amortized
 * cost per new user. A reservation still names a dropped counter; giving its hold back to it then changes nothing
 * that counts.
 */
final class UserCounters {
    /** Below this size the table is only swept when its window turns. */
    private static final int MIN_SWEEP_SIZE = 1024;

    private final CounterSpec spec;
    /** Shared by every user's calendar counter; null for sliding windows. */
    private final CalendarWindows windows;
    private final Map<String, WindowCounter> byValue = new HashMap<>();
    private int sweepAtSize = MIN_SWEEP_SIZE;
    /** The window start (calendar) or the moment (sliding) of the last sweep. */
    private long sweptMs = Long.MIN_VALUE;

    UserCounters(CounterSpec spec) {
        this.spec = spec;
        boolean calendar = spec.window() == Window.DAY || spec.window() == Window.MONTH;
        this.windows = calendar ? new CalendarWindows(ms -> spec.window().periodAt(spec.zone(), spec.billingDay(),
                Instant.ofEpochMilli(ms))) : null;
    }

    /** The counter of {@code value}, made if it has none. */
    WindowCounter counter(String value, long nowMs) {
        sweepIfWindowTurned(nowMs);
        WindowCounter counter = byValue.get(value);
        if (counter == null) {
            if (byValue.size() >= sweepAtSize) {
                sweep(nowMs);
            }
            counter = windows != null ? new UserCalendarCounter(windows)
                    : new SparseSlidingCounter(spec.window() == Window.MINUTE ? 60_000L : 3_600_000L);
            byValue.put(value, counter);
        }
        return counter;
    }

    /**
     * The counter of {@code value} for reading only: its own if it has one, else a new empty one that is not kept,
     * so that reading the state of users who never called (a report, a check) leaves no counter behind.
     */
    WindowCounter peek(String value, long nowMs) {
        WindowCounter counter = byValue.get(value);
        if (counter != null) {
            return counter;
        }
        return windows != null ? new UserCalendarCounter(windows)
                : new SparseSlidingCounter(spec.window() == Window.MINUTE ? 60_000L : 3_600_000L);
    }

    /** How many users (or values) have a counter now. */
    int size() {
        return byValue.size();
    }

    private void sweepIfWindowTurned(long nowMs) {
        if (windows != null) {
            long start = windows.startMs(nowMs);
            if (start != sweptMs) {
                sweep(nowMs);
                sweptMs = start;
            }
        } else if (nowMs - (spec.window() == Window.MINUTE ? 60_000L : 3_600_000L) >= sweptMs) {
            sweep(nowMs);
            sweptMs = nowMs;
        }
    }

    private void sweep(long nowMs) {
        for (Iterator<WindowCounter> it = byValue.values().iterator(); it.hasNext(); ) {
            WindowCounter c = it.next();
            boolean idle = c instanceof UserCalendarCounter u ? u.isIdle(nowMs)
                    : c.used(nowMs) == 0 && c.reserved(nowMs) == 0;
            if (idle) {
                it.remove();
            }
        }
        sweepAtSize = Math.max(MIN_SWEEP_SIZE, 2 * byValue.size());
    }
}
