package dev.tally.core.enforce;

import dev.tally.core.catalog.Catalog;
import dev.tally.core.counter.Charge;
import dev.tally.core.counter.CounterSpec;
import dev.tally.core.counter.CounterState;
import dev.tally.core.counter.CounterStore;
import dev.tally.core.customer.Customer;
import dev.tally.core.limit.Limit;
import dev.tally.core.limit.LimitMode;
import dev.tally.core.limit.LimitState;
import dev.tally.core.limit.LimitStatus;
import dev.tally.core.period.Period;
import dev.tally.core.period.Window;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

/**
 * Reads, for reports, the states of a customer's limits that its own rollups cannot measure: limits on one end user
 * or on dimensions (one counter each), and {@code per} limits (a counter per user or dimension value), each summed up
 * over the users or values a caller names: how many are at 50, 80 and 100 % of the amount, and the nearest ones.
 *
 * <p>The counters are read exactly as a check reads them (reserving nothing), so a report says what the next call
 * would be judged against: used plus reserved. Counters are read in chunks of {@value #CHUNK} per step of the
 * {@link CounterStore}, one round trip each on Redis.
 */
public final class EndUserLimitStates {
    /** Counters read per call to the counter store: one Redis round trip carries this many keys. */
    static final int CHUNK = 256;

    private final Catalog catalog;
    private final CounterStore counters;
    private final InstantSource clock;

    public EndUserLimitStates(Catalog catalog, CounterStore counters, InstantSource clock) {
        this.catalog = catalog;
        this.counters = counters;
        this.clock = clock;
    }

    /**
     * One limit on end users or dimensions as it stands now.
     *
     * @param state    for a limit with one counter, its state; for a {@code per} limit, the state of the user (or
     *                 value) nearest to the amount, or no usage when none was read
     * @param perValue for a {@code per} limit, the user or value {@code state} is of (null when none was read)
     * @param checked  for a {@code per} limit, how many users or values were read; 0 for the others
     * @param warning  of those, how many are at 50 % to 80 % of the amount
     * @param critical at 80 % to 100 %
     * @param exceeded at 100 % or more
     * @param nearest  for a {@code per} limit, the users or values nearest to the amount, nearest first
     */
    public record Summary(LimitState state, String perValue, int checked, int warning, int critical, int exceeded,
                          List<LimitDecision> nearest) {
        /** Whether this is a {@code per} limit (a counter per user or value). */
        public boolean isPer() {
            return state.limit().per() != null;
        }
    }

    /**
     * Every limit of the customer on end users or dimensions ({@link Limit#isEndUserScoped}), in the catalog's order.
     *
     * @param candidates for each {@code per} limit, the users (or values of its dimension key) whose counters to read
     * @param nearest    how many of the nearest users or values to keep a summary
     */
    public List<Summary> of(String customerId, Function<Limit, Collection<String>> candidates, int nearest) {
        Customer customer = catalog.requireCustomer(customerId);
        Instant now = clock.instant();
        List<Summary> summaries = new ArrayList<>();
        for (Limit limit : catalog.limitsOf(customer)) {
            if (!limit.isEndUserScoped()) {
                continue;
            }
            CounterSpec spec = Enforcer.spec(customer, limit);
            if (limit.per() == null) {
                LimitDecision d = read(customer, limit, spec, java.util.Collections.singletonList(null), now).get(0);
                summaries.add(new Summary(d.state(), null, 0, 0, 0, 0, List.of()));
            } else {
                summaries.add(summarize(customer, limit, spec, candidates.apply(limit), nearest, now));
            }
        }
        return summaries;
    }

    /**
     * The states of one {@code per} limit's counters of these users or values; each {@link LimitDecision} names its
     * value.
     */
    public List<LimitDecision> states(String customerId, Limit limit, Collection<String> values) {
        Customer customer = catalog.requireCustomer(customerId);
        return read(customer, limit, Enforcer.spec(customer, limit), values, clock.instant());
    }

    private Summary summarize(Customer customer, Limit limit, CounterSpec spec, Collection<String> values,
                              int nearest, Instant now) {
        List<LimitDecision> states = read(customer, limit, spec, values, now);
        LimitState none = LimitState.of(limit, limit.window().periodAt(customer.zone(), customer.billingDay(), now),
                limit.unit().toDecimal(0));
        return summarize(none, states, nearest);
    }

    /**
     * Sums up the states of a {@code per} limit's users or values (each {@link LimitDecision} naming its value):
     * how many stand at each level, and the {@code nearest} ones.
     *
     * @param none the state to show when {@code states} is empty (nothing used)
     */
    public static Summary summarize(LimitState none, List<LimitDecision> states, int nearest) {
        int warning = 0;
        int critical = 0;
        int exceeded = 0;
        for (LimitDecision d : states) {
            LimitStatus s = d.state().status();
            warning += s == LimitStatus.WARNING ? 1 : 0;
            critical += s == LimitStatus.CRITICAL ? 1 : 0;
            exceeded += s == LimitStatus.EXCEEDED ? 1 : 0;
        }
        List<LimitDecision> top = states.stream()
                .sorted(Comparator.comparing((LimitDecision d) -> d.state().used()).reversed()
                        .thenComparing(LimitDecision::perValue))
                .limit(nearest).toList();
        LimitDecision first = top.isEmpty() ? null : top.get(0);
        LimitState state = first != null ? first.state() : none;
        return new Summary(state, first == null ? null : first.perValue(), states.size(), warning, critical,
                exceeded, top);
    }

    /** Reads the counters of {@code values} (a single null: the limit's one counter), a chunk per step. */
    private List<LimitDecision> read(Customer customer, Limit limit, CounterSpec spec, Collection<String> values,
                                     Instant now) {
        List<LimitDecision> result = new ArrayList<>(values.size());
        List<Charge> chunk = new ArrayList<>(Math.min(CHUNK, values.size()));
        for (String value : values) {
            chunk.add(new Charge(spec, 0, value));
            if (chunk.size() == CHUNK) {
                readChunk(customer, limit, chunk, now, result);
                chunk.clear();
            }
        }
        if (!chunk.isEmpty()) {
            readChunk(customer, limit, chunk, now, result);
        }
        return result;
    }

    private void readChunk(Customer customer, Limit limit, List<Charge> chunk, Instant now,
                           List<LimitDecision> into) {
        List<CounterState> states = counters.reserve(customer.id(), chunk, null, now).states();
        for (int i = 0; i < chunk.size(); i++) {
            CounterState s = states.get(i);
            BigDecimal used = limit.unit().toDecimal(s.used() + s.reserved());
            LimitState state = LimitState.of(limit, window(customer, limit, s, now), used);
            into.add(new LimitDecision(state, limit.unit().toDecimal(s.reserved()), s.fits(),
                    limit.mode() == LimitMode.HARD, chunk.get(i).value()));
        }
    }

    /** Sliding windows end when their oldest usage falls out; calendar windows at their period's end. */
    private static Period window(Customer customer, Limit limit, CounterState s, Instant now) {
        Window w = limit.window();
        if (w == Window.MINUTE || w == Window.HOUR) {
            Instant reset = Instant.ofEpochMilli(s.resetMs());
            return new Period(reset.minusSeconds(w == Window.MINUTE ? 60 : 3600), reset);
        }
        return w.periodAt(customer.zone(), customer.billingDay(), now);
    }
}
