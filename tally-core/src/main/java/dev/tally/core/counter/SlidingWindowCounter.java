package dev.tally.core.counter;

import dev.tally.core.bounds.Bounds;

import java.util.Arrays;

/**
 * A sliding window of length {@code W} kept as {@value #SLOTS} slots of {@code W/60} each (seconds for a minute
 * window, minutes for an hour window).
 *
 * <p>Why: a calendar minute lets a client spend its whole allowance in the last second of one minute and again in
 * the first second of the next, twice the limit within two seconds. Counting the trailing {@code W} instead removes
 * that double burst. Error bound: usage is counted per slot, so usage leaves the window up to one slot early; in any
 * interval of length {@code W} at most {@code limit * (1 + 1/60)} is admitted (1.7% over; for a minute window at
 * most one second's worth).
 */
final class SlidingWindowCounter implements WindowCounter {
    static final int SLOTS = 60;

    private final long slotMs;
    private final long[] used = new long[SLOTS];
    private final long[] held = new long[SLOTS];
    private final long[] slotIndex = new long[SLOTS];

    SlidingWindowCounter(long windowMs) {
        this.slotMs = windowMs / SLOTS;
        Arrays.fill(slotIndex, Long.MIN_VALUE);
    }

    @Override
    public long used(long nowMs) {
        return sum(used, nowMs);
    }

    @Override
    public long reserved(long nowMs) {
        return sum(held, nowMs);
    }

    private long sum(long[] amounts, long nowMs) {
        long current = nowMs / slotMs;
        long sum = 0;
        for (int i = 0; i < SLOTS; i++) {
            if (slotIndex[i] > current - SLOTS && slotIndex[i] <= current) {
                sum = Bounds.saturatedSum(sum, amounts[i]);
            }
        }
        return sum;
    }

    @Override
    public void add(long eventMs, long amount, long nowMs) {
        int slot = slotFor(eventMs, nowMs);
        if (slot >= 0) {
            used[slot] = Bounds.saturatedSum(used[slot], amount);
        }
    }

    @Override
    public void hold(long atMs, long amount, long nowMs) {
        int slot = slotFor(atMs, nowMs);
        if (slot >= 0) {
            held[slot] += amount;
        }
    }

    @Override
    public void unhold(long atMs, long amount) {
        long index = atMs / slotMs;
        int slot = (int) Math.floorMod(index, (long) SLOTS);
        if (slotIndex[slot] == index) {
            held[slot] -= amount;
        }
    }

    /** The slot for a moment, cleared if it last held an older index; -1 if the moment already left the window. */
    private int slotFor(long atMs, long nowMs) {
        long index = atMs / slotMs;
        long current = nowMs / slotMs;
        if (index <= current - SLOTS) {
            return -1;
        }
        // A moment from the near future (clock skew) counts now, so it cannot stay in the window longer.
        index = Math.min(index, current);
        int slot = (int) Math.floorMod(index, (long) SLOTS);
        if (slotIndex[slot] != index) {
            slotIndex[slot] = index;
            used[slot] = 0;
            held[slot] = 0;
        }
        return slot;
    }

    @Override
    public long millisUntilFits(long nowMs, long need, long limit) {
        long current = nowMs / slotMs;
        long total = used(nowMs) + reserved(nowMs);
        for (long index = current - SLOTS + 1; index <= current; index++) {
            int slot = (int) Math.floorMod(index, (long) SLOTS);
            if (slotIndex[slot] == index) {
                total -= used[slot] + held[slot];
            }
            if (total + need <= limit) {
                return (index + SLOTS) * slotMs - nowMs;
            }
        }
        return SLOTS * slotMs; // more than the limit in one call: a full window is the honest lower bound
    }

    @Override
    public long resetMs(long nowMs) {
        long current = nowMs / slotMs;
        for (long index = current - SLOTS + 1; index <= current; index++) {
            int slot = (int) Math.floorMod(index, (long) SLOTS);
            if (slotIndex[slot] == index && used[slot] + held[slot] != 0) {
                return (index + SLOTS) * slotMs;
            }
        }
        return nowMs + SLOTS * slotMs;
    }
}
