package dev.tally.bench;

import dev.tally.core.catalog.Catalog;
import dev.tally.core.customer.Customer;
import dev.tally.core.enforce.CallEstimate;
import dev.tally.core.enforce.CallRequest;
import dev.tally.core.enforce.Decision;
import dev.tally.core.enforce.Enforcer;
import dev.tally.core.limit.FailurePolicy;
import dev.tally.core.counter.InMemoryCounterStore;
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
import dev.tally.store.Stores;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
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
 * In-process enforcement: {@code authorizeAndSettle} asks the {@link Enforcer} whether a call of a customer with five
 * limits (requests per minute and per month, tokens per day, an openai-only soft token budget, and a cost budget
 * priced from the catalog) may go ahead, reserving its estimate, then records the event that settles the reservation
 * — the full round a metered call costs in-process. {@code checkOnly} decides without reserving.
 * {@code authorizeAndSettleWithStates} also renders every limit's state (used, remaining, percent, window), which a
 * decision builds only when asked (the HTTP answer asks; a filter that only lets calls through does not). The
 * baselines are Bucket4j's local bucket {@code tryConsume(1)} on a single limit, one Bucket4j bucket with five
 * bandwidths, and, the same shape as Tally's round, {@code bucket4jFiveBucketsAndSettle}: five Bucket4j buckets of the
 * customer, one per limit (a bucket counts one unit, so requests, tokens and cost each need their own), each taking
 * the call's estimate in turn and, when one refuses, the ones before it refunded (the only way Bucket4j gets all or
 * none across buckets), then settled by giving back what the estimate held above the actual usage.
 *
 * <p>Amounts are large enough that every call is allowed: the allowed path is the common one. Run with 1, 2 and 4
 * threads; with one customer every thread contends for that customer's lock (the worst case), with
 * {@code customers=1000} they rarely meet.
 *
 * <pre>
 * ./mvnw -o -q -pl tally-bench -am package -DskipTests
 * for t in 1 2 4; do
 *   java -jar tally-bench/target/benchmarks.jar AuthorizeBenchmark -t $t -f 1 -wi 3 -i 5 -w 1s -r 2s -bm sample -tu us
 * done
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class AuthorizeBenchmark {
    @org.openjdk.jmh.annotations.Param({"1", "1000"})
    public int customers;

    private Path dir;
    private TallyStore store;
    private Enforcer enforcer;
    private CallRequest[] calls;
    private Bucket bucket;
    private Bucket fiveLimitBucket;
    /** Per customer, one bucket per limit: requests per minute and month, tokens per day and month, cost. */
    private Bucket[][] perLimitBuckets;
    private dev.tally.core.event.Buckets buckets;
    private final AtomicLong sequence = new AtomicLong();
    /** What the call's estimate takes from each of the five buckets: requests, tokens, cost in nano-dollars. */
    private static final long[] ESTIMATE = {1, 1, 1_200, 1_200, 6_000_000};
    /** What the call then used (the settling event's usage and cost, as in Tally's round). */
    private static final long[] ACTUAL = {1, 1, 1_140, 1_140, 5_475_000};

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("tally-authorize-bench");
        store = Stores.sqliteFile(dir);
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
        calls = new CallRequest[customers];
        for (int i = 0; i < customers; i++) {
            String id = "c" + i;
            catalog.putCustomer(new Customer(id, id, null, ZoneId.of("Europe/Berlin"), 1, limits, Instant.EPOCH));
            TreeMap<String, Long> estimate = new TreeMap<>();
            estimate.put("input_tokens", Quantity.ofUnits(800));
            estimate.put("output_tokens", Quantity.ofUnits(400));
            calls[i] = new CallRequest(id, "openai", "gpt-4o", "/api/chat", new CallEstimate(estimate, null, null),
                    Duration.ofMinutes(5));
        }
        enforcer = new Enforcer(catalog, new InMemoryCounterStore(), new ReservationIds(ReservationIds.newSecret()),
                InstantSource.system(), FailurePolicy.FAIL_OPEN, e -> { });
        // The rollup buckets of the settling event are ingestion's work (IngestService, before the commit), not
        // the enforcer's, and every event of a minute has the same ones: computed once, so they are not measured.
        buckets = Buckets.of(ZoneId.of("Europe/Berlin"), 1, Instant.now());
        fiveLimitBucket = Bucket.builder()
                .addLimit(Bandwidth.builder().capacity(1_000_000_000L).refillGreedy(1_000_000_000L,
                        Duration.ofMinutes(1)).build())
                .addLimit(Bandwidth.builder().capacity(1_000_000_000_000L).refillIntervally(1_000_000_000_000L,
                        Duration.ofDays(30)).build())
                .addLimit(Bandwidth.builder().capacity(1_000_000_000_000L).refillIntervally(1_000_000_000_000L,
                        Duration.ofDays(1)).build())
                .addLimit(Bandwidth.builder().capacity(1_000_000_000_000L).refillIntervally(1_000_000_000_000L,
                        Duration.ofDays(30)).build())
                .addLimit(Bandwidth.builder().capacity(100_000_000_000_000L).refillIntervally(
                        100_000_000_000_000L, Duration.ofDays(30)).build())
                .build();
        bucket = Bucket.builder()
                .addLimit(Bandwidth.builder().capacity(1_000_000_000L).refillGreedy(1_000_000_000L,
                        Duration.ofMinutes(1)).build())
                .build();
        perLimitBuckets = new Bucket[customers][];
        for (int i = 0; i < customers; i++) {
            perLimitBuckets[i] = new Bucket[]{
                bucket(1_000_000_000L, Duration.ofMinutes(1), true),
                bucket(1_000_000_000_000L, Duration.ofDays(30), false),
                bucket(1_000_000_000_000L, Duration.ofDays(1), false),
                bucket(1_000_000_000_000L, Duration.ofDays(30), false),
                // $1M in nano-dollars: Bucket4j refills at most one token a nanosecond (Tally's budget is higher;
                // neither is reached in a run).
                bucket(1_000_000_000_000_000L, Duration.ofDays(30), false)};
        }
    }

    private static Bucket bucket(long capacity, Duration period, boolean greedy) {
        var refill = Bandwidth.builder().capacity(capacity);
        return Bucket.builder().addLimit(greedy ? refill.refillGreedy(capacity, period).build()
                : refill.refillIntervally(capacity, period).build()).build();
    }

    private static Limit limit(String metric, Window window, String amount, LimitMode mode, String provider) {
        return new Limit(null, metric, window, new BigDecimal(amount), mode, provider, null, null, null);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        store.close();
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private CallRequest nextCall() {
        return calls[(int) (sequence.getAndIncrement() % calls.length)];
    }

    @Benchmark
    public LedgerEntry authorizeAndSettle() {
        CallRequest call = nextCall();
        Decision d = enforcer.authorize(call);
        Instant now = Instant.now();
        TreeMap<String, Long> actual = new TreeMap<>();
        actual.put("input_tokens", Quantity.ofUnits(790));
        actual.put("output_tokens", Quantity.ofUnits(350));
        UsageEvent event = new UsageEvent("e" + sequence.get(), call.customerId(), now, "openai", "gpt-4o",
                "/api/chat", "POST", 200, 120L, null, actual, null, d.reservationId(), null);
        LedgerEntry entry = new LedgerEntry(event, Money.ofNanos(5_475_000), List.of(), now, buckets);
        enforcer.record(entry);
        return entry;
    }

    /** The same round, also rendering every limit's state (what the HTTP answer and the headers show). */
    @Benchmark
    public Object authorizeAndSettleWithStates() {
        CallRequest call = nextCall();
        Decision d = enforcer.authorize(call);
        Object states = d.limits();
        Instant now = Instant.now();
        TreeMap<String, Long> actual = new TreeMap<>();
        actual.put("input_tokens", Quantity.ofUnits(790));
        actual.put("output_tokens", Quantity.ofUnits(350));
        UsageEvent event = new UsageEvent("e" + sequence.get(), call.customerId(), now, "openai", "gpt-4o",
                "/api/chat", "POST", 200, 120L, null, actual, null, d.reservationId(), null);
        enforcer.record(new LedgerEntry(event, Money.ofNanos(5_475_000), List.of(), now, buckets));
        return states;
    }

    @Benchmark
    public Decision checkOnly() {
        return enforcer.check(nextCall());
    }

    @Benchmark
    public boolean bucket4jTryConsume() {
        return bucket.tryConsume(1);
    }

    /**
     * The same shape as {@link #authorizeAndSettle} in Bucket4j: the customer's five buckets take the estimate in
     * turn, all or none (a refusal refunds the buckets before it), then the call is settled by refunding what the
     * estimate held above the actual usage.
     */
    @Benchmark
    public boolean bucket4jFiveBucketsAndSettle() {
        Bucket[] limits = perLimitBuckets[(int) (sequence.getAndIncrement() % perLimitBuckets.length)];
        for (int i = 0; i < limits.length; i++) {
            if (!limits[i].tryConsume(ESTIMATE[i])) {
                for (int j = 0; j < i; j++) {
                    limits[j].addTokens(ESTIMATE[j]);
                }
                return false;
            }
        }
        for (int i = 0; i < limits.length; i++) {
            if (ESTIMATE[i] > ACTUAL[i]) {
                limits[i].addTokens(ESTIMATE[i] - ACTUAL[i]);
            }
        }
        return true;
    }

    /** A second baseline: one Bucket4j bucket with five bandwidths, checked and consumed together. */
    @Benchmark
    public boolean bucket4jFiveLimits() {
        return fiveLimitBucket.tryConsume(1);
    }
}
