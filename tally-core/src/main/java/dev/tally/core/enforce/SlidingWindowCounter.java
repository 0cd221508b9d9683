package dev.tally.core.enforce;

/**
 * A sliding window of length {@code W} kept as {@value #SLOTS} slots of {@code W/60} each (seconds for a minute
 * window, minutes for an hour window).
 *
 * <p>Why: a calendar minute lets a client spend its whole allowance in the last second of one minute and again in
 * the first second of the next, twice the limit within two seconds. Counting the trailing {@code W} instead removes
 * that double burst. Error bound: usage is counted per slot, so usage leaves the window up to one slot early; in any
 * interval of length {@code W} at most {@code limit * (1 + 1/60)} is admitted (1.7% over, for a minute window at most
 * one second's worth), and never more than {@code limit} within one slot of a boundary.
 */
final class SlidingWindowCounter implements WindowCounter {
    static final int SLOTS = 60;

    private final long slotMs;
    private final long[] amounts = new long[SLOTS];
    private final long[] slotIndex = new long[SLOTS];

    SlidingWindowCounter(long windowMs) {
        this.slotMs = windowMs / SLOTS;
        java.util.Arrays.fill(slotIndex, Long.MIN_VALUE);
    }

    @Override
    public long used(long nowMs) {
        long current = nowMs / slotMs;
        long sum = 0;
        for (int i = 0; i < SLOTS; i++) {
            if (slotIndex[i] > current - SLOTS && slotIndex[i] <= current) {
                sum += amounts[i];
            }
        }
        return sum;
    }

    @Override
    public void add(long eventMs, long amount, long nowMs) {
        long index = eventMs / slotMs;
        long current = nowMs / slotMs;
        if (index <= current - SLOTS) {
            return; // already outside the window: it can never count again
        }
        // An event from the near future (clock skew) counts now, so it cannot escape the window early.
        index = Math.min(index, current);
        int slot = (int) Math.floorMod(index, (long) SLOTS);
        if (slotIndex[slot] != index) {
            slotIndex[slot] = index;
            amounts[slot] = 0;
        }
        amounts[slot] += amount;
    }

    @Override
    public long millisUntilFits(long nowMs, long need, long reserved, long limit) {
        long current = nowMs / slotMs;
        long used = used(nowMs);
        for (long index = current - SLOTS + 1; index <= current; index++) {
            int slot = (int) Math.floorMod(index, (long) SLOTS);
            if (slotIndex[slot] == index) {
                used -= amounts[slot];
            }
            if (used + reserved + need <= limit) {
                return (index + SLOTS) * slotMs - nowMs;
            }
        }
        return SLOTS * slotMs; // reservations alone hold it over: at most a full window (they expire or settle)
    }

    @Override
    public long resetMs(long nowMs) {
        long current = nowMs / slotMs;
        for (long index = current - SLOTS + 1; index <= current; index++) {
            int slot = (int) Math.floorMod(index, (long) SLOTS);
            if (slotIndex[slot] == index && amounts[slot] != 0) {
                return (index + SLOTS) * slotMs;
            }
        }
        // Nothing counted: what is held (reservations) or comes next stays for at most a full window.
        return nowMs + SLOTS * slotMs;
    }
}
