package dev.tally.core.counter;

/**
 * The counter of one end user (or one dimension value) under a {@code per} limit of a calendar window (day or
 * month): only the window it last counted in, as three longs, with the window arithmetic shared by every user of
 * the limit ({@link CalendarWindows}).
 *
 * <p>Why so small: a customer may have 100,000 active users under a daily {@code per: "user"} limit. A
 * {@link CalendarWindowCounter} keeps three windows of usage and of holds (for late events) and its window bounds,
 * 128 bytes; this keeps one window in 40 bytes (object header, a reference and three longs). What it gives up: an
 * event or a hold of an earlier window than the one counted is not counted (it could not change a decision about the
 * current window), and a later one starts a new window, forgetting the old.
 */
final class UserCalendarCounter implements WindowCounter {
    private final CalendarWindows windows;
    private long startMs = Long.MIN_VALUE;
    private long used;
    private long held;

    UserCalendarCounter(CalendarWindows windows) {
        this.windows = windows;
    }

    @Override
    public long used(long nowMs) {
        return windows.startMs(nowMs) == startMs ? used : 0;
    }

    @Override
    public long reserved(long nowMs) {
        return windows.startMs(nowMs) == startMs ? held : 0;
    }

    @Override
    public void add(long eventMs, long amount, long nowMs) {
        if (enter(windows.startMs(eventMs))) {
            used = dev.tally.core.bounds.Bounds.saturatedSum(used, amount);
        }
    }

    @Override
    public void hold(long atMs, long amount, long nowMs) {
        if (enter(windows.startMs(atMs))) {
            held += amount;
        }
    }

    /** Moves to the window starting at {@code start} if it is later; false if it is earlier than the one counted. */
    private boolean enter(long start) {
        if (start < startMs) {
            return false;
        }
        if (start > startMs) {
            startMs = start;
            used = 0;
            held = 0;
        }
        return true;
    }

    @Override
    public void unhold(long atMs, long amount) {
        if (windows.startMs(atMs) == startMs) {
            held -= amount;
        }
    }

    @Override
    public long millisUntilFits(long nowMs, long need, long limit) {
        return resetMs(nowMs) - nowMs;
    }

    @Override
    public long resetMs(long nowMs) {
        return windows.endMs(nowMs);
    }

    /** Whether it holds nothing that counts at {@code nowMs}: it can be dropped and made again when needed. */
    boolean isIdle(long nowMs) {
        return windows.startMs(nowMs) != startMs || used == 0 && held == 0;
    }
}
