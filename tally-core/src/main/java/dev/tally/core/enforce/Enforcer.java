package dev.tally.core.enforce;

import dev.tally.core.catalog.Catalog;
import dev.tally.core.customer.Customer;
import dev.tally.core.customer.Plan;
import dev.tally.core.event.LedgerEntry;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.limit.Limit;
import dev.tally.core.limit.LimitMode;
import dev.tally.core.metric.Metrics;
import dev.tally.core.period.Period;
import dev.tally.core.period.Window;
import dev.tally.core.pricing.EventPricer;
import dev.tally.core.problem.Problems;
import dev.tally.core.problem.ValidationException;
import dev.tally.core.rollup.RollupCounts;
import dev.tally.core.usage.LimitState;
import dev.tally.core.usage.LimitUsage;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Decides whether a call may go ahead, and holds its estimate against every applicable hard limit until the event
 * that settles it arrives.
 *
 * <p>Rules: the limits that apply to a call are the customer's (plan plus overrides) whose provider, model and
 * endpoint filters match it. Each gets a charge: 1 for {@code requests}, the estimate of its metric otherwise (a
 * {@code cost} estimate not given is priced from the catalog at the moment of the call). The call is allowed when
 * every enforced (hard, not shadow) charge fits: {@code used + reserved + estimate <= amount}; then all charges are
 * held at once. Soft and shadow limits never deny; a shadow limit reports what it would have done. When an event
 * is recorded, its actual usage is added and the reservation it names is released in the same step, so the
 * estimate is replaced by the actual usage, larger or smaller.
 */
public final class Enforcer {
    private final Catalog catalog;
    private final CounterStore counters;
    private final ReservationIds ids;
    private final InstantSource clock;
    private final FailurePolicy policy;
    private final Consumer<RuntimeException> onCounterFailure;
    private final LimitObserver observer;
    /** Each customer's limits with their counter specs, valid while the customer and plan objects are unchanged. */
    private final Map<String, CompiledLimits> compiled = new ConcurrentHashMap<>();

    /**
     * @param onCounterFailure told when the counters failed and the policy decided (for logs and metrics)
     */
    public Enforcer(Catalog catalog, CounterStore counters, ReservationIds ids, InstantSource clock,
                    FailurePolicy policy, Consumer<RuntimeException> onCounterFailure) {
        this(catalog, counters, ids, clock, policy, onCounterFailure, LimitObserver.NONE);
    }

    /**
     * @param onCounterFailure told when the counters failed and the policy decided (for logs and metrics)
     * @param observer         told the counters after every recorded event and every denial (alert evaluation)
     */
    public Enforcer(Catalog catalog, CounterStore counters, ReservationIds ids, InstantSource clock,
                    FailurePolicy policy, Consumer<RuntimeException> onCounterFailure, LimitObserver observer) {
        this.observer = observer;
        this.catalog = catalog;
        this.counters = counters;
        this.ids = ids;
        this.clock = clock;
        this.policy = policy;
        this.onCounterFailure = onCounterFailure;
    }

    /** Decides and, if allowed, reserves the estimate. */
    public Decision authorize(CallRequest call) {
        return decide(call, true);
    }

    /** Decides without reserving anything. */
    public Decision check(CallRequest call) {
        return decide(call, false);
    }

    /** Releases a reservation at once; false if it is not held (unknown, settled or expired). */
    public boolean release(String reservationId) {
        return counters.release(reservationId, clock.instant()) != null;
    }

    private Decision decide(CallRequest call, boolean reserve) {
        Customer customer = catalog.requireCustomer(call.customerId());
        Instant now = clock.instant();
        CompiledLimits compiled = compiled(customer);
        List<Limit> limits = applicable(compiled, call.provider(), call.model(), call.endpoint());
        checkEstimate(call.estimate(), limits);
        List<Charge> charges = charges(compiled, limits, call, now);
        String reservationId = reserve ? ids.issue(customer.id()) : null;
        List<CounterState> states;
        try {
            states = counters.reserve(customer.id(), charges,
                    reserve ? new CounterStore.Reservation(reservationId, now.plus(call.ttl())) : null, now);
        } catch (RuntimeException e) {
            onCounterFailure.accept(e);
            return policy == FailurePolicy.FAIL_OPEN
                    ? new Decision(true, null, List.of(), null, null, 0, null)
                    : new Decision(false, null, List.of(), null, DenialCode.UNAVAILABLE, 1,
                    "Usage limits cannot be checked right now. Please retry shortly.");
        }
        Decision decision = DecisionBuilder.build(customer, limits, charges, states, reservationId, now);
        if (reserve && !decision.allowed() && decision.deciding() != null) {
            Limit denying = decision.deciding().state().limit();
            observer.denied(customer, denying, states.get(limits.indexOf(denying)), now);
        }
        return decision;
    }

    /** The customer's limits that count a call of this provider, model and endpoint. */
    private static List<Limit> applicable(CompiledLimits compiled, String provider, String model, String endpoint) {
        List<Limit> result = new ArrayList<>();
        for (Limit limit : compiled.limits()) {
            if (limit.matches(provider, model, endpoint)) {
                result.add(limit);
            }
        }
        return result;
    }

    /**
     * The customer's effective limits and their counter specs. Catalog writes replace customer and plan objects, so
     * comparing identities tells when to recompute; until then the BigDecimal work of specs is done once.
     */
    private CompiledLimits compiled(Customer customer) {
        Plan plan = catalog.plan(customer.planId()).orElse(null);
        CompiledLimits c = compiled.get(customer.id());
        if (c != null && c.customer() == customer && c.plan() == plan) {
            return c;
        }
        List<Limit> limits = catalog.limitsOf(customer);
        Map<Limit, CounterSpec> specs = new IdentityHashMap<>();
        for (Limit limit : limits) {
            specs.put(limit, spec(customer, limit));
        }
        c = new CompiledLimits(customer, plan, List.copyOf(limits), specs);
        compiled.put(customer.id(), c);
        return c;
    }

    private record CompiledLimits(Customer customer, Plan plan, List<Limit> limits, Map<Limit, CounterSpec> specs) {
    }

    /**
     * An estimate may name the well-known metrics, {@code tokens}, {@code cost}, and any metric a limit of the call
     * counts; anything else is most likely a typo that would silently reserve nothing.
     */
    private static void checkEstimate(CallEstimate estimate, List<Limit> limits) {
        Problems problems = new Problems();
        for (String metric : estimate.metricMicros().keySet()) {
            boolean known = Metrics.INTEGER_METRICS.contains(metric) || Metrics.SECONDS.equals(metric)
                    || Metrics.COMPUTE_UNITS.equals(metric)
                    || limits.stream().anyMatch(l -> l.metric().equals(metric));
            if (!known) {
                problems.add("estimate." + metric, "is not a well-known metric and no limit of this call counts it");
            }
        }
        problems.throwIfAny("The estimate names unknown metrics; nothing was reserved");
    }

    private List<Charge> charges(CompiledLimits compiled, List<Limit> limits, CallRequest call, Instant now) {
        CallEstimate e = call.estimate();
        Long pricedCost = null;
        List<Charge> charges = new ArrayList<>(limits.size());
        for (Limit limit : limits) {
            long amount;
            switch (limit.metric()) {
                case Metrics.REQUESTS -> amount = 1;
                case Metrics.TOKENS -> amount = e.tokensMicros() != null ? e.tokensMicros()
                        : Metrics.tokenMicros(e.metricMicros());
                case Metrics.COST -> {
                    if (e.cost() != null) {
                        amount = e.cost().nanos();
                    } else {
                        if (pricedCost == null) {
                            pricedCost = EventPricer.price(catalog.prices(), call.provider(), call.model(), now,
                                    e.metricMicros()).cost().nanos();
                        }
                        amount = pricedCost;
                    }
                }
                default -> amount = e.metricMicros().getOrDefault(limit.metric(), 0L);
            }
            charges.add(new Charge(compiled.specs().get(limit), amount));
        }
        return charges;
    }

    /** The counter of a customer's limit. */
    static CounterSpec spec(Customer customer, Limit limit) {
        return new CounterSpec(limit.key(), limit.window(), customer.zone(), customer.billingDay(),
                LimitUsage.rawAmount(limit), limit.mode() == LimitMode.HARD);
    }

    /**
     * Rejects a settlement the server cannot honour: a reservation id it never issued, or one issued for another
     * customer. (An expired or already released reservation is fine: the event's usage simply counts.)
     */
    public void checkSettlement(UsageEvent event, Problems problems) {
        String reservation = event.reservation();
        if (reservation != null && !ids.isIssuedFor(reservation, event.customerId())) {
            problems.add("reservation", "must be a reservation this server issued for customer '"
                    + event.customerId() + "', '" + reservation + "' is not");
        }
    }

    /** Counts a newly stored event toward every limit it matches, settling the reservation it names. */
    public void record(LedgerEntry entry) {
        UsageEvent e = entry.event();
        Customer customer = catalog.customer(e.customerId()).orElse(null);
        if (customer == null) {
            return;
        }
        RollupCounts actual = new RollupCounts();
        actual.add(entry);
        List<Charge> usage = new ArrayList<>();
        CompiledLimits compiled = compiled(customer);
        List<Limit> limits = applicable(compiled, e.provider(), e.model(), e.endpoint());
        for (Limit limit : limits) {
            usage.add(new Charge(compiled.specs().get(limit), LimitUsage.raw(limit.metric(), actual)));
        }
        Instant now = clock.instant();
        List<CounterState> states;
        try {
            if (observer == LimitObserver.NONE) {
                counters.record(customer.id(), usage, e.timestamp(), e.reservation(), now);
                return;
            }
            states = counters.recordAndRead(customer.id(), usage, e.timestamp(), e.reservation(), now);
        } catch (RuntimeException ex) {
            // The event is durably stored; counters rebuilt from rollups will include it.
            onCounterFailure.accept(ex);
            return;
        }
        observer.recorded(customer, entry, limits, states, now);
    }

    /** Turns counter states into a decision: limit states, the deciding limit, code, retry time and message. */
    private static final class DecisionBuilder {
        private static final BigDecimal HUNDRED = BigDecimal.valueOf(100);

        static Decision build(Customer customer, List<Limit> limits, List<Charge> charges, List<CounterState> states,
                              String reservationId, Instant now) {
            boolean allFit = true;
            for (int i = 0; i < states.size(); i++) {
                allFit &= states.get(i).fits() || !charges.get(i).spec().enforced();
            }
            // A reservation made now holds this call's own charge: show the limits as they stand after it.
            boolean held = allFit && reservationId != null;
            List<LimitDecision> decisions = new ArrayList<>(limits.size());
            LimitDecision denying = null;
            long denyingRetryMs = -1;
            LimitDecision tightest = null;
            BigDecimal tightestShare = null;
            for (int i = 0; i < limits.size(); i++) {
                Limit limit = limits.get(i);
                CounterState s = states.get(i);
                boolean enforced = charges.get(i).spec().enforced();
                Period window = window(customer, limit, s, now);
                long reserved = s.reserved() + (held ? charges.get(i).amount() : 0);
                BigDecimal used = LimitUsage.toDecimal(limit.metric(), s.used() + reserved);
                LimitDecision d = new LimitDecision(LimitState.of(limit, window, used),
                        LimitUsage.toDecimal(limit.metric(), reserved), s.fits(), enforced);
                decisions.add(d);
                if (!s.fits() && enforced && s.retryMs() > denyingRetryMs) {
                    denying = d;
                    denyingRetryMs = s.retryMs();
                }
                BigDecimal share = remainingShare(d.state());
                if (share != null && (tightestShare == null || share.compareTo(tightestShare) < 0)) {
                    tightest = d;
                    tightestShare = share;
                }
            }
            if (denying != null) {
                long retrySeconds = Math.max(1, (denyingRetryMs + 999) / 1000);
                Limit limit = denying.state().limit();
                return new Decision(false, null, decisions, denying, DenialCode.of(limit), retrySeconds,
                        DenialMessages.of(limit, retrySeconds));
            }
            return new Decision(true, reservationId, decisions, tightest, null, 0, null);
        }

        /** Sliding windows end when their oldest usage falls out; calendar windows at their period's end. */
        private static Period window(Customer customer, Limit limit, CounterState s, Instant now) {
            if (limit.window() == Window.MINUTE || limit.window() == Window.HOUR) {
                Instant reset = Instant.ofEpochMilli(s.resetMs());
                long length = limit.window() == Window.MINUTE ? 60 : 3600;
                return new Period(reset.minusSeconds(length), reset);
            }
            return limit.window().periodAt(customer.zone(), customer.billingDay(), now);
        }

        private static BigDecimal remainingShare(LimitState state) {
            BigDecimal amount = state.limit().amount();
            if (amount == null) {
                return null;
            }
            if (amount.signum() == 0) {
                return BigDecimal.ZERO;
            }
            return state.remaining().multiply(HUNDRED).divide(amount, 6, RoundingMode.HALF_UP);
        }
    }
}
