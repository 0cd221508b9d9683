package dev.tally.bench;

import dev.tally.core.catalog.Catalog;
import dev.tally.core.counter.Charge;
import dev.tally.core.counter.CounterSpec;
import dev.tally.core.counter.InMemoryCounterStore;
import dev.tally.core.customer.Customer;
import dev.tally.core.enforce.CallEstimate;
import dev.tally.core.enforce.CallRequest;
import dev.tally.core.enforce.Decision;
import dev.tally.core.enforce.Enforcer;
import dev.tally.core.limit.FailurePolicy;
import dev.tally.core.limit.Limit;
import dev.tally.core.limit.LimitMode;
import dev.tally.core.persistence.TallyStore;
import dev.tally.core.period.Window;
import dev.tally.core.reservation.ReservationIds;
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
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Issue 13: in-process authorization of a customer with {@code users} active end users, each under a
 * {@code per: "user"} daily limit beside the customer's monthly limit. Every user already has usage today (so its
 * counter exists and is found, the steady state), and calls go to the users in turn, so the user counters are
 * touched all over the heap rather than from cache. {@code authorizeAndRelease} reserves (customer and user together)
 * and releases the reservation, so no reservations pile up over a run; {@code check} decides without reserving.
 * The baseline in the same run is {@code perUser=false}: the same customer and calls with only the monthly limit.
 *
 * <pre>
 * ./mvnw -o -q -pl tally-bench -am package -DskipTests
 * java -jar tally-bench/target/benchmarks.jar PerUserAuthorizeBenchmark -f 1 -wi 3 -i 5 -w 1s -r 2s -bm sample -tu us
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class PerUserAuthorizeBenchmark {
    @Param({"100000"})
    public int users;
    @Param({"true", "false"})
    public boolean perUser;

    private Path dir;
    private TallyStore store;
    private Enforcer enforcer;
    private CallRequest[] calls;
    private final AtomicLong sequence = new AtomicLong();

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("tally-per-user-bench");
        store = Stores.sqliteFile(dir);
        Catalog catalog = new Catalog(store);
        Limit month = new Limit(null, "requests", Window.MONTH, new BigDecimal("1000000000000"), LimitMode.HARD,
                null, null, null, null);
        Limit daily = new Limit(null, "requests", Window.DAY, new BigDecimal("1000000000"), LimitMode.HARD,
                null, null, null, null, null, null, Limit.PER_USER);
        List<Limit> limits = perUser ? List.of(month, daily) : List.of(month);
        ZoneId zone = ZoneId.of("Europe/Berlin");
        catalog.putCustomer(new Customer("clinic", "Clinic", null, zone, 1, limits, Instant.EPOCH));
        InMemoryCounterStore counters = new InMemoryCounterStore();
        enforcer = new Enforcer(catalog, counters, new ReservationIds(ReservationIds.newSecret()),
                InstantSource.system(), FailurePolicy.FAIL_OPEN, e -> { });
        CounterSpec userSpec = new CounterSpec(daily.key(), Window.DAY, zone, 1, 1_000_000_000L, true);
        Instant now = Instant.now();
        calls = new CallRequest[users];
        for (int i = 0; i < users; i++) {
            String user = String.format("user_%06d", i);
            calls[i] = new CallRequest("clinic", "openai", "gpt-4o", "/api/chat",
                    new CallEstimate(new TreeMap<>(), null, null), Duration.ofMinutes(5), user, null);
            if (perUser) {
                counters.record("clinic", List.of(new Charge(userSpec, 1, user)), now, null, now);
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        store.close();
        try (var files = Files.walk(dir)) {
            List<Path> all = new ArrayList<>(files.toList());
            java.util.Collections.reverse(all);
            for (Path p : all) {
                Files.deleteIfExists(p);
            }
        }
    }

    private CallRequest next() {
        return calls[(int) (sequence.getAndIncrement() % users)];
    }

    @Benchmark
    public boolean authorizeAndRelease() {
        Decision d = enforcer.authorize(next());
        return d.allowed() && enforcer.release(d.reservationId());
    }

    @Benchmark
    public boolean check() {
        return enforcer.check(next()).allowed();
    }
}
