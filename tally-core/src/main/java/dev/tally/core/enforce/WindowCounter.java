package dev.tally.core.enforce;

/**
 * The usage of one limit over its window, as counted in memory for enforcement. Not thread-safe: the
 * {@link InMemoryCounterStore} guards all counters of a customer with that customer's lock.
 */
interface WindowCounter {
    /** Usage counted in the window that ends at {@code nowMs}. */
    long used(long nowMs);

    /** Adds usage of an event that happened at {@code eventMs}. */
    void add(long eventMs, long amount, long nowMs);

    /**
     * How long from {@code nowMs} until {@code need} more fits under {@code limit}, given {@code reserved} is held
     * meanwhile; the caller only asks when it does not fit now.
     */
    long millisUntilFits(long nowMs, long need, long reserved, long limit);

    /** When the window counted at {@code nowMs} resets (calendar) or its oldest usage falls out (sliding). */
    long resetMs(long nowMs);
}
