package dev.tally.bench;

import dev.tally.core.alert.AlertEngine;
import dev.tally.core.alert.AlertListener;
import dev.tally.core.alert.AlertSettings;
import dev.tally.core.catalog.Catalog;
import dev.tally.core.customer.Customer;
import dev.tally.core.counter.CounterState;
import dev.tally.core.enforce.Enforcer;
import dev.tally.core.limit.FailurePolicy;
import dev.tally.core.counter.InMemoryCounterStore;
import dev.tally.core.enforce.LimitObserver;
import dev.tally.core.reservation.ReservationIds;
import dev.tally.core.event.Buckets;
import dev.tally.core.event.LedgerEntry;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.limit.Limit;
import dev.tally.core.limit.LimitMode;
import dev.tally.core.metric.Quantity;
import dev.tally.core.money.Money;
import dev.tally.core.period.Window;
import dev.tally.core.pricing.Price;
import dev.tally.core.persistence.TallyStore;
import dev.tally.core.usage.UsageReporter;
import dev.tally.store.Stores;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The cost of alert evaluation per recorded event: {@code recordWithAlerts} counts a stored event in the
 * {@link Enforcer} with the {@link AlertEngine} observing (thresholds of five limits, the rate-spike window, the
 * month's cost against a cost amount, the unpriced check, the hourly forecast check), {@code recordWithoutAlerts}
 * the same with {@link LimitObserver#NONE}, as before alerts existed. The difference is what evaluation adds to
 * ingestion. Amounts are large, so no alert fires: the steady state every event pays (storing an alert happens on
 * the engine's thread, once per crossing).
 *
 * <pre>
 * ./mvnw -o -q -pl tally-bench -am package -DskipTests
 * java -jar tally-bench/target/benchmarks.jar AlertEvaluationBenchmark -f 1 -wi 3 -i 5 -w 1s -r 2s -tu ns
 * java -jar tally-bench/target/benchmarks.jar AlertEvaluationBenchmark -t 2 -f 1 -wi 3 -i 5 -w 1s -r 2s -tu ns
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class AlertEvaluationBenchmark {
    private static final ZoneId ZONE = ZoneId.of("Europe/Berlin");
    /** Events prepared in the setup, used in turn; a power of two. */
    private static final int ENTRIES = 4096;

    @Param({"1", "1000"})
    public int customers;

    private Path dir;
    private TallyStore store;
    private AlertEngine engine;
    private Enforcer withAlerts;
    private Enforcer withoutAlerts;
    private LedgerEntry[] entries;
    private Customer[] customerOf;
    private List<Limit> limits;
    private List<CounterState> states;
    private Instant start;
    private final AtomicLong sequence = new AtomicLong();

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("tally-alert-bench");
        store = Stores.sqliteFile(dir);
        Catalog catalog = new Catalog(store);
        catalog.putPrices(List.of(
                new Price("openai", "gpt-4o", "input_tokens", new BigDecimal("2.50"), 1_000_000, Instant.EPOCH),
                new Price("openai", "gpt-4o", "output_tokens", new BigDecimal("10.00"), 1_000_000, Instant.EPOCH)));
        limits = List.of(
                limit("requests", Window.MINUTE, "1000000000", LimitMode.HARD, null),
                limit("requests", Window.MONTH, "1000000000000", LimitMode.HARD, null),
                limit("tokens", Window.DAY, "1000000000000", LimitMode.HARD, null),
                limit("tokens", Window.MONTH, "1000000000000", LimitMode.SOFT, "openai"),
                limit("cost", Window.MONTH, "100000000", LimitMode.HARD, null));
        Customer[] all = new Customer[customers];
        for (int i = 0; i < customers; i++) {
            all[i] = catalog.putCustomer(new Customer("c" + i, "c" + i, null, ZONE, 1, limits, Instant.EPOCH));
        }
        start = Instant.now();
        entries = new LedgerEntry[ENTRIES];
        customerOf = new Customer[ENTRIES];
        for (int n = 0; n < ENTRIES; n++) {
            customerOf[n] = all[n % customers];
            entries[n] = entry(n, customerOf[n].id(), start);
        }
        List<CounterState> s = new java.util.ArrayList<>();
        for (int i = 0; i < limits.size(); i++) {
            s.add(new CounterState(1_000 + i, 0, true, 0, 0));
        }
        states = List.copyOf(s);
        InstantSource clock = InstantSource.system();
        AlertSettings settings = new AlertSettings(new AlertSettings.CostRule(Money.parse("1000000"), Map.of(),
                Money.parse("100000000")), AlertSettings.SpikeRule.DEFAULT, AlertSettings.ForecastRule.DEFAULT);
        engine = new AlertEngine(store, store, catalog, new UsageReporter(store, catalog, clock), clock, settings,
                AlertListener.NONE, e -> { });
        withAlerts = new Enforcer(catalog, new InMemoryCounterStore(), new ReservationIds(ReservationIds.newSecret()),
                clock, FailurePolicy.FAIL_OPEN, e -> { }, engine);
        withoutAlerts = new Enforcer(catalog, new InMemoryCounterStore(),
                new ReservationIds(ReservationIds.newSecret()), clock, FailurePolicy.FAIL_OPEN, e -> { });
    }

    private static Limit limit(String metric, Window window, String amount, LimitMode mode, String provider) {
        return new Limit(null, metric, window, new BigDecimal(amount), mode, provider, null, null, null);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        engine.close();
        store.close();
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static LedgerEntry entry(long n, String customer, Instant at) {
        TreeMap<String, Long> usage = new TreeMap<>();
        usage.put("input_tokens", Quantity.ofUnits(790));
        usage.put("output_tokens", Quantity.ofUnits(350));
        UsageEvent event = new UsageEvent("e" + n, customer, at, "openai", "gpt-4o",
                "/api/chat", "POST", 200, 120L, null, usage, null, null, null);
        return new LedgerEntry(event, Money.ofNanos(5_475_000), List.of(), at, Buckets.of(ZONE, 1, at));
    }

    private int next() {
        return (int) (sequence.getAndIncrement() & (ENTRIES - 1));
    }

    private LedgerEntry nextEntry() {
        return entries[next()];
    }

    @Benchmark
    public int evaluateOnly() {
        int n = next();
        engine.recorded(customerOf[n], entries[n], limits, states, start);
        return n;
    }

    @Benchmark
    public LedgerEntry recordWithAlerts() {
        LedgerEntry entry = nextEntry();
        withAlerts.record(entry);
        return entry;
    }

    @Benchmark
    public LedgerEntry recordWithoutAlerts() {
        LedgerEntry entry = nextEntry();
        withoutAlerts.record(entry);
        return entry;
    }
}
