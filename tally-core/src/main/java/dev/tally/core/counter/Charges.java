package dev.tally.core.counter;

import java.util.AbstractList;
import java.util.List;
import java.util.RandomAccess;

/**
 * A call's or an event's charges, one per limit, as three arrays: the limits' counter specs, the amounts and (for
 * {@code per} limits) the end user or dimension values. A list of {@link Charge}s whose parts are also read without
 * making the records ({@link #spec}, {@link #amount}, {@link #value}).
 *
 * <p>Why: the specs of a customer's limits are the same on every call, and most limits have no {@code per} value, so
 * only the amounts are new per call. A five-limit call made a record per varying charge, an array and a list around
 * it (about 150 bytes, on authorize and again on record); here it is this object and an array of five longs.
 * {@link InMemoryCounterStore} reads the arrays; other adapters may read the list, whose {@link #get} makes a record.
 *
 * <p>The arrays are the caller's and are not copied: the specs array may be shared by many calls (it is only read),
 * the amounts and values must not change once handed over.
 */
public final class Charges extends AbstractList<Charge> implements RandomAccess {
    private final CounterSpec[] specs;
    private final long[] amounts;
    /** Null when no charge names a value. */
    private final String[] values;

    /**
     * @param specs   each charge's counter spec (at least {@code amounts.length}; only read)
     * @param amounts each charge's amount, in the metric's stored unit; its length is the number of charges
     * @param values  each charge's end user or dimension value ({@link Charge#value}), or null when none has one
     */
    public Charges(CounterSpec[] specs, long[] amounts, String[] values) {
        if (specs.length < amounts.length || values != null && values.length < amounts.length) {
            throw new IllegalArgumentException("charges need a spec and a value place per amount: " + specs.length
                    + " specs, " + (values == null ? "no" : values.length) + " values for " + amounts.length
                    + " amounts");
        }
        this.specs = specs;
        this.amounts = amounts;
        this.values = values;
    }

    /** These charges: {@code charges} itself if it is a {@code Charges} already, else one copied from it. */
    public static Charges of(List<Charge> charges) {
        if (charges instanceof Charges c) {
            return c;
        }
        int n = charges.size();
        CounterSpec[] specs = new CounterSpec[n];
        long[] amounts = new long[n];
        String[] values = null;
        for (int i = 0; i < n; i++) {
            Charge charge = charges.get(i);
            specs[i] = charge.spec();
            amounts[i] = charge.amount();
            if (charge.value() != null) {
                values = values == null ? new String[n] : values;
                values[i] = charge.value();
            }
        }
        return new Charges(specs, amounts, values);
    }

    /**
     * The specs array itself, for the in-memory store to recognise a call's limits by its identity: the enforcer
     * shares one array among every call of a customer's provider, model and endpoint. Never written.
     */
    CounterSpec[] specs() {
        return specs;
    }

    /** {@link Charge#spec} of charge {@code i}. */
    public CounterSpec spec(int i) {
        return specs[check(i)];
    }

    /** {@link Charge#amount} of charge {@code i}. */
    public long amount(int i) {
        return amounts[i];
    }

    /** {@link Charge#value} of charge {@code i}: null for a limit with one counter. */
    public String value(int i) {
        return values == null ? null : values[check(i)];
    }

    private int check(int i) {
        if (i >= amounts.length) {
            throw new IndexOutOfBoundsException("charge " + i + " of " + amounts.length);
        }
        return i;
    }

    /** Charge {@code i} as a record (made on each call). */
    @Override
    public Charge get(int i) {
        return new Charge(spec(i), amount(i), value(i));
    }

    @Override
    public int size() {
        return amounts.length;
    }
}
