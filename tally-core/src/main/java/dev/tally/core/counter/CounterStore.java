package dev.tally.core.counter;

import java.time.Instant;
import java.util.List;

/**
 * The port to enforcement counters: per customer and limit, the usage in the current window and the estimates held
 * by open reservations. Adapters: {@link InMemoryCounterStore} for one node; a shared one (Redis) for several.
 *
 * <p>Contract: {@link #reserve} is atomic across all charges of a call: either every enforced charge fits and all are
 * held, or nothing changes. Concurrent callers can never push an enforced limit past its amount.
 *
 * <p>A held reservation is named by a {@link Handle} the adapter chooses: where it keeps the reservation and a random
 * tag telling it from earlier and later ones kept there. The caller turns the handle into the signed reservation id
 * ({@code dev.tally.core.reservation.ReservationIds}, a package above this one) and back, so an adapter needs no map
 * from ids to reservations.
 */
public interface CounterStore {
    /**
     * Checks every charge and, if {@code holdUntil} is given and every enforced charge fits, holds all charges
     * until the reservation is settled, released or {@code holdUntil} passes.
     *
     * @param holdUntil when an unsettled reservation is released, or null to only check
     * @return one state per charge, in order, and the handle of the reservation if one is now held
     */
    Outcome reserve(String customerId, List<Charge> charges, Instant holdUntil, Instant now);

    /**
     * Releases a reservation at once.
     *
     * @return the customer it was held for, or null if it was not held (unknown, settled or expired)
     */
    String release(Handle reservation, Instant now);

    /**
     * Adds the actual usage of a recorded event and, if it settles a reservation of this customer still held,
     * releases that reservation in the same step, so its estimate is replaced by the actual usage.
     *
     * @param settles the reservation the event names, or null
     */
    void record(String customerId, List<Charge> usage, Instant eventTime, Handle settles, Instant now);

    /**
     * Like {@link #record}, then answers the counters as they stand after it, one state per charge (what alert
     * evaluation needs). Only {@code used} of the states is meaningful; an adapter may leave the rest at
     * {@code fits = true} and zeros. An adapter may do both in one step; this default takes two.
     */
    default List<CounterState> recordAndRead(String customerId, List<Charge> usage, Instant eventTime,
                                             Handle settles, Instant now) {
        record(customerId, usage, eventTime, settles, now);
        return reserve(customerId, usage, null, now).states();
    }

    /**
     * Where an adapter holds a reservation ({@code key}) and which one it is ({@code tag}, random, so a key reused
     * after a release, an expiry or a restart never names the new reservation).
     *
     * @param key chosen by the adapter
     * @param tag random, chosen by the adapter
     */
    record Handle(long key, long tag) {
    }

    /**
     * What {@link #reserve} found.
     *
     * @param states one per charge, in order
     * @param held   the reservation now holding the charges, or null if none was made (only a check, or denied)
     */
    record Outcome(List<CounterState> states, Handle held) {
    }
}
