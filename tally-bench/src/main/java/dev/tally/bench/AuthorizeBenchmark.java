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
import org.openjdk.jmh.annotations.Fork;
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
 * <p>What each side does per round, so the two are the same shape. The inputs a caller brings are built before the
 * run and taken from a ring of {@value #RING} settlements, on both sides alike: the call (customer, provider, model,
 * endpoint, estimate) and the call's actual usage, as Tally's event parts (the event id, the token quantities, the
 * cost ingestion priced) and as Bucket4j's five amounts (the same usage). Tally's round: {@code authorize} (find the
 * customer and its limits, charge and price the estimate, check and hold five counters, sign a reservation id), then
 * the caller wraps the settlement's parts and the new reservation id in the {@code UsageEvent} and {@code LedgerEntry}
 * that {@code record} takes (two records; the id is new each round, so they cannot be built before), stamped with the
 * caller's clock to the millisecond, and {@code record} (find the limits, charge the usage, add it to five counters
 * and release the reservation by its id). Bucket4j's round: five {@code tryConsume} of the estimate, then
 * {@code addTokens} of what the estimate held above the settlement's usage. Neither side builds maps, strings or
 * prices per round: that is the caller's work, and was Tally's side alone before (about a fifth of its round).
 *
 * <p>Amounts are large enough that every call is allowed: the allowed path is the common one. Run with 1, 2 and 4
 * threads; with one customer every thread contends for that customer's lock (the worst case), with
 * {@code customers=1000} they rarely meet.
 *
 * <p>The forked JVM gets a fixed, pre-touched heap ({@link #FIXED_HEAP}). Why: with the default heap, G1 grows eden
 * into memory the process never touched during the run, and the first write to each 4 KiB page is a page fault of
 * about 10 us on this machine (kernel time, so thread CPU time counts it too). A round allocating 1 KB then faulted
 * every 4th round while the heap grew (Bucket4j's 512 B round every 8th): that, not the rounds' own work, was the
 * p99 of 11-15 us read since 2026-12-07 (issue 12). A server that runs for hours stops growing its heap; one that
 * cares about its tail from the start fixes and pre-touches it ({@code docs/operations.md}).
 *
 * <pre>
 * ./mvnw -o -q -pl tally-bench -am package -DskipTests
 * for t in 1 2 4; do
 *   java -jar tally-bench/target/benchmarks.jar AuthorizeBenchmark -t $t -f 1 -wi 3 -i 5 -w 1s -r 2s -bm sample -tu us
 * done
 * </pre>
 */
@State(Scope.Benchmark)
@Fork(jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class AuthorizeBenchmark {
    /** The JVM options of {@code @Fork}: a heap of fixed size, every page touched before the run. */
    static final String[] FIXED_HEAP = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"};

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
    /** How many prepared settlements the rounds cycle through (a power of two). */
    static final int RING = 1024;
    /** The settlements the rounds take in turn: each caller's input, built before the run. */
    private Settlement[] settlements;
    /** The caller's clock, to the millisecond: the instant of the last millisecond read, shared by its rounds. */
    private volatile Stamp stamp = new Stamp(Long.MIN_VALUE, Instant.EPOCH);

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
        settlements = new Settlement[RING];
        for (int i = 0; i < RING; i++) {
            TreeMap<String, Long> usage = new TreeMap<>();
            usage.put("input_tokens", Quantity.ofUnits(790));
            usage.put("output_tokens", Quantity.ofUnits(350));
            // The same usage in each side's terms: Bucket4j's requests, tokens (two buckets) and cost in nano-dollars.
            settlements[i] = new Settlement("e" + i, usage, Money.ofNanos(5_475_000),
                    new long[]{1, 1, 1_140, 1_140, 5_475_000});
        }
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

    /**
     * A call's actual usage, prepared before the run: the parts of Tally's settling event (its id, its token
     * quantities, the cost ingestion priced it at) and the same usage as the amounts Bucket4j's five buckets count.
     */
    private record Settlement(String eventId, TreeMap<String, Long> usage, Money cost, long[] actual) {
    }

    /** A millisecond of the caller's clock and its instant (immutable, so threads share it through a plain race). */
    private record Stamp(long millis, Instant instant) {
    }

    /** The caller's clock to the millisecond, as a client stamping its events would read it. */
    private Instant now() {
        long millis = System.currentTimeMillis();
        Stamp s = stamp;
        if (s.millis != millis) {
            s = new Stamp(millis, Instant.ofEpochMilli(millis));
            stamp = s;
        }
        return s.instant;
    }

    private Settlement settlement(long round) {
        return settlements[(int) (round & (RING - 1))];
    }

    /** The caller's part: the prepared settlement and the decision's reservation id, in the records Tally takes. */
    private LedgerEntry settle(String customerId, Settlement s, Decision d) {
        Instant now = now();
        UsageEvent event = new UsageEvent(s.eventId, customerId, now, "openai", "gpt-4o", "/api/chat", "POST",
                STATUS_OK, 120L, null, s.usage, null, d.reservationId(), null);
        LedgerEntry entry = new LedgerEntry(event, s.cost, List.of(), now, buckets);
        enforcer.record(entry);
        return entry;
    }

    /** A boxed 200, made once: {@code Integer.valueOf} caches only -128..127. */
    private static final Integer STATUS_OK = 200;

    @Benchmark
    public LedgerEntry authorizeAndSettle() {
        long round = sequence.getAndIncrement();
        CallRequest call = calls[(int) (round % calls.length)];
        Decision d = enforcer.authorize(call);
        return settle(call.customerId(), settlement(round), d);
    }

    /** The same round, also rendering every limit's state (what the HTTP answer and the headers show). */
    @Benchmark
    public Object authorizeAndSettleWithStates() {
        long round = sequence.getAndIncrement();
        CallRequest call = calls[(int) (round % calls.length)];
        Decision d = enforcer.authorize(call);
        Object states = d.limits();
        settle(call.customerId(), settlement(round), d);
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
        long round = sequence.getAndIncrement();
        Bucket[] limits = perLimitBuckets[(int) (round % perLimitBuckets.length)];
        long[] actual = settlement(round).actual;
        for (int i = 0; i < limits.length; i++) {
            if (!limits[i].tryConsume(ESTIMATE[i])) {
                for (int j = 0; j < i; j++) {
                    limits[j].addTokens(ESTIMATE[j]);
                }
                return false;
            }
        }
        for (int i = 0; i < limits.length; i++) {
            if (ESTIMATE[i] > actual[i]) {
                limits[i].addTokens(ESTIMATE[i] - actual[i]);
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
