package dev.tally.core.alert;

import dev.tally.core.catalog.Catalog;
import dev.tally.core.customer.Customer;
import dev.tally.core.counter.CounterState;
import dev.tally.core.enforce.LimitObserver;
import dev.tally.core.event.LedgerEntry;
import dev.tally.core.limit.Limit;
import dev.tally.core.limit.LimitState;
import dev.tally.core.limit.LimitUsage;
import dev.tally.core.money.Money;
import dev.tally.core.period.Period;
import dev.tally.core.period.Window;
import dev.tally.core.rollup.RollupRow;
import dev.tally.core.store.UsageStore;
import dev.tally.core.usage.UsageReporter;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Evaluates alert rules as usage is counted and calls are denied, and resolves alerts whose cause went away.
 *
 * <p>How it stays cheap on the hot paths: the {@link dev.tally.core.enforce.Enforcer} hands it the counters it
 * already keeps ({@link LimitObserver}); per event the engine compares each matched limit's counter with the next
 * threshold's raw amount, adds one to the customer's request window, and adds the event's cost, all under the
 * customer's own monitor. Only when something is crossed does it build an alert, and storing it (an insert that
 * does nothing if an open alert of the same key exists) and telling the {@link AlertListener} happen on the engine's
 * own thread, so ingestion never waits for them. {@link #drain()} waits for that thread, for tests and shutdown.
 *
 * <p>De-duplication: the in-memory marks make each level fire once per period on this node; the store's "one open
 * alert per key" makes it exact across restarts and nodes. Hysteresis: once an alert is resolved (by a person or
 * by {@link #sweep()}), its mark is forgotten, so the next event that still finds usage past the level fires it
 * again.
 *
 * <p>Self-resolution ({@link #sweep()}, run every minute and after catalog changes): an open alert resolves, by
 * {@code system}, when its period is over (a new month, day or hour), when its customer or limit is gone or became
 * unlimited, when a raised limit put usage back under the level it fired at (day and month limits; alerts of minute
 * and hour limits last their UTC hour), and when a forecast no longer runs out before the month ends.
 */
public final class AlertEngine implements LimitObserver, AutoCloseable {
    /** Who resolves alerts whose cause went away. */
    public static final String SYSTEM = "system";

    private final AlertStore store;
    private final Catalog catalog;
    private final UsageReporter reporter;
    private final InstantSource clock;
    private final AlertSettings settings;
    private final AlertListener listener;
    private final Consumer<RuntimeException> onFailure;
    private final ExecutorService worker;
    private final Map<String, CustomerWatch> watches = new ConcurrentHashMap<>();
    private final Map<String, Long> seededCosts;
    /** The sum over customers of their current billing month's cost, for the global cost rule. */
    private final AtomicLong globalCostNanos = new AtomicLong();
    /** Guards the check-and-mark of the global cost alert. */
    private final Object globalLock = new Object();
    private volatile String globalFiredPeriod;
    private final LatePeriods late;
    private final NewAlerts alerts;

    /**
     * Reads each customer's cost of its current billing month from the month rollups, so cost alerts count what
     * was recorded before a restart.
     *
     * @param onFailure told when storing an alert or a sweep failed (for logs); the engine carries on
     */
    public AlertEngine(AlertStore store, UsageStore usage, Catalog catalog, UsageReporter reporter,
                       InstantSource clock, AlertSettings settings, AlertListener listener,
                       Consumer<RuntimeException> onFailure) {
        this.store = store;
        this.catalog = catalog;
        this.reporter = reporter;
        this.clock = clock;
        this.settings = settings;
        this.listener = listener;
        this.onFailure = onFailure;
        this.alerts = new NewAlerts(catalog);
        this.late = new LatePeriods(usage, alerts);
        this.seededCosts = new ConcurrentHashMap<>(monthCosts(usage, catalog, clock.instant()));
        seededCosts.values().forEach(globalCostNanos::addAndGet);
        this.worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "tally-alerts");
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public void recorded(Customer customer, LedgerEntry entry, List<Limit> limits, List<CounterState> states,
                         Instant now) {
        try {
            CustomerWatch w = watch(customer.id());
            List<Alert> fired = new ArrayList<>(0);
            long costDelta;
            List<Limit> lateLimits;
            synchronized (w) {
                costDelta = w.recorded(customer, entry, limits, states, now, fired);
                lateLimits = w.late(customer, limits, entry.event().timestamp(), now);
            }
            if (costDelta != 0) {
                checkGlobalCost(globalCostNanos.addAndGet(costDelta), now, fired);
            }
            if (!fired.isEmpty()) {
                store(fired);
            }
            checkLate(customer, entry.event().timestamp(), lateLimits, now);
        } catch (RuntimeException e) {
            // The event is stored and counted; a failed evaluation must not fail its ingestion.
            onFailure.accept(e);
        }
    }

    /**
     * A customer's billing month that starts at {@code periodStart} was adjusted by {@code costDeltaNanos} of cost:
     * counts it in the month's cost if that month is the current one (firing the cost alert it crosses), then
     * re-checks open alerts soon, so that one whose cause the adjustment removed resolves.
     */
    public void adjusted(Customer customer, Instant periodStart, long costDeltaNanos) {
        try {
            Instant now = clock.instant();
            if (costDeltaNanos != 0) {
                CustomerWatch w = watch(customer.id());
                List<Alert> fired = new ArrayList<>(0);
                long delta = 0;
                synchronized (w) {
                    if (w.inCurrentMonth(customer, periodStart, now)) {
                        delta = w.adjusted(customer, costDeltaNanos, now, fired);
                    }
                }
                if (delta != 0) {
                    checkGlobalCost(globalCostNanos.addAndGet(delta), now, fired);
                }
                if (!fired.isEmpty()) {
                    store(fired);
                }
            }
        } catch (RuntimeException e) {
            onFailure.accept(e);
        }
        sweepLater();
    }

    /**
     * A re-rating moved the counters of {@code limits}: fires the levels they now cross, and on the engine's thread
     * resolves, by {@code system}, the open threshold and exceeded alerts of this period whose level they no longer
     * reach, as if the usage had been priced so from the start. The sweep cannot tell this for limits on end users
     * or dimensions, nor for minute and hour windows (it keeps their alerts for the period): the counters can.
     */
    @Override
    public void corrected(Customer customer, List<Limit> limits, List<String> perValues, List<CounterState> states,
                          Instant now) {
        try {
            CustomerWatch w = watch(customer.id());
            List<Alert> fired = new ArrayList<>(0);
            synchronized (w) {
                w.corrected(customer, limits, perValues, states, now, fired);
            }
            fired.replaceAll(a -> LatePeriods.late(a, " (after a re-rating)"));
            if (!fired.isEmpty()) {
                store(fired);
            }
            Map<String, Long> used = new HashMap<>();
            Map<String, Limit> byName = new HashMap<>();
            for (int i = 0; i < limits.size(); i++) {
                used.put(counterKey(limits.get(i).name(), perValues.get(i)), states.get(i).used());
                byName.put(limits.get(i).name(), limits.get(i));
            }
            worker.execute(() -> {
                try {
                    resolveFallenBack(customer, byName, used, now);
                } catch (RuntimeException e) {
                    onFailure.accept(e);
                }
            });
        } catch (RuntimeException e) {
            onFailure.accept(e);
        }
    }

    private static String counterKey(String limitName, String perValue) {
        return perValue == null ? limitName : limitName + '\u001f' + perValue;
    }

    /**
     * Resolves the customer's open threshold and exceeded alerts of the limits in {@code byName}, in their current
     * period, whose counter ({@code used}, by {@link #counterKey}) fell back under the level they fired at.
     */
    private void resolveFallenBack(Customer c, Map<String, Limit> byName, Map<String, Long> used, Instant now) {
        for (Alert a : store.openAlerts()) {
            if (!c.id().equals(a.customer()) || a.kind() != AlertKind.THRESHOLD && a.kind() != AlertKind.EXCEEDED) {
                continue;
            }
            Limit limit = byName.get(a.limit());
            Long u = used.get(counterKey(String.valueOf(a.limit()), a.perValue()));
            if (limit == null || u == null || limit.isUnlimited()
                    || !AlertPeriods.of(c, limit, now).key().equals(a.period())) {
                continue;
            }
            long amountRaw = LimitUsage.rawAmount(limit);
            boolean fellBack = a.kind() == AlertKind.THRESHOLD
                    ? a.threshold() != null && u < LimitWatch.levelRaw(amountRaw, a.threshold())
                    // Over the amount, or denied at a share it no longer reaches.
                    : u <= amountRaw && a.percent() != null && LimitState.of(limit, null,
                    limit.unit().toDecimal(u)).percent().compareTo(a.percent()) < 0;
            if (fellBack && store.resolve(a.id(), SYSTEM, now)) {
                forget(a);
            }
        }
    }

    @Override
    public void denied(Customer customer, Limit limit, String perValue, CounterState state, Instant now) {
        try {
            CustomerWatch w = watch(customer.id());
            List<Alert> fired = new ArrayList<>(0);
            synchronized (w) {
                w.denied(customer, limit, perValue, state, now, fired);
            }
            if (!fired.isEmpty()) {
                store(fired);
            }
        } catch (RuntimeException e) {
            onFailure.accept(e);
        }
    }

    private CustomerWatch watch(String customerId) {
        CustomerWatch w = watches.get(customerId);
        if (w == null) {
            w = watches.computeIfAbsent(customerId, id -> {
                Long seeded = seededCosts.remove(id);
                return new CustomerWatch(settings, seeded == null ? 0 : seeded, alerts);
            });
        }
        return w;
    }

    private void checkGlobalCost(long totalNanos, Instant now, List<Alert> fired) {
        Money amount = settings.cost().global();
        if (amount == null || totalNanos < amount.nanos()) {
            return;
        }
        String period = AlertPeriods.utcMonth(now).key();
        synchronized (globalLock) {
            if (period.equals(globalFiredPeriod)) {
                return;
            }
            globalFiredPeriod = period;
        }
        fired.add(alerts.globalCost(Money.ofNanos(totalNanos), amount, period, now));
    }

    /**
     * A re-rating changed a customer's cost on {@code days} (day starts): judges the customer's day and month cost
     * limits in the windows holding them, on the engine's thread, firing the levels their usage now crosses as if it
     * had been priced so from the start; then re-checks open alerts, which resolves those it fell back under.
     */
    public void repriced(Customer customer, java.util.Collection<Instant> days) {
        Instant now = clock.instant();
        try {
            for (Limit limit : catalog.limitsOf(customer)) {
                boolean calendar = limit.window() == dev.tally.core.period.Window.DAY
                        || limit.window() == dev.tally.core.period.Window.MONTH;
                // Judged from the customer's rollups, which do not measure limits on end users or dimensions (as
                // late usage): such a limit would be judged by every user's cost.
                if (!calendar || !dev.tally.core.metric.Metrics.COST.equals(limit.metric())
                        || limit.isEndUserScoped()) {
                    continue;
                }
                for (Instant day : days) {
                    String key = late.claim(customer, limit, day);
                    if (key != null) {
                        worker.execute(() -> {
                            try {
                                insert(late.check(key, customer, limit, day, now, "after a re-rating"));
                            } catch (RuntimeException e) {
                                onFailure.accept(e);
                            }
                        });
                    }
                }
            }
        } catch (RuntimeException e) {
            onFailure.accept(e);
        }
        sweepLater();
    }

    /**
     * Judges usage recorded into an earlier day or month window in that window, on the engine's thread.
     *
     * @param lateLimits the limits whose current window began after {@code eventTime} ({@link CustomerWatch#late})
     */
    private void checkLate(Customer customer, Instant eventTime, List<Limit> lateLimits, Instant now) {
        for (Limit limit : lateLimits) {
            String key = late.claim(customer, limit, eventTime);
            if (key != null) {
                worker.execute(() -> {
                    try {
                        insert(late.check(key, customer, limit, eventTime, now));
                    } catch (RuntimeException e) {
                        onFailure.accept(e);
                    }
                });
            }
        }
    }

    /** Stores alerts on the engine's thread and tells the listener about those really stored. */
    private void store(List<Alert> alerts) {
        worker.execute(() -> insert(alerts));
    }

    private void insert(List<Alert> alerts) {
        for (Alert a : alerts) {
            try {
                if (store.insertIfNoneOpen(a)) {
                    listener.fired(a);
                }
            } catch (RuntimeException e) {
                // Not stored: forget the mark, so the next event that still crosses the level tries again.
                forget(a);
                onFailure.accept(e);
            }
        }
    }

    /**
     * Waits until every alert handed to the engine's thread so far is stored (and its listener told).
     *
     * @throws IllegalStateException if that takes longer than {@code timeout}
     */
    public void drain(Duration timeout) {
        await(worker.submit(() -> { }), timeout);
    }

    /**
     * Resolves, by {@code system}, every open alert whose cause went away (see the class comment); runs on the
     * engine's thread after every alert handed to it so far, and waits for it.
     *
     * @return how many alerts it resolved
     */
    public int sweep() {
        return await(worker.submit(this::resolveGone), Duration.ofMinutes(1));
    }

    /** Like {@link #sweep()}, without waiting: for the periodic job. */
    public void sweepLater() {
        try {
            worker.execute(() -> {
                try {
                    resolveGone();
                } catch (RuntimeException e) {
                    onFailure.accept(e);
                }
            });
        } catch (RejectedExecutionException e) {
            // Shutting down: the next start sweeps anyway.
        }
    }

    /** Forgets that an alert fired, so that its key may fire again: called once it is resolved. */
    public void forget(Alert alert) {
        late.forget(alert);
        forgetLive(alert);
    }

    /**
     * Forgets the live marks of an alert. The sweep resolves late alerts at once (their period is over) and keeps
     * their marks, so that the rest of the same import does not fire them again.
     */
    private void forgetLive(Alert alert) {
        if (alert.customer() == null) {
            if (alert.kind() == AlertKind.COST) {
                globalFiredPeriod = null;
            }
            return;
        }
        CustomerWatch w = watches.get(alert.customer());
        if (w != null) {
            synchronized (w) {
                w.forget(alert);
            }
        }
    }

    private int resolveGone() {
        Instant now = clock.instant();
        Map<String, CauseCheck> checks = new HashMap<>();
        int resolved = 0;
        for (Alert a : store.openAlerts()) {
            CauseCheck check = a.customer() == null ? null
                    : checks.computeIfAbsent(a.customer(), id -> CauseCheck.of(catalog, reporter, id, now));
            if (CauseCheck.isGone(a, check, now, settings.forecast()) && store.resolve(a.id(), SYSTEM, now)) {
                forgetLive(a);
                resolved++;
            }
        }
        return resolved;
    }

    private static <T> T await(Future<T> f, Duration timeout) {
        try {
            return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the alert engine", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("the alert engine did not finish within " + timeout, e);
        }
    }

    /** Each customer's cost in its current billing month, from month rollups (one read for all customers). */
    private static Map<String, Long> monthCosts(UsageStore usage, Catalog catalog, Instant now) {
        List<Customer> customers = catalog.customers();
        Map<String, Long> costs = new HashMap<>();
        if (customers.isEmpty()) {
            return costs;
        }
        Map<String, Period> months = new HashMap<>();
        Instant earliest = now;
        for (Customer c : customers) {
            Period p = AlertPeriods.month(c, now).period();
            months.put(c.id(), p);
            earliest = p.start().isBefore(earliest) ? p.start() : earliest;
        }
        for (RollupRow row : usage.rollups(null, Window.MONTH, earliest, now.plusSeconds(1))) {
            Period p = months.get(row.key().customerId());
            if (p != null && p.contains(row.key().bucketStart())) {
                costs.merge(row.key().customerId(), row.counts().costNanos(), Long::sum);
            }
        }
        return costs;
    }

    /** Finishes storing what was handed over, then stops the engine's thread. */
    @Override
    public void close() {
        worker.shutdown();
        try {
            if (!worker.awaitTermination(10, TimeUnit.SECONDS)) {
                worker.shutdownNow();
            }
        } catch (InterruptedException e) {
            worker.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
