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
 *
 * <p>A caller that decides for the same customer again and again finds the customer's {@link Account} once and hands
 * it back on every call, so an adapter that keeps a customer's counters in an object of its own need not find that
 * object by the customer's id each time. Every method that takes an account has a twin taking the id.
 */
public interface CounterStore {
    /**
     * The customer's account in this store, to keep and hand back to {@link #reserve(Account, List, Instant, Instant)}
     * and the other methods taking one. It stays valid as long as this store: an account made by another store is
     * treated as its customer's id. Why: with 1,000 customers, finding the in-memory store's counters by id read four
     * or five lines of memory that were rarely cached, twice per authorized call (issue 12).
     */
    default Account account(String customerId) {
        return new Named(customerId);
    }

    /** {@link #reserve(String, List, Instant, Instant)} for a customer whose account was found before. */
    default Outcome reserve(Account account, List<Charge> charges, Instant holdUntil, Instant now) {
        return reserve(account.customerId(), charges, holdUntil, now);
    }

    /** {@link #record(String, List, Instant, Handle, Instant)} for a customer whose account was found before. */
    default void record(Account account, List<Charge> usage, Instant eventTime, Handle settles, Instant now) {
        record(account.customerId(), usage, eventTime, settles, now);
    }

    /** {@link #recordAndRead(String, List, Instant, Handle, Instant)} for a customer whose account was found before. */
    default List<CounterState> recordAndRead(Account account, List<Charge> usage, Instant eventTime, Handle settles,
                                             Instant now) {
        return recordAndRead(account.customerId(), usage, eventTime, settles, now);
    }

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

    /** Where a store keeps one customer's counters (see {@link #account}); only the store looks inside. */
    interface Account {
        /** The customer whose counters these are. */
        String customerId();
    }

    /** The account of a store that keeps nothing per customer in this JVM: the customer's id alone. */
    record Named(String customerId) implements Account {
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
