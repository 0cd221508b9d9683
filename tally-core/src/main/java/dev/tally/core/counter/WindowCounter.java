package dev.tally.core.counter;

/**
 * The usage of one limit over its window, as counted in memory for enforcement: usage of recorded events, and
 * estimates held by open reservations, each placed at the moment it happened, so both leave the window the same way
 * (a reservation made at 12:00:10 no longer holds a minute limit at 12:01:10, settled or not). Not thread-safe: the
 * {@link InMemoryCounterStore} guards all counters of a customer with that customer's lock.
 */
interface WindowCounter {
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
