package dev.tally.core.enforce;

import dev.tally.core.bounds.Bounds;
import dev.tally.core.catalog.Catalog;
import dev.tally.core.counter.Charge;
import dev.tally.core.counter.Charges;
import dev.tally.core.counter.CounterSpec;
import dev.tally.core.counter.CounterState;
import dev.tally.core.counter.CounterStates;
import dev.tally.core.counter.CounterStore;
import dev.tally.core.customer.Customer;
import dev.tally.core.customer.Plan;
import dev.tally.core.event.LedgerEntry;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.limit.FailurePolicy;
import dev.tally.core.limit.Limit;
import dev.tally.core.limit.LimitMode;
import dev.tally.core.limit.LimitState;
import dev.tally.core.limit.LimitUsage;
import dev.tally.core.metric.Metrics;
import dev.tally.core.money.Money;
import dev.tally.core.period.Period;
import dev.tally.core.period.Window;
import dev.tally.core.pricing.EventPricer;
import dev.tally.core.pricing.PriceCatalog;
import dev.tally.core.problem.Problems;
import dev.tally.core.problem.ValidationException;
import dev.tally.core.reservation.ReservationIds;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Supplier;

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
    private final DecisionMetrics metrics;
    /** The instant of the clock's last millisecond, see {@link #now}. */
    private volatile Tick lastTick = new Tick(Long.MIN_VALUE, Instant.MIN);
    /** The end of the last reservation's hold, see {@link #holdUntil}. */
    private volatile Hold lastHold;
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
        this(catalog, counters, ids, clock, policy, onCounterFailure, observer, DecisionMetrics.NONE);
    }

    /**
     * @param onCounterFailure told when the counters failed and the policy decided (for logs and metrics)
     * @param observer         told the counters after every recorded event and every denial (alert evaluation)
     * @param metrics          told every decision (allowed or denied, and why)
     */
    public Enforcer(Catalog catalog, CounterStore counters, ReservationIds ids, InstantSource clock,
                    FailurePolicy policy, Consumer<RuntimeException> onCounterFailure, LimitObserver observer,
                    DecisionMetrics metrics) {
        this.metrics = metrics;
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
        Decision decision = decide(call, true);
        metrics.decided(decision, true);
        return decision;
    }

    /** Decides without reserving anything. */
    public Decision check(CallRequest call) {
        Decision decision = decide(call, false);
        metrics.decided(decision, false);
        return decision;
    }

    /** Releases a reservation at once; false if it is not held (unknown, settled or expired). */
    public boolean release(String reservationId) {
        CounterStore.Handle handle = ids.handle(reservationId);
        return handle != null && counters.release(handle, now()) != null;
    }

    /**
     * The clock's time to the millisecond, which is all counters and windows use. Why not {@code clock.instant()}:
     * the system clock's {@code millis()} is an intrinsic, while its {@code instant()} is a native call for the
     * nanoseconds, which cost a measurable share of an in-process decision, taken twice per call. The instant of
     * the last millisecond read is kept: calls within one millisecond share it instead of each making its own.
     */
    private Instant now() {
        long millis = clock.millis();
        Tick tick = lastTick;
        if (tick.millis != millis) {
            tick = new Tick(millis, Instant.ofEpochMilli(millis));
            lastTick = tick;
        }
        return tick.instant;
    }

    /**
     * {@code now + ttl}: the instant made for the last call of this millisecond and ttl is reused, since calls mostly
     * ask for the same ttl ({@code now} is the instant {@link #now} answered).
     */
    private Instant holdUntil(Instant now, Duration ttl) {
        Hold hold = lastHold;
        if (hold == null || hold.from != now || !hold.ttl.equals(ttl)) {
            hold = new Hold(now, ttl, now.plus(ttl));
            lastHold = hold;
        }
        return hold.until;
    }

    /** A millisecond of the clock and its instant (immutable, so threads may share it through a plain race). */
    private record Tick(long millis, Instant instant) {
    }

    /** When a reservation made at {@code from} for {@code ttl} ends (immutable, shared as {@link Tick} is). */
    private record Hold(Instant from, Duration ttl, Instant until) {
    }

    private Decision decide(CallRequest call, boolean reserve) {
        CompiledLimits compiled = compiled(call.customerId(), true);
        Customer customer = compiled.customer();
        Instant now = now();
        Applicable shape = compiled.applicable(call.provider(), call.model(), call.endpoint(), call.user(),
                call.dimensions());
        List<CompiledLimit> limits = shape.limits;
        checkEstimate(call.estimate(), limits);
        Charges charges = charges(compiled, shape, limits, call, now);
        CounterStore.Outcome outcome;
        try {
            outcome = counters.reserve(compiled.account, charges, reserve ? holdUntil(now, call.ttl()) : null,
                    now);
        } catch (RuntimeException e) {
            FailurePolicy applied = compiled.failurePolicy(policy);
            onCounterFailure.accept(e);
            return applied == FailurePolicy.FAIL_OPEN
                    ? new Decision(true, null, List.of(), null, null, 0, null)
                    : new Decision(false, null, List.of(), null, DenialCode.UNAVAILABLE, 1,
                    "Usage limits cannot be checked right now. Please retry shortly.");
        }
        // The in-memory store's states are packed already; another adapter's are packed here, once.
        CounterStates states = CounterStates.of(outcome.states());
        // Signed only when something is held: a denial or a check needs no id.
        String reservationId = outcome.held() == null ? null : ids.issue(compiled.customerId, outcome.held());
        Decision decision = DecisionBuilder.build(catalog, customer, limits, shape.kinds, charges,
                states, reservationId, now);
        if (reserve && !decision.allowed() && decision.deciding() != null) {
            Limit denying = decision.deciding().state().limit();
            int index = indexOf(limits, denying);
            observer.denied(customer, denying, charges.value(index), states.get(index), now);
        }
        return decision;
    }

    /**
     * One end user's own counters, as they stand: every {@code per: "user"} limit (this user's counter) and every
     * limit that counts only this user ({@code "user"} filter, no {@code per}), whatever provider, model, endpoint or
     * dimensions they filter on. Reads the counters (in Redis when shared) and holds nothing.
     */
    public List<LimitDecision> endUserStates(String customerId, String user) {
        CompiledLimits compiled = compiled(customerId, true);
        Customer customer = compiled.customer();
        Instant now = clock.instant();
        List<CompiledLimit> own = new ArrayList<>();
        List<Charge> charges = new ArrayList<>();
        for (CompiledLimit l : compiled.limits) {
            Limit limit = l.limit();
            boolean perUser = Limit.PER_USER.equals(limit.per());
            if (perUser || user.equals(limit.user()) && limit.per() == null) {
                own.add(l);
                charges.add(new Charge(l.spec(), 0, perUser ? user : null));
            }
        }
        if (own.isEmpty()) {
            return List.of();
        }
        CounterStates states = CounterStates.of(counters.reserve(customer.id(), charges, null, now).states());
        return DecisionBuilder.render(own, Charges.of(charges), states, false, now, -1).limits();
    }

    /**
     * The customer's effective limits and their counter specs; if the catalog has no such customer, a
     * {@link dev.tally.core.problem.NotFoundException} when {@code required}, else null. While the catalog's
     * {@link Catalog#revision} is the one they were checked against, they are answered from one map lookup: the
     * customer, its plan and its limits need not be looked up again on every call.
     */
    private CompiledLimits compiled(String customerId, boolean required) {
        // The revision is read before the customer: limits checked against it are then at least as new as it, so a
        // write after the read only makes the next call check again.
        Object revision = catalog.revision();
        CompiledLimits c = compiled.get(customerId);
        if (c != null && c.revision == revision) {
            return c;
        }
        Customer customer = required ? catalog.requireCustomer(customerId)
                : catalog.customer(customerId).orElse(null);
        return customer == null ? null : compiled(customer, revision);
    }

    /**
     * The customer's effective limits and their counter specs. Catalog writes replace customer and plan objects, so
     * comparing identities tells when to recompute; until then the BigDecimal work of specs is done once.
     */
    private CompiledLimits compiled(Customer customer, Object revision) {
        Plan plan = catalog.plan(customer.planId()).orElse(null);
        CompiledLimits c = compiled.get(customer.id());
        if (c != null && c.customer() == customer && c.plan() == plan) {
            c.revision = revision;
            return c;
        }
        List<CompiledLimit> limits = new ArrayList<>();
        for (Limit limit : catalog.limitsOf(customer)) {
            limits.add(CompiledLimit.of(limit, spec(customer, limit), new WindowCache(customer, limit)));
        }
        c = new CompiledLimits(customer, plan, List.copyOf(limits), revision, counters.account(customer.id()));
        compiled.put(customer.id(), c);
        return c;
    }

    /** A customer's limits, ready for decisions. */
    private static final class CompiledLimits {
        private final Customer customer;
        /**
         * The customer's id, read here rather than from {@link #customer}: with 1,000 customers each object a call
         * reads is likely a cache miss, and a call needs the id, not the customer (issue 12).
         */
        private final String customerId;
        /** The customer's account in the counter store, found once rather than by id on every call. */
        private final CounterStore.Account account;
        private final Plan plan;
        private final List<CompiledLimit> limits;
        /** Whether a limit looks at end users or dimensions, so the applicable ones depend on the call's. */
        private final boolean endUserScoped;
        /** Whether some limit names a provider, a model, an endpoint: only those tell apart calls' limits. */
        private final boolean filtersProvider;
        private final boolean filtersModel;
        private final boolean filtersEndpoint;
        /**
         * The limits that applied to the last few providers, models and endpoints asked about (as far as the limits
         * filter on them), newest first: a customer's calls mostly repeat a few, and the answer is then a few
         * comparisons of strings instead of a filtered copy. One entry only thrashed when a customer's calls
         * alternate between models or endpoints, the usual traffic.
         */
        private volatile Applicable[] recent = new Applicable[0];
        /**
         * The entry of {@link #recent} the last call found, asked first: with 1,000 customers the array is one more
         * object a call would read cold, and a customer's calls mostly repeat the last one's provider, model and
         * endpoint (as far as its limits filter on them). Plain, not volatile: an Applicable is immutable (final
         * fields), so a thread reading a stale or racing value still sees a whole one, and a call that alternates
         * models pays no fence for writing it.
         */
        private Applicable latest;
        /** The prices of the model last priced, see {@link #prices}. */
        private volatile PriceCatalog.ModelPrices lastPrices;
        /**
         * The {@link Catalog#revision} these limits were last found current in: while the catalog answers the same,
         * nothing of the customer or its plan changed.
         */
        private volatile Object revision;

        CompiledLimits(Customer customer, Plan plan, List<CompiledLimit> limits, Object revision,
                       CounterStore.Account account) {
            this.customer = customer;
            this.customerId = customer.id();
            this.account = account;
            this.plan = plan;
            this.limits = limits;
            this.revision = revision;
            this.endUserScoped = limits.stream().anyMatch(l -> l.limit().isEndUserScoped());
            this.filtersProvider = limits.stream().anyMatch(l -> l.limit().provider() != null);
            this.filtersModel = limits.stream().anyMatch(l -> l.limit().model() != null);
            this.filtersEndpoint = limits.stream().anyMatch(l -> l.limit().endpoint() != null);
        }

        Customer customer() {
            return customer;
        }

        Plan plan() {
            return plan;
        }

        /**
         * The limits that count a call of this provider, model, endpoint, end user and dimensions, with what its
         * charges read of them. Most customers have no limit on end users, and then it is the cached
         * {@link #applicable(String, String, String)}; else the limits are filtered by the call's user and dimensions
         * into one made for the call.
         */
        Applicable applicable(String provider, String model, String endpoint, String user,
                              Map<String, String> dimensions) {
            Applicable byCall = applicable(provider, model, endpoint);
            if (!endUserScoped) {
                return byCall;
            }
            List<CompiledLimit> result = new ArrayList<>(byCall.limits.size());
            for (CompiledLimit l : byCall.limits) {
                if (!l.limit().isEndUserScoped() || l.limit().matchesEndUser(user, dimensions)) {
                    result.add(l);
                }
            }
            return result.size() == byCall.limits.size() ? byCall : Applicable.of(null, null, null, result);
        }

        /** The limits that count a call of this provider, model and endpoint, with what its charges read of them. */
        Applicable applicable(String provider, String model, String endpoint) {
            // Only what some limit filters on tells calls apart: most plans filter on few (or none) of the three, so
            // a customer's calls share a handful of entries even when they spread over many models and endpoints.
            String p = filtersProvider ? provider : null;
            String m = filtersModel ? model : null;
            String e = filtersEndpoint ? endpoint : null;
            Applicable last = latest;
            if (last != null && last.matches(p, m, e)) {
                return last;
            }
            Applicable[] seen = recent;
            for (Applicable a : seen) {
                if (a.matches(p, m, e)) {
                    latest = a;
                    return a;
                }
            }
            List<CompiledLimit> result = new ArrayList<>(limits.size());
            for (CompiledLimit l : limits) {
                if (l.limit().matches(provider, model, endpoint)) {
                    result.add(l);
                }
            }
            Applicable a = Applicable.of(p, m, e, List.copyOf(result));
            // Copied on write, the newest first and the oldest dropped: readers never see an array change. Two
            // threads adding at once may lose one entry, which is found again at its next miss.
            Applicable[] next = new Applicable[Math.min(seen.length + 1, MAX_APPLICABLE)];
            next[0] = a;
            System.arraycopy(seen, 0, next, 1, next.length - 1);
            recent = next;
            latest = a;
            return a;
        }

        /**
         * The prices of the model this customer's calls name, from {@code catalog}: found once and kept while the
         * catalog and the provider and model stay the same (a customer's calls mostly repeat them).
         */
        PriceCatalog.ModelPrices prices(PriceCatalog catalog, String provider, String model) {
            PriceCatalog.ModelPrices p = lastPrices;
            if (p == null || p.catalog() != catalog || !Objects.equals(p.provider(), provider)
                    || !Objects.equals(p.model(), model)) {
                p = catalog.pricesOf(provider, model);
                lastPrices = p;
            }
            return p;
        }

        /** The plan's failure policy, or {@code fallback} when the plan names none (or there is no plan). */
        FailurePolicy failurePolicy(FailurePolicy fallback) {
            return plan == null || plan.failurePolicy() == null ? fallback : plan.failurePolicy();
        }
    }

    /**
     * The limits that apply to calls of one provider, model and endpoint, and in the same order what a call's charges
     * read of them: their counter specs (shared by the calls' {@link Charges}), metric kinds, and whether any has a
     * {@code per} value. Arrays only read once made. Why arrays beside the limits: with 1,000 customers, a call
     * reading five {@link CompiledLimit} records and their {@link Limit} objects met about ten cache misses; the kinds
     * are one line (the specs' array is passed on, not read).
     *
     * <p>{@code provider}, {@code model} and {@code endpoint} are null where no limit of the customer filters on them.
     *
     * @param anyPer  whether some limit counts per end user or dimension value ({@link Limit#per})
     * @param counted the limits themselves, what the observer is told an event counted toward (read-only)
     */
    private record Applicable(String provider, String model, String endpoint, List<CompiledLimit> limits,
                              CounterSpec[] specs, MetricKind[] kinds, boolean anyPer,
                              List<Limit> counted) {
        static Applicable of(String provider, String model, String endpoint, List<CompiledLimit> limits) {
            int n = limits.size();
            CounterSpec[] specs = new CounterSpec[n];
            MetricKind[] kinds = new MetricKind[n];
            boolean anyPer = false;
            List<Limit> counted = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                CompiledLimit l = limits.get(i);
                counted.add(l.limit());
                specs[i] = l.spec();
                kinds[i] = l.kind();
                anyPer |= l.limit().per() != null;
            }
            return new Applicable(provider, model, endpoint, limits, specs, kinds, anyPer,
                    Collections.unmodifiableList(counted));
        }

        /** Whether these are the limits of calls of this provider, model and endpoint (null: not filtered on). */
        boolean matches(String provider, String model, String endpoint) {
            return Objects.equals(this.provider, provider) && Objects.equals(this.model, model)
                    && Objects.equals(this.endpoint, endpoint);
        }
    }

    /** How many {@link Applicable}s a customer keeps: a product's calls name a handful of model and endpoint pairs. */
    private static final int MAX_APPLICABLE = 16;

    /**
     * One limit of a customer: the limit, its counter and its current calendar window.
     *
     * @param kind what its metric is, so a decision compares no metric names
     */
    private record CompiledLimit(Limit limit, CounterSpec spec, WindowCache window, MetricKind kind) {
        static CompiledLimit of(Limit limit, CounterSpec spec, WindowCache window) {
            return new CompiledLimit(limit, spec, window, MetricKind.of(limit.metric()));
        }
    }

    /** The metrics a decision treats apart; {@link #OTHER} is any metric counted as sent. */
    private enum MetricKind {
        REQUESTS, CONCURRENT_REQUESTS, TOKENS, COST, OTHER;

        static MetricKind of(String metric) {
            return switch (metric) {
                case Metrics.REQUESTS -> REQUESTS;
                case Metrics.CONCURRENT_REQUESTS -> CONCURRENT_REQUESTS;
                case Metrics.TOKENS -> TOKENS;
                case Metrics.COST -> COST;
                default -> OTHER;
            };
        }
    }

    /**
     * The calendar window (day or month) a limit counts in at a moment, remembered: nearly every decision asks about
     * the same window, and time-zone arithmetic costs more than the rest of a decision.
     */
    private static final class WindowCache {
        private final Customer customer;
        private final Limit limit;
        private volatile Period last;

        WindowCache(Customer customer, Limit limit) {
            this.customer = customer;
            this.limit = limit;
        }

        Period at(Instant now) {
            Period p = last;
            if (p == null || !p.contains(now)) {
                p = limit.window().periodAt(customer.zone(), customer.billingDay(), now);
                last = p;
            }
            return p;
        }
    }

    /**
     * An estimate may name the well-known metrics, {@code tokens}, {@code cost}, and any metric a limit of the call
     * counts; anything else is most likely a typo that would silently reserve nothing.
     */
    private static void checkEstimate(CallEstimate estimate, List<CompiledLimit> limits) {
        Problems problems = null;
        for (String metric : estimate.metricMicros().keySet()) {
            if (!isKnown(metric, limits)) {
                problems = problems == null ? new Problems() : problems;
                problems.add("estimate." + metric, "is not a well-known metric and no limit of this call counts it");
            }
        }
        if (problems != null) {
            problems.throwIfAny("The estimate names unknown metrics; nothing was reserved");
        }
    }

    private static boolean isKnown(String metric, List<CompiledLimit> limits) {
        if (Metrics.INTEGER_METRICS.contains(metric) || Metrics.SECONDS.equals(metric)
                || Metrics.COMPUTE_UNITS.equals(metric)) {
            return true;
        }
        for (CompiledLimit l : limits) {
            if (l.limit().metric().equals(metric)) {
                return true;
            }
        }
        return false;
    }

    private Charges charges(CompiledLimits compiled, Applicable shape, List<CompiledLimit> limits, CallRequest call,
                            Instant now) {
        CallEstimate e = call.estimate();
        long pricedCost = -1;
        long tokens = -1; // summed once: several limits may count tokens
        long[] amounts = new long[shape.kinds.length]; // not limits.size(): the list is one more object read
        String[] values = null; // made only when a per limit names a value
        for (int i = 0; i < amounts.length; i++) {
            long amount;
            switch (shape.kinds[i]) {
                case REQUESTS, CONCURRENT_REQUESTS -> amount = 1; // a request, or a call in flight
                case TOKENS -> {
                    if (tokens < 0) {
                        tokens = e.tokensMicros() != null ? e.tokensMicros() : tokenMicros(e.metricMicros());
                    }
                    amount = tokens;
                }
                case COST -> {
                    if (e.cost() != null) {
                        amount = e.cost().nanos();
                    } else {
                        if (pricedCost < 0) {
                            pricedCost = EventPricer.priceNanos(compiled.prices(catalog.prices(), call.provider(),
                                    call.model()), now, e.metricMicros());
                            if (pricedCost > Bounds.MAX_EVENT_COST_NANOS) {
                                throw ValidationException.of("estimate", "priced at the prices in effect now, must "
                                        + "cost at most " + Bounds.MAX_EVENT_COST_USD.toPlainString()
                                        + " USD for one call");
                            }
                        }
                        amount = pricedCost;
                    }
                }
                default -> amount = e.metricMicros().getOrDefault(limits.get(i).limit().metric(), 0L);
            }
            amounts[i] = amount;
            if (shape.anyPer) {
                values = withValue(values, amounts.length, i,
                        limits.get(i).limit().perValue(call.user(), call.dimensions()));
            }
        }
        return new Charges(shape.specs, amounts, values);
    }

    /** {@code values} with {@code value} at {@code i}, made (of {@code n}) when the first value comes. */
    private static String[] withValue(String[] values, int n, int i, String value) {
        if (value == null) {
            return values;
        }
        String[] v = values == null ? new String[n] : values;
        v[i] = value;
        return v;
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
        CompiledLimits compiled = compiled(e.customerId(), false);
        if (compiled == null) {
            return;
        }
        Customer customer = compiled.customer();
        Applicable shape = compiled.applicable(e.provider(), e.model(), e.endpoint(), e.user(), e.dimensions());
        List<CompiledLimit> limits = shape.limits;
        long[] amounts = new long[shape.kinds.length]; // not limits.size(): the list is one more object read
        String[] values = null; // made only when a per limit names a value
        long tokens = -1; // summed once: several limits may count tokens
        for (int i = 0; i < amounts.length; i++) {
            MetricKind kind = shape.kinds[i];
            long amount;
            if (kind == MetricKind.REQUESTS || kind == MetricKind.CONCURRENT_REQUESTS) {
                // A request counts 1; a call in flight is held by its reservation only: settled, it no longer counts.
                amount = kind == MetricKind.REQUESTS ? 1 : 0;
            } else if (kind == MetricKind.TOKENS) {
                if (tokens < 0) {
                    tokens = tokenMicros(e.usageMicros());
                }
                amount = tokens;
            } else if (kind == MetricKind.COST) {
                amount = entry.cost().nanos();
            } else {
                amount = actual(limits.get(i).limit().metric(), entry);
            }
            amounts[i] = amount;
            if (shape.anyPer) {
                values = withValue(values, amounts.length, i, limits.get(i).limit().perValue(e.user(), e.dimensions()));
            }
        }
        Charges usage = new Charges(shape.specs, amounts, values);
        Instant now = now();
        // The id's MAC was checked when the event was accepted (checkSettlement); here it only says where it is held.
        CounterStore.Handle settles = e.reservation() == null ? null : ids.handle(e.reservation());
        List<CounterState> states;
        try {
            if (observer == LimitObserver.NONE) {
                counters.record(compiled.account, usage, e.timestamp(), settles, now);
                return;
            }
            states = counters.recordAndRead(compiled.account, usage, e.timestamp(), settles, now);
        } catch (RuntimeException ex) {
            // The event is durably stored; counters rebuilt from rollups will include it.
            onCounterFailure.accept(ex);
            return;
        }
        observer.recorded(customer, entry, shape.counted, states, now);
    }

    /**
     * Counts an adjustment of the customer's billing month starting {@code periodStart} toward its month limits that
     * have no provider, model or endpoint filter (an adjustment has none) and count {@code metric} ({@code tokens}
     * limits count its parts). A negative amount gives room back. Only the current month's counters hold it; an
     * adjustment of a past month changes no counter.
     */
    public void recordAdjustment(String customerId, String metric, long raw, Instant periodStart) {
        Customer customer = catalog.customer(customerId).orElse(null);
        if (customer == null) {
            return;
        }
        Instant now = clock.instant();
        List<Charge> charges = new ArrayList<>();
        for (Limit limit : catalog.customerLimitsOf(customer)) {
            boolean counts = limit.metric().equals(metric)
                    || limit.metric().equals(Metrics.TOKENS) && Metrics.TOKEN_PARTS.contains(metric);
            if (counts && limit.window() == Window.MONTH && limit.matches(null, null, null)
                    && limit.window().periodAt(customer.zone(), customer.billingDay(), now).contains(periodStart)) {
                charges.add(new Charge(spec(customer, limit), raw));
            }
        }
        recordCorrection(customer, charges, periodStart, now);
    }

    /**
     * Charges a correction (an adjustment, a re-rating's change) to the counters at {@code at}; a counter failure is
     * reported, not thrown: the correction is stored, and counters rebuilt from the store include it.
     */
    private void recordCorrection(Customer customer, List<Charge> charges, Instant at, Instant now) {
        if (charges.isEmpty()) {
            return;
        }
        try {
            counters.record(customer.id(), charges, at, null, now);
        } catch (RuntimeException ex) {
            onCounterFailure.accept(ex);
        }
    }

    /**
     * A re-rating moved the cost of a customer's calls to a provider, model and endpoint on one day by
     * {@code nanos}: moves the counters of the cost limits that count those calls and whose current day or month
     * window holds that day, as if the calls had been priced so from the start; and, for calls of the last hour
     * ({@code minuteStart} given), the counters of the minute and hour windows that still count that minute, telling
     * the observer how those stand after the move (their alerts are judged as if priced so from the start; the day
     * and month ones are judged from the rollups by the alert engine).
     *
     * @param minuteStart the calls' UTC minute if they are recent enough for a minute or hour window, else null
     */
    public void recordCostChange(String customerId, String provider, String model, String endpoint,
                                 Instant dayStart, Instant minuteStart, long nanos) {
        Customer customer = catalog.customer(customerId).orElse(null);
        if (customer == null || nanos == 0) {
            return;
        }
        Instant now = clock.instant();
        List<Charge> calendar = new ArrayList<>();
        List<Charge> recent = new ArrayList<>();
        List<Limit> recentLimits = new ArrayList<>();
        for (Limit limit : catalog.limitsOf(customer)) {
            // A change summed by provider, model, endpoint and day cannot tell a limit on end users or dimensions
            // its part: those follow their own changes (recordLimitCostChanges).
            if (!limit.metric().equals(Metrics.COST) || !limit.matches(provider, model, endpoint)
                    || limit.isEndUserScoped()) {
                continue;
            }
            boolean byDay = limit.window() == Window.MONTH || limit.window() == Window.DAY;
            if (byDay && stillCounts(customer, limit.window(), dayStart, now)) {
                calendar.add(new Charge(spec(customer, limit), nanos));
            } else if (!byDay && minuteStart != null && stillCounts(customer, limit.window(), minuteStart, now)) {
                recent.add(new Charge(spec(customer, limit), nanos));
                recentLimits.add(limit);
            }
        }
        recordCorrection(customer, calendar, dayStart, now);
        Observed observed = new Observed();
        recordObservedCorrection(customer, recentLimits, recent, minuteStart, now, observed);
        observed.tell(observer, customer, now);
    }

    /**
     * One move of a cost limit's counter by a correction: the cost change of the calls it counts.
     *
     * @param limit the limit (found again among the customer's limits by its key; one gone since is not moved)
     * @param value for a {@code per} limit, the end user or dimension value whose counter moves; else null
     * @param at    where the change lies: any instant of the day or month window it belongs to, or the calls' UTC
     *              minute for a minute or hour window
     * @param nanos the signed change in nano-dollars
     */
    public record LimitCostChange(Limit limit, String value, Instant at, long nanos) {
    }

    /**
     * A re-rating moved the cost that cost limits on end users or dimensions count: moves each counter named (a
     * user's or value's for a {@code per} limit) by its change if its window still holds it, as if the calls had been
     * priced so from the start, and tells the observer how those counters stand after the move. Counters are moved
     * through the counter store in steps of at most {@value #CORRECTION_CHUNK} (one Redis call each).
     */
    public void recordLimitCostChanges(String customerId, List<LimitCostChange> changes) {
        Customer customer = catalog.customer(customerId).orElse(null);
        if (customer == null || changes.isEmpty()) {
            return;
        }
        Instant now = clock.instant();
        Map<Limit.LimitKey, Limit> current = new HashMap<>();
        for (Limit limit : catalog.limitsOf(customer)) {
            current.put(limit.key(), limit);
        }
        // One record call per instant: calendar changes of a window share it, so a day's users go in a few steps.
        Map<Instant, List<LimitCostChange>> byAt = new LinkedHashMap<>();
        for (LimitCostChange change : changes) {
            Limit limit = current.get(change.limit().key());
            if (limit != null && change.nanos() != 0 && stillCounts(customer, limit.window(), change.at(), now)) {
                byAt.computeIfAbsent(change.at(), k -> new ArrayList<>())
                        .add(new LimitCostChange(limit, change.value(), change.at(), change.nanos()));
            }
        }
        // The observer is told once, after every counter moved: it judges them all in one pass.
        Observed observed = new Observed();
        byAt.forEach((at, list) -> {
            for (int from = 0; from < list.size(); from += CORRECTION_CHUNK) {
                List<LimitCostChange> chunk = list.subList(from, Math.min(list.size(), from + CORRECTION_CHUNK));
                List<Limit> limits = new ArrayList<>(chunk.size());
                List<Charge> charges = new ArrayList<>(chunk.size());
                for (LimitCostChange c : chunk) {
                    limits.add(c.limit());
                    charges.add(new Charge(spec(customer, c.limit()), c.nanos(), c.value()));
                }
                recordObservedCorrection(customer, limits, charges, at, now, observed);
            }
        });
        observed.tell(observer, customer, now);
    }

    /**
     * Counters moved by corrections and how they stand after, gathered to tell the observer once. A counter moved in
     * several steps (an hour window's minutes) is told as it stands after the last: the steps between are not
     * states its usage would have passed through had it been priced so from the start.
     */
    private static final class Observed {
        private final Map<CounterKey, Moved> last = new LinkedHashMap<>();

        /** A counter: its limit and, for a {@code per} limit, the end user or dimension value. */
        private record CounterKey(Limit.LimitKey limit, String value) {
        }

        /** A moved counter and how it stands after the move. */
        private record Moved(Limit limit, String value, CounterState state) {
        }

        void add(Limit limit, String value, CounterState state) {
            last.put(new CounterKey(limit.key(), value), new Moved(limit, value, state));
        }

        void tell(LimitObserver observer, Customer customer, Instant now) {
            if (last.isEmpty()) {
                return;
            }
            List<Limit> limits = new ArrayList<>(last.size());
            List<String> values = new ArrayList<>(last.size());
            List<CounterState> states = new ArrayList<>(last.size());
            for (Moved m : last.values()) {
                limits.add(m.limit());
                values.add(m.value());
                states.add(m.state());
            }
            observer.corrected(customer, limits, values, states, now);
        }
    }

    /** Counters moved per step of {@link #recordLimitCostChanges}: one Redis call carries this many. */
    static final int CORRECTION_CHUNK = 256;

    /**
     * Whether a limit's counter of {@code window} still counts a change lying at {@code at}: a day or month window
     * if its current period holds it; a minute or hour window if the minute is within the window's length before
     * now (the counter itself leaves out the slots that have left it since).
     */
    private static boolean stillCounts(Customer customer, Window window, Instant at, Instant now) {
        if (window == Window.DAY || window == Window.MONTH) {
            return window.periodAt(customer.zone(), customer.billingDay(), now).contains(at);
        }
        Duration length = window == Window.MINUTE ? Duration.ofMinutes(1) : Duration.ofHours(1);
        return !at.isBefore(now.minus(length).truncatedTo(ChronoUnit.MINUTES));
    }

    /**
     * {@link #recordCorrection}, then adds to {@code observed} how the counters of {@code limits} (one per charge,
     * in order) stand after it, so their alerts fire or resolve as if the usage had been counted so from the start.
     */
    private void recordObservedCorrection(Customer customer, List<Limit> limits, List<Charge> charges, Instant at,
                                          Instant now, Observed observed) {
        if (charges.isEmpty()) {
            return;
        }
        if (observer == LimitObserver.NONE) {
            recordCorrection(customer, charges, at, now);
            return;
        }
        List<CounterState> states;
        try {
            states = counters.recordAndRead(customer.id(), charges, at, null, now);
        } catch (RuntimeException ex) {
            onCounterFailure.accept(ex);
            return;
        }
        for (int i = 0; i < charges.size(); i++) {
            observed.add(limits.get(i), charges.get(i).value(), states.get(i));
        }
    }

    /** The position of {@code limit} among the compiled limits (-1 if absent). */
    private static int indexOf(List<CompiledLimit> limits, Limit limit) {
        for (int i = 0; i < limits.size(); i++) {
            if (limits.get(i).limit().equals(limit)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * {@link Metrics#tokenMicros}, in one pass over the few metrics sent instead of a sorted-map lookup per token
     * part (which was the largest single cost of a decision).
     */
    private static long tokenMicros(Map<String, Long> usageMicros) {
        long sum = 0;
        for (Map.Entry<String, Long> e : usageMicros.entrySet()) {
            if (Metrics.TOKEN_PARTS.contains(e.getKey())) {
                sum += e.getValue();
            }
        }
        return sum;
    }

    /** What one event adds to a limit of {@code metric}, in its stored unit (as its rollup row would count it). */
    private static long actual(String metric, LedgerEntry entry) {
        return actual(metric, entry.event(), entry.cost());
    }

    /** What an event of this cost adds to a limit of {@code metric}, in its stored unit. */
    static long actual(String metric, UsageEvent event, Money cost) {
        return switch (metric) {
            case Metrics.REQUESTS -> 1;
            // A call in flight is held by its reservation only: once its event settles it, it no longer counts.
            case Metrics.CONCURRENT_REQUESTS -> 0;
            case Metrics.COST -> cost.nanos();
            // The record's own sorted map: usage() would wrap it in a new unmodifiable view per call.
            case Metrics.TOKENS -> tokenMicros(event.usageMicros());
            default -> event.usageMicros().getOrDefault(metric, 0L);
        };
    }

    /**
     * Turns counter states into a decision. The verdict (allowed, code, retry time, message) is decided here from the
     * raw counters; the limit states with their decimals and windows are rendered only when someone asks for them.
     */
    private static final class DecisionBuilder {
        private static final BigDecimal HUNDRED = BigDecimal.valueOf(100);

        /** @param kinds the metric kinds of {@code limits}, in order (read instead of the limits: see Applicable) */
        static Decision build(Catalog catalog, Customer customer, List<CompiledLimit> limits, MetricKind[] kinds,
                              Charges charges, CounterStates states, String reservationId, Instant now) {
            int denying = -1;
            long denyingRetryMs = -1;
            for (int i = 0; i < states.size(); i++) {
                long retryMs = retryMs(kinds[i], states, i);
                if (!states.fits(i) && charges.spec(i).enforced() && retryMs > denyingRetryMs) {
                    denying = i;
                    denyingRetryMs = retryMs;
                }
            }
            if (denying >= 0) {
                int index = denying;
                long retrySeconds = Math.max(1, (denyingRetryMs + 999) / 1000);
                Limit limit = limits.get(index).limit();
                return new Decision(false, null, DenialCode.of(limit), retrySeconds,
                        DenialMessages.of(catalog, customer, limit,
                                limit.unit().toDecimal(states.used(index)), retrySeconds),
                        new Render(limits, charges, states, false, now, index));
            }
            // A reservation made now holds this call's own charge: show the limits as they stand after it.
            boolean held = reservationId != null;
            return new Decision(true, reservationId, null, 0, null,
                    new Render(limits, charges, states, held, now, -1));
        }

        /**
         * What a decision needs to render its limits' states when asked. A record rather than a lambda: capturing
         * six values through a lambda's factory cost a measurable share of a decision that never renders.
         */
        private record Render(List<CompiledLimit> limits, Charges charges, CounterStates states,
                              boolean held, Instant now, int denying) implements Supplier<Decision.State> {
            @Override
            public Decision.State get() {
                return render(limits, charges, states, held, now, denying);
            }
        }

        /**
         * When the call would fit again: calls in flight end at any moment, so a {@code concurrent_requests} limit
         * says 1 s, not the end of its window; every other limit what its counter says.
         */
        private static long retryMs(MetricKind kind, CounterStates states, int i) {
            return kind == MetricKind.CONCURRENT_REQUESTS ? 1000 : states.retryMs(i);
        }

        /**
         * Every limit's state, and the deciding one: {@code denying}, or when allowed the tightest hard limit (the
         * tightest soft one when no hard limit has an amount; never a shadow limit).
         */
        private static Decision.State render(List<CompiledLimit> limits, Charges charges,
                                             CounterStates states, boolean held, Instant now, int denying) {
            List<LimitDecision> decisions = new ArrayList<>(limits.size());
            // The tightest hard limit; only when no hard limit has an amount, the tightest soft one. Shadow limits
            // never constrain a call, so they are never the one the X-RateLimit-* headers describe.
            LimitDecision tightestHard = null;
            BigDecimal tightestHardShare = null;
            LimitDecision tightestSoft = null;
            BigDecimal tightestSoftShare = null;
            for (int i = 0; i < limits.size(); i++) {
                CompiledLimit compiled = limits.get(i);
                Limit limit = compiled.limit();
                CounterState s = states.get(i);
                Period window = window(compiled, s, now);
                long reserved = s.reserved() + (held ? charges.amount(i) : 0);
                BigDecimal used = limit.unit().toDecimal(s.used() + reserved);
                LimitDecision d = new LimitDecision(LimitState.of(limit, window, used),
                        limit.unit().toDecimal(reserved), s.fits(), charges.spec(i).enforced(), charges.value(i));
                decisions.add(d);
                BigDecimal share = remainingShare(d.state());
                if (share == null || limit.mode() == LimitMode.SHADOW) {
                    continue;
                }
                if (limit.mode() == LimitMode.HARD) {
                    if (tightestHardShare == null || share.compareTo(tightestHardShare) < 0) {
                        tightestHard = d;
                        tightestHardShare = share;
                    }
                } else if (tightestSoftShare == null || share.compareTo(tightestSoftShare) < 0) {
                    tightestSoft = d;
                    tightestSoftShare = share;
                }
            }
            LimitDecision tightest = tightestHard != null ? tightestHard : tightestSoft;
            return new Decision.State(List.copyOf(decisions), denying >= 0 ? decisions.get(denying) : tightest);
        }

        /** Sliding windows end when their oldest usage falls out; calendar windows at their period's end. */
        private static Period window(CompiledLimit compiled, CounterState s, Instant now) {
            Window w = compiled.limit().window();
            if (w == Window.MINUTE || w == Window.HOUR) {
                Instant reset = Instant.ofEpochMilli(s.resetMs());
                long length = w == Window.MINUTE ? 60 : 3600;
                return new Period(reset.minusSeconds(length), reset);
            }
            return compiled.window().at(now);
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
