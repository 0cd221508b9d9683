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
    /**
     * {@code FIELDS} longs per state, then the {@code fits} flags as bits, 64 a long; or, for states made by
     * {@link #usedOnly}, one long per state, the used amount.
     */
    private final long[] values;
    /** Whether only the used amounts are held: nothing reserved, every state fits, no retry or reset. */
    private final boolean usedOnly;

    /** Room for {@code size} states, each to be filled by {@link #put}. */
    CounterStates(int size) {
        this(size, false);
    }

    private CounterStates(int size, boolean usedOnly) {
        this.size = size;
        this.usedOnly = usedOnly;
        this.values = usedOnly ? new long[size] : new long[FIELDS * size + (size + 63) / 64];
    }

    /**
     * Room for {@code size} states that are only a used amount each (nothing reserved, fitting, no retry or reset),
     * filled by {@link #putUsed}: what counting a stored event reads back. A fifth of the longs of {@link #put}'s
     * states, which were the largest allocation of counting an event (184 bytes for five limits).
     */
    static CounterStates usedOnly(int size) {
        return new CounterStates(size, true);
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
        if (usedOnly) {
            throw new IllegalStateException("these states hold only used amounts");
        }
        int at = FIELDS * i;
        values[at] = used;
        values[at + 1] = reserved;
        values[at + 2] = retryMs;
        values[at + 3] = resetMs;
        long bit = 1L << i;
        int flags = FIELDS * size + (i >>> 6);
        values[flags] = fits ? values[flags] | bit : values[flags] & ~bit;
    }

    /** Sets the used amount of state {@code i} of states made by {@link #usedOnly}, before anyone reads it. */
    void putUsed(int i, long used) {
        if (!usedOnly) {
            throw new IllegalStateException("these states hold every field: use put");
        }
        values[i] = used;
    }

    /** {@link CounterState#used} of state {@code i}. */
    public long used(int i) {
        check(i);
        return usedOnly ? values[i] : values[FIELDS * i];
    }

    /** {@link CounterState#reserved} of state {@code i}. */
    public long reserved(int i) {
        check(i);
        return usedOnly ? 0 : values[FIELDS * i + 1];
    }

    /** {@link CounterState#fits} of state {@code i}. */
    public boolean fits(int i) {
        check(i);
        return usedOnly || (values[FIELDS * size + (i >>> 6)] & 1L << i) != 0;
    }

    /** {@link CounterState#retryMs} of state {@code i}. */
    public long retryMs(int i) {
        check(i);
        return usedOnly ? 0 : values[FIELDS * i + 2];
    }

    /** {@link CounterState#resetMs} of state {@code i}. */
    public long resetMs(int i) {
        check(i);
        return usedOnly ? 0 : values[FIELDS * i + 3];
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
