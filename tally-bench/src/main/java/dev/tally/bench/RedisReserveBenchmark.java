package dev.tally.bench;

import dev.tally.core.counter.Charge;
import dev.tally.core.counter.CounterSpec;
import dev.tally.core.counter.CounterStore;
import dev.tally.core.limit.Limit;
import dev.tally.core.period.Window;
import dev.tally.redis.RedisCounterStore;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.BucketProxy;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.github.bucket4j.redis.lettuce.cas.LettuceBasedProxyManager;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
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

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Shared enforcement in Redis, in process: Tally's {@link RedisCounterStore} reserving five limits of three kinds at
 * once (requests per minute and per month, tokens per hour and per day, cost per month: sliding windows, calendar
 * windows and money), all or none in one script call, beside Bucket4j's Redis backend (Lettuce, compare-and-swap:
 * a read and a conditional write per attempt, retried when another thread wrote between them) on the same Redis, with
 * one bandwidth and with five bandwidths in one bucket.
 *
 * <ul>
 *   <li>{@code tallyReserve5}: one reservation held for a second and never settled, so each call also undoes, on
 *       average, one expired reservation: one round trip.</li>
 *   <li>{@code tallyReserveSettle5}: the full round of a metered call: reserve, then record the actual usage that
 *       settles it (two round trips).</li>
 *   <li>{@code tallyCheck5}: only checks the five limits.</li>
 *   <li>{@code bucket4jOneBandwidth}, {@code bucket4jFiveBandwidths}: {@code tryConsume(1)} on a proxy bucket.</li>
 * </ul>
 *
 * <p>Limits are large enough that every call is allowed. With {@code customers=1} every thread works on the same
 * keys (Bucket4j's compare-and-swap then retries); with 1000 they rarely meet. Needs Redis on 127.0.0.1:6379
 * ({@code -Dtally.bench.redis=redis://...}); keys live under a fresh prefix, deleted at the end.
 *
 * <pre>
 * ./mvnw -o -q -pl tally-bench -am package -DskipTests
 * for t in 1 2 4; do
 *   java -jar tally-bench/target/benchmarks.jar RedisReserveBenchmark -t $t -f 1 -wi 2 -i 3 -w 2s -r 3s
 * done
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class RedisReserveBenchmark {
    @Param({"1", "1000"})
    public int customers;

    private final String prefix = RedisKeys.freshPrefix();
    private final AtomicLong sequence = new AtomicLong();
    private RedisClient client;
    private RedisCounterStore tally;
    private List<Charge> estimate;
    private List<Charge> actual;
    private String[] customerIds;
    private StatefulRedisConnection<byte[], byte[]> bucket4jConnection;
    private BucketProxy[] oneBandwidth;
    private BucketProxy[] fiveBandwidths;

    @Setup(Level.Trial)
    public void setUp() {
        client = RedisClient.create(RedisKeys.URL);
        tally = RedisCounterStore.connect(client, prefix);
        ZoneId berlin = ZoneId.of("Europe/Berlin");
        CounterSpec requestsMinute = spec("requests", Window.MINUTE, berlin, 1_000_000_000L);
        CounterSpec requestsMonth = spec("requests", Window.MONTH, berlin, 1_000_000_000_000L);
        CounterSpec tokensHour = spec("tokens", Window.HOUR, berlin, 1_000_000_000_000L);
        CounterSpec tokensDay = spec("tokens", Window.DAY, berlin, 1_000_000_000_000L);
        CounterSpec costMonth = spec("cost", Window.MONTH, berlin, 1_000_000_000_000_000L); // $1M in nano-dollars
        estimate = List.of(new Charge(requestsMinute, 1), new Charge(requestsMonth, 1),
                new Charge(tokensHour, 1200), new Charge(tokensDay, 1200), new Charge(costMonth, 6_000_000));
        actual = List.of(new Charge(requestsMinute, 1), new Charge(requestsMonth, 1),
                new Charge(tokensHour, 1140), new Charge(tokensDay, 1140), new Charge(costMonth, 5_475_000));
        customerIds = new String[customers];
        for (int i = 0; i < customers; i++) {
            customerIds[i] = "c" + i;
        }

        bucket4jConnection = client.connect(ByteArrayCodec.INSTANCE);
        LettuceBasedProxyManager<byte[]> buckets = Bucket4jLettuce.casBasedBuilder(bucket4jConnection).build();
        BucketConfiguration one = BucketConfiguration.builder()
                .addLimit(Bandwidth.builder().capacity(1_000_000_000L).refillGreedy(1_000_000_000L,
                        Duration.ofMinutes(1)).build())
                .build();
        BucketConfiguration five = BucketConfiguration.builder()
                .addLimit(Bandwidth.builder().capacity(1_000_000_000L).refillGreedy(1_000_000_000L,
                        Duration.ofMinutes(1)).build())
                .addLimit(Bandwidth.builder().capacity(1_000_000_000_000L).refillIntervally(1_000_000_000_000L,
                        Duration.ofDays(30)).build())
                .addLimit(Bandwidth.builder().capacity(1_000_000_000_000L).refillGreedy(1_000_000_000_000L,
                        Duration.ofHours(1)).build())
                .addLimit(Bandwidth.builder().capacity(1_000_000_000_000L).refillIntervally(1_000_000_000_000L,
                        Duration.ofDays(1)).build())
                .addLimit(Bandwidth.builder().capacity(1_000_000_000_000_000L).refillIntervally(
                        1_000_000_000_000_000L, Duration.ofDays(30)).build())
                .build();
        oneBandwidth = new BucketProxy[customers];
        fiveBandwidths = new BucketProxy[customers];
        for (int i = 0; i < customers; i++) {
            oneBandwidth[i] = buckets.builder().build(key("b1:" + i), () -> one);
            fiveBandwidths[i] = buckets.builder().build(key("b5:" + i), () -> five);
        }
    }

    private byte[] key(String name) {
        return (prefix + name).getBytes(StandardCharsets.UTF_8);
    }

    private static CounterSpec spec(String metric, Window window, ZoneId zone, long limit) {
        return new CounterSpec(new Limit.LimitKey(metric, window, null, null, null), window, zone, 1, limit, true);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        RedisKeys.deleteAll(client, prefix);
        bucket4jConnection.close();
        tally.close();
        client.shutdown();
    }

    private int next() {
        return (int) (sequence.getAndIncrement() % customers);
    }

    @Benchmark
    public CounterStore.Outcome tallyReserve5() {
        Instant now = Instant.now();
        return tally.reserve(customerIds[next()], estimate, now.plusSeconds(1), now);
    }

    @Benchmark
    public CounterStore.Handle tallyReserveSettle5() {
        String customer = customerIds[next()];
        Instant now = Instant.now();
        CounterStore.Handle held = tally.reserve(customer, estimate, now.plusSeconds(300), now).held();
        tally.record(customer, actual, now, held, Instant.now());
        return held;
    }

    @Benchmark
    public CounterStore.Outcome tallyCheck5() {
        Instant now = Instant.now();
        return tally.reserve(customerIds[next()], estimate, null, now);
    }

    @Benchmark
    public boolean bucket4jOneBandwidth() {
        return oneBandwidth[next()].tryConsume(1);
    }

    @Benchmark
    public boolean bucket4jFiveBandwidths() {
        return fiveBandwidths[next()].tryConsume(1);
    }
}
