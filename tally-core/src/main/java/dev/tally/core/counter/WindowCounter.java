package dev.tally.core.counter;

import dev.tally.core.bounds.Bounds;

/**
 * The usage of one limit over its window, as counted in memory for enforcement: usage of recorded events, and
 * estimates held by open reservations, each placed at the moment it happened, so both leave the window the same way
 * (a reservation made at 12:00:10 no longer holds a minute limit at 12:01:10, settled or not). Not thread-safe: the
 * {@link InMemoryCounterStore} guards all counters of a customer with that customer's lock.
 */
interface WindowCounter {
    /**
     * The counter as a decision about a charge of {@code amount} sees it at {@code nowMs}: used, reserved, whether the
     * charge fits under {@code limit} (always when {@code limit < 0}: unlimited), how long until it would if not, and
     * the reset. (A record, for tests and readers of one counter; a call's counters fill {@link CounterStates}.)
     */
    default CounterState state(long nowMs, long amount, long limit) {
        CounterStates one = new CounterStates(1);
        state(nowMs, amount, limit, one, 0);
        return one.get(0);
    }

    /**
     * {@link #state(long, long, long)} written to state {@code i} of {@code into}. One call rather than five, so a
     * counter finds its window once per decision, and no record made under the customer's lock.
     */
    default void state(long nowMs, long amount, long limit, CounterStates into, int i) {
        long used = used(nowMs);
        long reserved = reserved(nowMs);
        boolean fits = fits(used, reserved, amount, limit);
        into.put(i, used, reserved, fits, fits ? 0 : millisUntilFits(nowMs, amount, limit), resetMs(nowMs));
    }

    /** Whether {@code amount} fits under {@code limit} beside {@code used} and {@code reserved}. */
    static boolean fits(long used, long reserved, long amount, long limit) {
        // Saturating: counts near a long must not wrap to a negative sum that fits under every limit.
        return limit < 0 || Bounds.saturatedSum(Bounds.saturatedSum(used, reserved), amount) <= limit;
    }

    /** Usage of recorded events in the window that ends at {@code nowMs}. */
    long used(long nowMs);

    /** Estimates held in the window that ends at {@code nowMs}. */
    long reserved(long nowMs);

    /** Adds usage of an event that happened at {@code eventMs}. */
    void add(long eventMs, long amount, long nowMs);

    /** Holds an estimate made at {@code atMs}. */
    void hold(long atMs, long amount, long nowMs);

    /** Gives back an estimate held at {@code atMs} (no-op once that moment has left the window). */
    void unhold(long atMs, long amount);

    /** How long from {@code nowMs} until {@code need} more fits under {@code limit}; asked only when it does not. */
    long millisUntilFits(long nowMs, long need, long limit);

    /** When the window counted at {@code nowMs} resets (calendar) or its oldest usage falls out (sliding). */
    long resetMs(long nowMs);
}
