package dev.tally.core.catalog;

import dev.tally.core.customer.Customer;
import dev.tally.core.customer.EffectiveLimits;
import dev.tally.core.customer.Messages;
import dev.tally.core.customer.Plan;
import dev.tally.core.limit.Limit;
import dev.tally.core.limit.LimitRules;
import dev.tally.core.pricing.Price;
import dev.tally.core.pricing.PriceCatalog;
import dev.tally.core.problem.ConflictException;
import dev.tally.core.problem.NotFoundException;
import dev.tally.core.problem.Problems;
import dev.tally.core.problem.ValidationException;
import dev.tally.core.store.CatalogStore;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Plans, customers and prices: written through to the store, read from an in-memory snapshot.
 *
 * <p>Why a snapshot: every ingested event needs its customer's zone and billing day and the price list, and looking
 * them up in the database per event would cost more than writing the event. Writes are rare (administration), so
 * each write replaces the immutable snapshot (copy-on-write) and readers never lock. A node sees other nodes'
 * catalog changes after {@link #reload()}.
 */
public final class Catalog {
    private final CatalogStore store;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private final List<LimitsAdded> limitsAdded = new CopyOnWriteArrayList<>();
    private volatile Snapshot snapshot;
    /** The texts of {@code tally.yaml}'s {@code messages:} section: under every plan's own, over the built-in ones. */
    private volatile Messages defaultMessages = Messages.NONE;
    /** The largest limit amount, in its metric's stored unit, the enforcement counters count exactly. */
    private volatile long maxLimit = Long.MAX_VALUE;
    /** Which counters set {@link #maxLimit}, as said in the rule a larger limit breaks. */
    private volatile String maxLimitReason = "";

    public Catalog(CatalogStore store) {
        this.store = store;
        reload();
    }

    /** Re-reads everything from the store. */
    public synchronized void reload() {
        Map<String, Plan> plans = new HashMap<>();
        store.plans().forEach(p -> plans.put(p.id(), p));
        Map<String, Customer> customers = new HashMap<>();
        store.customers().forEach(c -> customers.put(c.id(), c));
        snapshot = new Snapshot(Map.copyOf(plans), Map.copyOf(customers), new PriceCatalog(store.prices()));
    }

    /**
     * Registers {@code listener} to run after every write of a plan or customer (limits may have changed), on the
     * writing thread: it must be quick (the alert engine only queues a re-evaluation).
     */
    public void onChange(Runnable listener) {
        listeners.add(listener);
    }

    /**
     * Registers {@code listener} to be told, after a write of a plan or customer on this node, of each customer that
     * now has limits it did not have before (a new metric, window, filter or {@code per}: a new counter), on the
     * writing thread. Not told of changes read by {@link #reload()} from another node's writes: the writing node tells
     * its own listeners, so shared counters are seeded once.
     */
    public void onLimitsAdded(LimitsAdded listener) {
        limitsAdded.add(listener);
    }

    /** A customer's limits that a write added (whose {@link Limit#key()} it did not have). */
    @FunctionalInterface
    public interface LimitsAdded {
        /** Called with the customer as written and its added limits, never empty. */
        void added(Customer customer, List<Limit> limits);
    }

    private void changed() {
        listeners.forEach(Runnable::run);
    }

    /** Tells the {@link #onLimitsAdded} listeners what the write from {@code before} to the snapshot added. */
    private void changed(Snapshot before, Collection<String> customerIds) {
        if (!limitsAdded.isEmpty()) {
            for (String id : customerIds) {
                Customer now = snapshot.customers.get(id);
                if (now != null) {
                    List<Limit> added = added(before.limitsOf(before.customers.get(id)),
                            snapshot.limitsOf(now));
                    if (!added.isEmpty()) {
                        limitsAdded.forEach(l -> l.added(now, added));
                    }
                }
            }
        }
        changed();
    }

    /**
     * The catalog as it stands now: an object that stays the same, by identity, until the next write or reload
     * replaces it (and is never the same as an earlier one after that). Why: a reader that keeps what it derived
     * from a customer and its plan can trust it while this answers the object it read <em>before</em> reading the
     * customer, instead of looking the customer and its plan up again on every call.
     */
    public Object revision() {
        return snapshot;
    }

    public Optional<Customer> customer(String id) {
        return Optional.ofNullable(snapshot.customers.get(id));
    }

    /** The customer, or a {@link NotFoundException}. */
    public Customer requireCustomer(String id) {
        // Not orElseThrow(() -> ...): that captures id in a new lambda on every call, found or not.
        Customer customer = customer(id).orElse(null);
        if (customer == null) {
            throw new NotFoundException("customer", id);
        }
        return customer;
    }

    /** Every customer, sorted by id. */
    public List<Customer> customers() {
        return sorted(snapshot.customers.values(), Comparator.comparing(Customer::id));
    }

    public Optional<Plan> plan(String id) {
        return Optional.ofNullable(id == null ? null : snapshot.plans.get(id));
    }

    /** Sets the texts every plan falls back to (from {@code tally.yaml}; not stored, so each node reads its file). */
    public void defaultMessages(Messages messages) {
        this.defaultMessages = messages == null ? Messages.NONE : messages;
    }

    /**
     * The operator's template for a message of {@code kind} to or about {@code customer} (about the limit named
     * {@code limitName}, or null): its plan's for that limit, its plan's for the kind, then the file's; null when
     * none is set and the built-in sentence applies. {@code customer} null asks the file's texts only.
     */
    public String template(Customer customer, String kind, String limitName) {
        Plan plan = customer == null ? null : snapshot.plans.get(customer.planId() == null ? "" : customer.planId());
        Messages fallback = defaultMessages;
        return plan == null ? fallback.template(kind, limitName, null) : plan.messages().template(kind, limitName,
                fallback);
    }

    /** Every plan, sorted by id. */
    public List<Plan> plans() {
        return sorted(snapshot.plans.values(), Comparator.comparing(Plan::id));
    }

    /** The limits that apply to a customer: its plan's, with its overrides laid over them. */
    public List<Limit> limitsOf(Customer customer) {
        return EffectiveLimits.of(plan(customer.planId()).orElse(null), customer);
    }

    /**
     * The limits of a customer that count the customer as a whole: those with no end user, dimensions or {@code per}
     * ({@link Limit#isEndUserScoped}), which the customer's own rollups measure.
     */
    public List<Limit> customerLimitsOf(Customer customer) {
        List<Limit> limits = limitsOf(customer);
        if (limits.stream().noneMatch(Limit::isEndUserScoped)) {
            return limits;
        }
        return limits.stream().filter(l -> !l.isEndUserScoped()).toList();
    }

    public PriceCatalog prices() {
        return snapshot.prices;
    }

    /**
     * Refuses from now on every plan or customer with a limit above {@code maxStored} in its metric's stored unit:
     * the enforcement counters in use cannot count past it exactly (Redis's script sums in doubles), and a limit they
     * cannot count would fail every decision of its customers. {@code why} names those counters in the rule.
     */
    public void countLimitsUpTo(long maxStored, String why) {
        this.maxLimitReason = why;
        this.maxLimit = maxStored;
    }

    /** Records, under {@code prefix[i].amount}, every limit above what the counters in use count exactly. */
    public void checkCountable(String prefix, List<Limit> limits, Problems problems) {
        LimitRules.validateCountable(prefix, limits, maxLimit, maxLimitReason, problems);
    }

    private void requireCountable(List<Limit> limits) {
        Problems problems = new Problems();
        checkCountable("limits", limits, problems);
        problems.throwIfAny("Invalid request");
    }

    /**
     * Creates or replaces a plan.
     *
     * @throws ValidationException if a limit is above what the counters in use count exactly
     */
    public synchronized void putPlan(Plan plan) {
        requireCountable(plan.limits());
        store.putPlan(plan);
        Map<String, Plan> plans = new HashMap<>(snapshot.plans);
        plans.put(plan.id(), plan);
        Snapshot before = snapshot;
        snapshot = new Snapshot(Map.copyOf(plans), snapshot.customers, snapshot.prices);
        changed(before, before.customers.values().stream()
                .filter(c -> plan.id().equals(c.planId())).map(Customer::id).toList());
    }

    /**
     * Deletes a plan.
     *
     * @throws ConflictException while customers are on it
     * @throws NotFoundException if there is no such plan
     */
    public synchronized void deletePlan(String id) {
        List<String> users = snapshot.customers.values().stream()
                .filter(c -> id.equals(c.planId())).map(Customer::id).sorted().toList();
        if (!users.isEmpty()) {
            throw new ConflictException("plan '" + id + "' is used by " + users.size() + " customer(s), e.g. '"
                    + users.get(0) + "'; move them to another plan first");
        }
        if (!store.deletePlan(id)) {
            throw new NotFoundException("plan", id);
        }
        Map<String, Plan> plans = new HashMap<>(snapshot.plans);
        plans.remove(id);
        snapshot = new Snapshot(Map.copyOf(plans), snapshot.customers, snapshot.prices);
        changed();
    }

    /**
     * Creates or replaces a customer, keeping its creation time.
     *
     * @throws ValidationException if its plan does not exist, or a limit is above what the counters in use count
     *                             exactly
     */
    public synchronized Customer putCustomer(Customer customer) {
        requireCountable(customer.limits());
        if (customer.planId() != null && !snapshot.plans.containsKey(customer.planId())) {
            throw ValidationException.of("plan", "must name an existing plan, '" + customer.planId()
                    + "' does not exist");
        }
        Customer existing = snapshot.customers.get(customer.id());
        Customer stored = existing == null ? customer
                : new Customer(customer.id(), customer.name(), customer.planId(), customer.zone(),
                customer.billingDay(), customer.limits(), existing.createdAt(), customer.email());
        store.putCustomer(stored);
        Map<String, Customer> customers = new HashMap<>(snapshot.customers);
        customers.put(stored.id(), stored);
        Snapshot before = snapshot;
        snapshot = new Snapshot(snapshot.plans, Map.copyOf(customers), snapshot.prices);
        changed(before, List.of(stored.id()));
        return stored;
    }

    /** Deletes a customer and revokes its keys; its usage stays in the ledger. */
    public synchronized void deleteCustomer(String id) {
        if (!store.deleteCustomer(id)) {
            throw new NotFoundException("customer", id);
        }
        Map<String, Customer> customers = new HashMap<>(snapshot.customers);
        customers.remove(id);
        snapshot = new Snapshot(snapshot.plans, Map.copyOf(customers), snapshot.prices);
        changed();
    }

    /** Adds or replaces prices; events already recorded keep the cost they were given. */
    public synchronized void putPrices(List<Price> prices) {
        store.putPrices(prices);
        snapshot = new Snapshot(snapshot.plans, snapshot.customers, new PriceCatalog(store.prices()));
    }

    private static <T> List<T> sorted(Collection<T> values, Comparator<T> order) {
        List<T> list = new ArrayList<>(values);
        list.sort(order);
        return list;
    }

    /** The limits of {@code after} whose key none of {@code before} has: their counters start with this write. */
    private static List<Limit> added(List<Limit> before, List<Limit> after) {
        Set<Limit.LimitKey> had = new HashSet<>();
        before.forEach(l -> had.add(l.key()));
        return after.stream().filter(l -> !had.contains(l.key())).toList();
    }

    private record Snapshot(Map<String, Plan> plans, Map<String, Customer> customers, PriceCatalog prices) {
        /** A customer's effective limits in this snapshot; none for a customer it does not have. */
        List<Limit> limitsOf(Customer customer) {
            if (customer == null) {
                return List.of();
            }
            return EffectiveLimits.of(customer.planId() == null ? null : plans.get(customer.planId()), customer);
        }
    }
}
