package dev.tally.core.enforce;

import java.time.Instant;
import java.util.List;

/**
 * The port to enforcement counters: per customer and limit, the usage in the current window and the estimates held
 * by open reservations. Adapters: {@link InMemoryCounterStore} for one node; a shared one (Redis) for several.
 *
 * <p>Contract: {@link #reserve} is atomic across all charges of a call: either every enforced charge fits and all are
 * held, or nothing changes. Concurrent callers can never push an enforced limit past its amount.
 */
public interface CounterStore {
    /**
     * Checks every charge and, if {@code reservation} is given and every enforced charge fits, holds all charges
     * under it until it is settled, released or expires.
     *
     * @param reservation what to hold, or null to only check
     * @return one state per charge, in order
     */
    List<CounterState> reserve(String customerId, List<Charge> charges, Reservation reservation, Instant now);

    /**
     * Releases a reservation at once.
     *
     * @return the customer it was held for, or null if it was not held (unknown, settled or expired)
     */
    String release(String reservationId, Instant now);

    /**
     * Adds the actual usage of a recorded event and, if it settles a reservation still held, releases that
     * reservation in the same step, so its estimate is replaced by the actual usage.
     *
     * @param settles the reservation the event names, or null
     */
    void record(String customerId, List<Charge> usage, Instant eventTime, String settles, Instant now);

    /**
     * Like {@link #record}, then answers the counters as they stand after it, one state per charge (what alert
     * evaluation needs). Only {@code used} of the states is meaningful; an adapter may leave the rest at
     * {@code fits = true} and zeros. An adapter may do both in one step; this default takes two.
     */
    default List<CounterState> recordAndRead(String customerId, List<Charge> usage, Instant eventTime,
                                             String settles, Instant now) {
        record(customerId, usage, eventTime, settles, now);
        return reserve(customerId, usage, null, now);
    }

    /**
     * A reservation: estimates held against limits until {@code expiresAt}.
     *
     * @param id        its id
     * @param expiresAt when it is released if nobody settles it
     */
    record Reservation(String id, Instant expiresAt) {
    }
}
