package dev.tally.core.enforce;

import dev.tally.core.counter.CounterState;
import dev.tally.core.customer.Customer;
import dev.tally.core.event.LedgerEntry;
import dev.tally.core.limit.Limit;

import java.time.Instant;
import java.util.List;

/**
 * Told by the {@link Enforcer} what its counters say right after an event counted, and when a hard limit denied a
 * call: the feed of the alert engine. Called on the hot paths (ingestion, authorization), so an implementation must
 * be quick, must not block on I/O, and must not throw.
 */
public interface LimitObserver {
    /**
     * A stored event was counted.
     *
     * @param limits the customer's limits the event matched, {@code per} limits too (the event's user or dimension
     *               value names their counter)
     * @param states their counters right after the event, in the same order
     * @param now    the time of counting
     */
    void recorded(Customer customer, LedgerEntry entry, List<Limit> limits, List<CounterState> states, Instant now);

    /**
     * A call was denied by {@code limit} (a hard limit), whose counter stood at {@code state}.
     *
     * @param perValue for a {@code per} limit, the end user or dimension value whose counter denied; else null
     */
    void denied(Customer customer, Limit limit, String perValue, CounterState state, Instant now);

    /**
     * A correction (a re-rating's cost change) moved counters, without any call or event: judge their limits as if
     * the usage had been counted so from the start, firing the levels now crossed and resolving those no longer
     * reached. Not on a hot path. This default ignores it.
     *
     * @param limits    the limits whose counters moved
     * @param perValues for each, the end user or dimension value of a {@code per} limit's counter; else null
     * @param states    their counters right after the move (only {@code used} is meaningful), in the same order
     */
    default void corrected(Customer customer, List<Limit> limits, List<String> perValues, List<CounterState> states,
                           Instant now) {
    }

    /** An observer that ignores everything. */
    LimitObserver NONE = new LimitObserver() {
        @Override
        public void recorded(Customer customer, LedgerEntry entry, List<Limit> limits, List<CounterState> states,
                             Instant now) {
        }

        @Override
        public void denied(Customer customer, Limit limit, String perValue, CounterState state, Instant now) {
        }
    };
}
