package dev.tally.core.counter;

import dev.tally.core.bounds.Bounds;

import java.util.Arrays;

/**
 * The sliding window of {@link SlidingWindowCounter} (the same {@value SlidingWindowCounter#SLOTS} slots of
 * {@code W/60}, the same answers), keeping only the slots that hold something: one end user's counter of a
 * {@code per} minute or hour limit, where most users touch a few slots of the window, not all 60.
 *
 * <p>Memory: the slots in use are triples {@code (index, used, held)} in one {@code long[]}, sorted by index, grown
 * by doubling from one triple; slots that left the window are dropped at the next write. A user with one call in the
 * window costs the object (32 bytes) and a 40-byte array, against three 60-long arrays (about 1.5 KB) for the dense
 * counter; a user active in every slot costs about what the dense one does. Not thread-safe: guarded by the
 * customer's lock like every counter.
 */
final class SparseSlidingCounter implements WindowCounter {
    private static final int SLOTS = SlidingWindowCounter.SLOTS;
    private static final int INDEX = 0;
    private static final int USED = 1;
    private static final int HELD = 2;

    private final long slotMs;
    /** {@code size} triples (index, used, held), by ascending index. */
    private long[] slots = new long[3];
    private int size;

    SparseSlidingCounter(long windowMs) {
        this.slotMs = windowMs / SLOTS;
    }

    @Override
    public long used(long nowMs) {
        return sum(USED, nowMs);
    }

    @Override
    public long reserved(long nowMs) {
        return sum(HELD, nowMs);
    }

    private long sum(int field, long nowMs) {
        long current = nowMs / slotMs;
        long sum = 0;
        for (int i = 0; i < size; i++) {
            long index = slots[3 * i + INDEX];
            if (index > current - SLOTS && index <= current) {
                sum = Bounds.saturatedSum(sum, slots[3 * i + field]);
            }
        }
        return sum;
    }

    @Override
    public void add(long eventMs, long amount, long nowMs) {
        int at = slotFor(eventMs, nowMs);
        if (at >= 0) {
            slots[at + USED] = Bounds.saturatedSum(slots[at + USED], amount);
        }
    }

    @Override
    public void hold(long atMs, long amount, long nowMs) {
        int at = slotFor(atMs, nowMs);
        if (at >= 0) {
            slots[at + HELD] += amount;
        }
    }

    @Override
    public void unhold(long atMs, long amount) {
        int i = find(atMs / slotMs);
        if (i >= 0) {
            slots[3 * i + HELD] -= amount;
        }
    }

    /**
     * The position in {@link #slots} of a moment's slot, made if absent; -1 if the moment already left the window.
     * Drops the slots that left it first, so the array holds at most the window's 60.
     */
    private int slotFor(long atMs, long nowMs) {
        long current = nowMs / slotMs;
        long index = atMs / slotMs;
        if (index <= current - SLOTS) {
            return -1;
        }
        // A moment from the near future (clock skew) counts now, so it cannot stay in the window longer.
        index = Math.min(index, current);
        dropBefore(current - SLOTS + 1);
        // From the newest: nearly every write is to the current slot, the last one.
        int position = size;
        while (position > 0 && slots[3 * (position - 1) + INDEX] >= index) {
            position--;
            if (slots[3 * position + INDEX] == index) {
                return 3 * position;
            }
        }
        return 3 * insert(position, index);
    }

    /** Drops the slots whose index is below {@code first} (they left the window). */
    private void dropBefore(long first) {
        int keep = 0;
        while (keep < size && slots[3 * keep + INDEX] < first) {
            keep++;
        }
        if (keep > 0) {
            System.arraycopy(slots, 3 * keep, slots, 0, 3 * (size - keep));
            Arrays.fill(slots, 3 * (size - keep), 3 * size, 0);
            size -= keep;
        }
    }

    private int insert(int position, long index) {
        if (3 * (size + 1) > slots.length) {
            slots = Arrays.copyOf(slots, Math.min(3 * SLOTS, slots.length * 2));
        }
        System.arraycopy(slots, 3 * position, slots, 3 * (position + 1), 3 * (size - position));
        slots[3 * position + INDEX] = index;
        slots[3 * position + USED] = 0;
        slots[3 * position + HELD] = 0;
        size++;
        return position;
    }

    /** The position of the slot with this index, or -1. */
    private int find(long index) {
        for (int i = 0; i < size; i++) {
            if (slots[3 * i + INDEX] == index) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public long millisUntilFits(long nowMs, long need, long limit) {
        long current = nowMs / slotMs;
        long total = used(nowMs) + reserved(nowMs);
        // Slots leave the window oldest first; an empty slot's leaving changes nothing but may already be enough.
        for (long index = current - SLOTS + 1; index <= current; index++) {
            int i = find(index);
            if (i >= 0) {
                total -= slots[3 * i + USED] + slots[3 * i + HELD];
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
        for (int i = 0; i < size; i++) {
            long index = slots[3 * i + INDEX];
            if (index > current - SLOTS && index <= current && slots[3 * i + USED] + slots[3 * i + HELD] != 0) {
                return (index + SLOTS) * slotMs;
            }
        }
        return nowMs + SLOTS * slotMs;
    }
}
