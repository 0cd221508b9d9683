package dev.tally.core.counter;

import java.util.AbstractList;
import java.util.List;
import java.util.RandomAccess;

/**
 * The states of a call's counters, one per charge, packed in one array of longs: a list of {@link CounterState}s
 * whose fields are also read without making the records ({@link #used}, {@link #fits}, ...).
 *
 * <p>Why: a five-limit decision made five records and an array to hold them, about 300 bytes, on every call, while
 * the enforcer reads only their numbers and keeps them for rendering the limits later (if anyone asks). Here they are
 * one object and one array, filled by {@link InMemoryCounterStore} under the customer's lock without allocating
 * there. {@link #get} still answers records for the few readers that want them (alerts on a denial, tests).
 *
 * <p>Filled once by the store that made it, then only read: immutable as far as its readers are concerned (the
 * list's own {@code set} is not supported).
 */
public final class CounterStates extends AbstractList<CounterState> implements RandomAccess {
    /** Longs per state: used, reserved, retry, reset. */
    private static final int FIELDS = 4;
    private final int size;
    /** {@code FIELDS} longs per state, then the {@code fits} flags as bits, 64 a long. */
    private final long[] values;

    /** Room for {@code size} states, each to be filled by {@link #put}. */
    CounterStates(int size) {
        this.size = size;
        this.values = new long[FIELDS * size + (size + 63) / 64];
    }

    /** These states: {@code states} itself if it is packed already, else a packed copy. */
    public static CounterStates of(List<CounterState> states) {
        if (states instanceof CounterStates packed) {
            return packed;
        }
        CounterStates packed = new CounterStates(states.size());
        for (int i = 0; i < packed.size; i++) {
            CounterState s = states.get(i);
            packed.put(i, s.used(), s.reserved(), s.fits(), s.retryMs(), s.resetMs());
        }
        return packed;
    }

    /** Sets state {@code i}; only the store filling it calls this, before anyone reads it. */
    void put(int i, long used, long reserved, boolean fits, long retryMs, long resetMs) {
        int at = FIELDS * i;
        values[at] = used;
        values[at + 1] = reserved;
        values[at + 2] = retryMs;
        values[at + 3] = resetMs;
        long bit = 1L << i;
        int flags = FIELDS * size + (i >>> 6);
        values[flags] = fits ? values[flags] | bit : values[flags] & ~bit;
    }

    /** {@link CounterState#used} of state {@code i}. */
    public long used(int i) {
        return values[FIELDS * check(i)];
    }

    /** {@link CounterState#reserved} of state {@code i}. */
    public long reserved(int i) {
        return values[FIELDS * check(i) + 1];
    }

    /** {@link CounterState#fits} of state {@code i}. */
    public boolean fits(int i) {
        return (values[FIELDS * size + (check(i) >>> 6)] & 1L << i) != 0;
    }

    /** {@link CounterState#retryMs} of state {@code i}. */
    public long retryMs(int i) {
        return values[FIELDS * check(i) + 2];
    }

    /** {@link CounterState#resetMs} of state {@code i}. */
    public long resetMs(int i) {
        return values[FIELDS * check(i) + 3];
    }

    private int check(int i) {
        if (i < 0 || i >= size) {
            throw new IndexOutOfBoundsException("state " + i + " of " + size);
        }
        return i;
    }

    /** State {@code i} as a record (made on each call). */
    @Override
    public CounterState get(int i) {
        return new CounterState(used(i), reserved(i), fits(i), retryMs(i), resetMs(i));
    }

    @Override
    public int size() {
        return size;
    }
}
