package dev.tally.bench;

import dev.tally.core.catalog.Catalog;
import dev.tally.core.customer.Customer;
import dev.tally.core.enforce.CallEstimate;
import dev.tally.core.enforce.CallRequest;
import dev.tally.core.enforce.Decision;
import dev.tally.core.enforce.DecisionMetrics;
import dev.tally.core.enforce.Enforcer;
import dev.tally.core.limit.FailurePolicy;
import dev.tally.core.counter.InMemoryCounterStore;
import dev.tally.core.enforce.LimitObserver;
import dev.tally.core.reservation.ReservationIds;
import dev.tally.core.limit.Limit;
import dev.tally.core.limit.LimitMode;
import dev.tally.core.metric.Quantity;
import dev.tally.core.period.Window;
import dev.tally.core.pricing.Price;
import dev.tally.core.persistence.TallyStore;
import dev.tally.server.metrics.HttpRequestMetrics;
import dev.tally.server.metrics.ServerMetrics;
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
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneId;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the metrics add to the authorization hot path: {@code authorize} decides a call of a customer with five limits
 * (as in {@link AuthorizeBenchmark}) and, with {@code metrics=on}, does what the server does per request on top: the
 * enforcer tells {@link DecisionMetrics} (a counter picked by denial code) and the HTTP timer records the request
 * (a series lookup and a histogram with 16 buckets), both into the server's Prometheus registry. {@code recordOnly}
 * is the metrics' work alone. Run with 1 and 2 threads: the counters and the histogram are shared by every thread.
 *
 * <pre>
 * ./mvnw -o -q -pl tally-bench -am package -DskipTests
 * for t in 1 2; do
 *   java -jar tally-bench/target/benchmarks.jar MetricsOverheadBenchmark -t $t -f 1 -wi 3 -i 5 -w 1s -r 2s
 * done
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class MetricsOverheadBenchmark {
    private static final int CUSTOMERS = 1000;

    @Param({"off", "on"})
    public String metrics;

    private Path dir;
    private TallyStore store;
    private ServerMetrics serverMetrics;
    private HttpRequestMetrics http;
    private boolean on;
    private Enforcer enforcer;
    private CallRequest[] calls;
    private final AtomicLong sequence = new AtomicLong();

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("tally-metrics-bench");
        store = Stores.sqliteFile(dir);
        serverMetrics = ServerMetrics.start(store);
        http = serverMetrics.httpRequests();
        on = "on".equals(metrics);
        Catalog catalog = new Catalog(store);
        catalog.putPrices(List.of(
                new Price("openai", "gpt-4o", "input_tokens", new BigDecimal("2.50"), 1_000_000, Instant.EPOCH),
                new Price("openai", "gpt-4o", "output_tokens", new BigDecimal("10.00"), 1_000_000, Instant.EPOCH)));
        List<Limit> limits = List.of(
                limit("requests", Window.MINUTE, "1000000000", LimitMode.HARD, null),
                limit("requests", Window.MONTH, "1000000000000", LimitMode.HARD, null),
                limit("tokens", Window.DAY, "1000000000000", LimitMode.HARD, null),
                limit("tokens", Window.MONTH, "1000000000000", LimitMode.SOFT, "openai"),
                limit("cost", Window.MONTH, "100000000", LimitMode.HARD, null));
        calls = new CallRequest[CUSTOMERS];
        for (int i = 0; i < CUSTOMERS; i++) {
            String id = "c" + i;
            catalog.putCustomer(new Customer(id, id, null, ZoneId.of("Europe/Berlin"), 1, limits, Instant.EPOCH));
            TreeMap<String, Long> estimate = new TreeMap<>();
            estimate.put("input_tokens", Quantity.ofUnits(800));
            estimate.put("output_tokens", Quantity.ofUnits(400));
            // A short hold, so that a long run's reservations expire instead of filling the limits.
            calls[i] = new CallRequest(id, "openai", "gpt-4o", "/api/chat", new CallEstimate(estimate, null, null),
                    Duration.ofSeconds(1));
        }
        enforcer = new Enforcer(catalog, new InMemoryCounterStore(), new ReservationIds(ReservationIds.newSecret()),
                InstantSource.system(), FailurePolicy.FAIL_OPEN, e -> { }, LimitObserver.NONE,
                on ? serverMetrics.decisions() : DecisionMetrics.NONE);
    }

    private static Limit limit(String metric, Window window, String amount, LimitMode mode, String provider) {
        return new Limit(null, metric, window, new BigDecimal(amount), mode, provider, null, null, null);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        serverMetrics.close();
        store.close();
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** An authorization, with the metrics' work of an HTTP request when they are on. */
    @Benchmark
    public Decision authorize() {
        CallRequest call = calls[(int) (sequence.getAndIncrement() % CUSTOMERS)];
        if (!on) {
            return enforcer.authorize(call);
        }
        // The clock reads too: Javalin reads it for the request logger only.
        long started = System.nanoTime();
        Decision d = enforcer.authorize(call);
        http.record("/v1/authorize", "POST", 200, System.nanoTime() - started);
        return d;
    }

    /** The metrics' work of one authorization request alone: the decision counter and the HTTP histogram. */
    @Benchmark
    public HttpRequestMetrics recordOnly() {
        serverMetrics.decisions().decided(ALLOWED, true);
        http.record("/v1/authorize", "POST", 200, 50_000);
        return http;
    }

    private static final Decision ALLOWED = new Decision(true, null, List.of(), null, null, 0, null);
}
