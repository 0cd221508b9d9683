package dev.tally.core.counter;

/**
 * An amount that one call (its estimate) or one event (its actual usage) adds to one limit's counter.
 *
 * <p>A {@code per} limit (one counter per end user, or per value of a dimension) has one spec and many counters:
 * {@code value} says which. It is part of the counter's identity in every adapter, beside the spec's key, so a
 * customer's limits and its users' limits are reserved together in one atomic step.
 *
 * @param spec   the limit's counter
 * @param amount in the metric's stored unit (calls, nano-dollars or micros)
 * @param value  the end user (or dimension value) whose counter of a {@code per} limit this is; null for a limit
 *               with one counter
 */
public record Charge(CounterSpec spec, long amount, String value) {
    /** A charge to a limit with one counter. */
    public Charge(CounterSpec spec, long amount) {
        this(spec, amount, null);
    }
}
