package dev.tally.core.counter;

import dev.tally.core.bounds.Bounds;

/**
 * A sliding window of length {@code W} kept as {@value #SLOTS} slots of {@code W/60} each (seconds for a minute
 * window, minutes for an hour window).
 *
 * <p>Why: a calendar minute lets a client spend its whole allowance in the last second of one minute and again in
 * the first second of the next, twice the limit within two seconds. Counting the trailing {@code W} instead removes
 * that double burst. Error bound: usage is counted per slot, so usage leaves the window up to one slot early; in any
 * interval of length {@code W} at most {@code limit * (1 + 1/60)} is admitted (1.7% over; for a minute window at
 * most one second's worth).
 *
 * <p>Running totals: the sums of used and held amounts over the window ending at the latest slot seen are kept as
 * two longs, moved as slots are written and as old slots fall out, so a decision reads them in constant time instead
 * of adding up 60 slots twice (which was the largest single cost of an in-process authorization). Reading the window
 * at an earlier moment (a clock that went back) adds the slots up as before. Values large enough that 60 of them
 * could overflow a long switch the counter to adding up the slots for good, whose saturating sums stay the rule.
 */
final class SlidingWindowCounter implements WindowCounter {
    static final int SLOTS = 60;
    /** Slot values beyond this (either sign) could overflow a sum of {@value #SLOTS} of them. */
    private static final long EXACT_BOUND = Long.MAX_VALUE / 64;

    private final long slotMs;
    /** A slot's fields in {@link #slots}, at {@code FIELDS * slot}: its index (time / slot length), used and held. */
    private static final int FIELDS = 3;
    private static final int INDEX = 0;
    private static final int USED = 1;
    private static final int HELD = 2;
    /**
     * Every slot's index, usage and holds, slot after slot. Side by side rather than an array per field: a decision
     * about one of 1,000 customers reads two slots (the current and the oldest one counted), and with a slot's fields
     * together that is two cache lines, not six (issue 12).
     */
    private final long[] slots = new long[FIELDS * SLOTS];
    /** The latest slot index the totals are counted up to: they cover indexes in {@code (latest - SLOTS, latest]}. */
    private long latest = Long.MIN_VALUE;
    /** Where slot {@link #latest} starts, epoch milliseconds; {@link Long#MAX_VALUE} before any. */
    private long latestStartMs = Long.MAX_VALUE;
    private long usedTotal;
    private long heldTotal;
    /** False once a value beyond {@link #EXACT_BOUND} was seen: then the totals are not kept and slots are summed. */
    private boolean totalsKept = true;
    /**
     * A lower bound of the oldest slot index that may hold usage in a window ending at {@link #latest} or later: every
     * slot from there back to the window's start is empty. Lowered by every write to an earlier slot, raised by
     * {@link #resetMs} to the oldest non-empty slot it finds, so that reading the reset does not walk the empty slots
     * of a window again on every call (a customer whose calls began less than a window ago).
     */
    private long oldestWritten = Long.MAX_VALUE;
    /** Whether {@link #resetMs} keeps no hint and walks the window (the reference counter of the tests). */
    private boolean walksAlways;

    SlidingWindowCounter(long windowMs) {
        this.slotMs = windowMs / SLOTS;
        for (int slot = 0; slot < SLOTS; slot++) {
            slots[FIELDS * slot + INDEX] = Long.MIN_VALUE;
        }
    }

    /**
     * A counter that never keeps totals and always adds up its slots, and walks its window for the reset: the
     * reference the totals and the reset's hint are tested against.
     */
    static SlidingWindowCounter summingSlots(long windowMs) {
        SlidingWindowCounter c = new SlidingWindowCounter(windowMs);
        c.totalsKept = false;
        c.walksAlways = true;
        return c;
    }

    @Override
    public void state(long nowMs, long amount, long limit, CounterStates into, int i) {
        long current = index(nowMs);
        boolean totals = advance(current);
        long usedNow = totals ? usedTotal : sum(USED, current);
        long reservedNow = totals ? heldTotal : sum(HELD, current);
        boolean fits = WindowCounter.fits(usedNow, reservedNow, amount, limit);
        into.put(i, usedNow, reservedNow, fits, fits ? 0 : millisUntilFits(nowMs, amount, limit), resetMs(nowMs));
    }

    @Override
    public long used(long nowMs) {
        long current = index(nowMs);
        return advance(current) ? usedTotal : sum(USED, current);
    }

    @Override
    public long reserved(long nowMs) {
        long current = index(nowMs);
        return advance(current) ? heldTotal : sum(HELD, current);
    }

    /** The sum of one field ({@link #USED} or {@link #HELD}) over the slots of the window ending at {@code current}. */
    private long sum(int field, long current) {
        long sum = 0;
        for (int i = 0; i < SLOTS; i++) {
            if (slots[FIELDS * i + INDEX] > current - SLOTS && slots[FIELDS * i + INDEX] <= current) {
                sum = Bounds.saturatedSum(sum, slots[FIELDS * i + field]);
            }
        }
        return sum;
    }

    /**
     * Moves the totals to the window ending at slot {@code current}, dropping the slots that fell out; true if the
     * totals then answer for that window (false when they are not kept, or {@code current} is before the latest).
     */
    private boolean advance(long current) {
        if (!totalsKept || current < latest) {
            return false;
        }
        if (current == latest) {
            return true;
        }
        if (latest == Long.MIN_VALUE || current - latest >= SLOTS) {
            usedTotal = 0;
            heldTotal = 0;
        } else {
            // Slots with indexes in (latest - SLOTS, current - SLOTS] leave the window.
            for (long index = latest - SLOTS + 1; index <= current - SLOTS; index++) {
                int slot = slot(index);
                if (slots[FIELDS * slot + INDEX] == index) {
                    usedTotal -= slots[FIELDS * slot + USED];
                    heldTotal -= slots[FIELDS * slot + HELD];
                }
            }
        }
        latest = current;
        latestStartMs = current >= 0 ? current * slotMs : Long.MAX_VALUE;
        return true;
    }

    /**
     * The slot index of a moment, {@code ms / slotMs}: without the division when the moment is in the latest slot,
     * which nearly every call asks about (a 64-bit division by a variable is the slowest instruction here).
     */
    private long index(long ms) {
        long start = latestStartMs;
        return ms >= start && ms - start < slotMs ? latest : ms / slotMs;
    }

    /** Whether slot index {@code index} is inside the window the totals count. */
    private boolean counted(long index) {
        return totalsKept && index > latest - SLOTS && index <= latest;
    }

    /** Stops keeping totals if {@code value} is large enough to make them overflow. */
    private void watch(long value) {
        if (value > EXACT_BOUND || value < -EXACT_BOUND) {
            totalsKept = false;
        }
    }

    @Override
    public void add(long eventMs, long amount, long nowMs) {
        int slot = slotFor(eventMs, nowMs);
        if (slot >= 0) {
            slots[FIELDS * slot + USED] = Bounds.saturatedSum(slots[FIELDS * slot + USED], amount);
            if (counted(slots[FIELDS * slot + INDEX])) {
                usedTotal += amount;
            }
            watch(slots[FIELDS * slot + USED]);
        }
    }

    @Override
    public void hold(long atMs, long amount, long nowMs) {
        int slot = slotFor(atMs, nowMs);
        if (slot >= 0) {
            slots[FIELDS * slot + HELD] += amount;
            if (counted(slots[FIELDS * slot + INDEX])) {
                heldTotal += amount;
            }
            watch(slots[FIELDS * slot + HELD]);
        }
    }

    @Override
    public void unhold(long atMs, long amount) {
        long index = index(atMs);
        int slot = slot(index);
        if (slots[FIELDS * slot + INDEX] == index) {
            written(index);
            slots[FIELDS * slot + HELD] -= amount;
            if (counted(index)) {
                heldTotal -= amount;
            }
            watch(slots[FIELDS * slot + HELD]);
        }
    }

    /** Notes a write to slot index {@code index}, which may make it the oldest one holding usage. */
    private void written(long index) {
        if (index < oldestWritten) {
            oldestWritten = index;
        }
    }

    private static int slot(long index) {
        return (int) Math.floorMod(index, (long) SLOTS);
    }

    /** The slot for a moment, cleared if it last held an older index; -1 if the moment already left the window. */
    private int slotFor(long atMs, long nowMs) {
        long index = index(atMs);
        long current = index(nowMs);
        if (index <= current - SLOTS) {
            return -1;
        }
        advance(current);
        // A moment from the near future (clock skew) counts now, so it cannot stay in the window longer.
        index = Math.min(index, current);
        int slot = slot(index);
        written(index);
        if (slots[FIELDS * slot + INDEX] != index) {
            if (counted(slots[FIELDS * slot + INDEX])) {
                usedTotal -= slots[FIELDS * slot + USED];
                heldTotal -= slots[FIELDS * slot + HELD];
            }
            slots[FIELDS * slot + INDEX] = index;
            slots[FIELDS * slot + USED] = 0;
            slots[FIELDS * slot + HELD] = 0;
        }
        return slot;
    }

    @Override
    public long millisUntilFits(long nowMs, long need, long limit) {
        long current = index(nowMs);
        long total = used(nowMs) + reserved(nowMs);
        int slot = slot(current - SLOTS + 1);
        for (long index = current - SLOTS + 1; index <= current; index++, slot = slot == SLOTS - 1 ? 0 : slot + 1) {
            if (slots[FIELDS * slot + INDEX] == index) {
                total -= slots[FIELDS * slot + USED] + slots[FIELDS * slot + HELD];
            }
            if (total + need <= limit) {
                return (index + SLOTS) * slotMs - nowMs;
            }
        }
        return SLOTS * slotMs; // more than the limit in one call: a full window is the honest lower bound
    }

    @Override
    public long resetMs(long nowMs) {
        long current = index(nowMs);
        if (current != latest || walksAlways) {
            // Not the latest slot the totals reached (a clock that went back, or no read yet): later reads may ask
            // about windows the hint was not raised for, so this one walks the window and leaves the hint alone.
            return resetMsWalkingAll(current, nowMs);
        }
        // Slots before oldestWritten are empty: start at the later of it and the window's first slot.
        long first = Math.max(current - SLOTS + 1, oldestWritten);
        int slot = slot(first);
        for (long index = first; index <= current; index++, slot = slot == SLOTS - 1 ? 0 : slot + 1) {
            if (counts(slot, index)) {
                oldestWritten = index;
                return (index + SLOTS) * slotMs;
            }
        }
        if (current >= oldestWritten) {
            oldestWritten = current + 1; // every slot up to now is empty or out of the window
        }
        return nowMs + SLOTS * slotMs;
    }

    /** {@link #resetMs} walking every slot of the window ending at slot {@code current}. */
    private long resetMsWalkingAll(long current, long nowMs) {
        int slot = slot(current - SLOTS + 1);
        for (long index = current - SLOTS + 1; index <= current; index++, slot = slot == SLOTS - 1 ? 0 : slot + 1) {
            if (counts(slot, index)) {
                return (index + SLOTS) * slotMs;
            }
        }
        return nowMs + SLOTS * slotMs;
    }

    /** Whether {@code slot} is the slot of {@code index} and has usage or holds in it. */
    private boolean counts(int slot, long index) {
        int at = FIELDS * slot;
        return slots[at + INDEX] == index && slots[at + USED] + slots[at + HELD] != 0;
    }
}
