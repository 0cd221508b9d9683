package dev.tally.redis;

import dev.tally.core.counter.Charge;
import dev.tally.core.counter.CounterSpec;
import dev.tally.core.counter.CounterState;
import dev.tally.core.counter.CounterStore;
import dev.tally.core.limit.Limit;
import dev.tally.core.period.Window;
import io.lettuce.core.RedisException;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What only the Redis adapter has: its script, its keys, its bounds. The shared behaviour is in the contract. */
class RedisCounterStoreTest {
    private static final Instant T0 = Instant.parse("2026-11-20T12:00:00Z");
    private final String prefix = TestRedis.uniquePrefix();
    private final RedisCounterStore store = RedisCounterStore.connect(TestRedis.client(), prefix);

    @AfterEach
    void cleanUp() {
        TestRedis.deleteKeys(prefix);
        store.close();
    }

    private static CounterSpec spec(String metric, Window window, long limit) {
        return new CounterSpec(new Limit.LimitKey(metric, window, null, null, null), window, ZoneId.of("UTC"), 1,
                limit, true);
    }

    private static List<Charge> everyKind(long amount) {
        return List.of(new Charge(spec("requests", Window.MINUTE, 100), amount),
                new Charge(spec("requests", Window.HOUR, 100), amount),
                new Charge(spec("requests", Window.DAY, 100), amount),
                new Charge(spec("cost", Window.MONTH, 100), amount));
    }

    @Test
    void reserve_afterRedisLostTheScript_loadsItAgain() {
        try (StatefulRedisConnection<String, String> c = TestRedis.client().connect()) {
            c.sync().scriptFlush();
        }

        CounterStore.Outcome outcome = store.reserve("acme", everyKind(1), T0.plusSeconds(60), T0);

        assertThat(outcome.held()).isNotNull();
        assertThat(store.release(outcome.held(), T0)).isEqualTo("acme");
    }

    @Test
    void keys_areAllUnderThePrefix_andEachHasATtl() {
        CounterStore.Handle h = store.reserve("acme", everyKind(1), T0.plusSeconds(60), T0).held();
        store.record("acme", everyKind(2), T0, null, T0);
        assertThat(h).isNotNull();

        List<String> keys = TestRedis.keys(prefix);
        // The fill mark lives as long as Redis's data: its loss is what it tells.
        assertThat(keys).contains(prefix + "filled");
        keys.remove(prefix + "filled");
        // Two sliding counters, two calendar windows, the pending set and the reservation.
        assertThat(keys).hasSize(6).allMatch(k -> k.startsWith(prefix));
        try (StatefulRedisConnection<String, String> c = TestRedis.client().connect()) {
            for (String key : keys) {
                // The month key lives until the end of November plus the margin: at most 11 days and an hour.
                assertThat(c.sync().pttl(key)).as(key).isBetween(1L, (11 * 24 + 1) * 3_600_000L);
            }
        }
    }

    @Test
    void released_leavesNoReservationBehind() {
        CounterStore.Handle h = store.reserve("acme", everyKind(1), T0.plusSeconds(60), T0).held();
        store.release(h, T0);

        assertThat(TestRedis.keys(prefix)).noneMatch(k -> k.contains(":r:") || k.endsWith(":pending"));
    }

    @Test
    void reservation_writtenAsAHashBeforeRecordsWereStrings_isStillReleasedAndExpired() {
        CounterSpec day = spec("requests", Window.DAY, 100);
        CounterStore.Handle released = store.reserve("acme", List.of(new Charge(day, 3)), T0.plusSeconds(60), T0)
                .held();
        CounterStore.Handle expiring = store.reserve("acme", List.of(new Charge(day, 4)), T0.plusSeconds(5), T0)
                .held();
        String window = TestRedis.keys(prefix).stream().filter(k -> k.contains(":w:")).findFirst().orElseThrow();
        try (StatefulRedisConnection<String, String> c = TestRedis.client().connect()) {
            asHash(c, released, window, "3");
            asHash(c, expiring, window, "4");
            assertThat(c.sync().hget(window, "h")).isEqualTo("7");

            assertThat(store.release(released, T0)).isEqualTo("acme");
            assertThat(c.sync().hget(window, "h")).isEqualTo("4");
            // Past its hold, the next operation of the customer undoes the other one.
            assertThat(store.reserve("acme", List.of(new Charge(day, 0)), null, T0.plusSeconds(6)).states().get(0)
                    .reserved()).isZero();
            assertThat(c.sync().hget(window, "h")).isEqualTo("0");
        }
        assertThat(TestRedis.keys(prefix)).noneMatch(k -> k.contains(":r:"));
    }

    /** Rewrites a reservation's record as the hash the script wrote before records were one string. */
    private void asHash(StatefulRedisConnection<String, String> c, CounterStore.Handle h, String window,
                        String amount) {
        String key = prefix + "r:" + h.key();
        c.sync().del(key);
        c.sync().hset(key, java.util.Map.of("c", "acme", "t", Long.toString(h.tag()), "n", "1", "k1", window,
                "f1", "h", "a1", amount));
        c.sync().pexpire(key, 3_600_000L);
    }

    @Test
    void hold_whoseSlotLeftTheWindow_isUndoneWithoutLeavingANegativeField() {
        CounterSpec minute = spec("requests", Window.MINUTE, 100);
        CounterStore.Handle h = store.reserve("acme", List.of(new Charge(minute, 5)), T0.plusSeconds(3600), T0)
                .held();
        // A minute later the slot of the hold has left the window: reading the counter drops it.
        Instant later = T0.plusSeconds(61);
        store.record("acme", List.of(new Charge(minute, 2)), later, null, later);
        assertThat(store.reserve("acme", List.of(new Charge(minute, 0)), null, later).states().get(0).reserved())
                .isZero();

        assertThat(store.release(h, later)).isEqualTo("acme");

        try (StatefulRedisConnection<String, String> c = TestRedis.client().connect()) {
            String sliding = TestRedis.keys(prefix).stream().filter(k -> k.contains(":s:")).findFirst()
                    .orElseThrow();
            java.util.Map<String, String> fields = c.sync().hgetall(sliding);
            fields.keySet().removeIf(f -> !f.matches("[uh][0-9]+"));
            assertThat(fields).containsOnlyKeys("u" + later.toEpochMilli() / 1000).containsValue("2");
            assertThat(c.sync().hget(sliding, "H")).isEqualTo("0");
            assertThat(c.sync().pttl(sliding)).isPositive();
        }
    }

    @Test
    void slidingWindow_isReadFromItsSums_andSlotsThatLeftIt_leaveTheSumsToo() {
        CounterSpec minute = spec("requests", Window.MINUTE, 100);
        store.record("acme", List.of(new Charge(minute, 5)), T0, null, T0);
        Instant half = T0.plusSeconds(30);
        store.record("acme", List.of(new Charge(minute, 2)), half, null, half);
        assertThat(store.reserve("acme", List.of(new Charge(minute, 1)), T0.plusSeconds(3600), half).states().get(0))
                .extracting(CounterState::used, CounterState::resetMs).containsExactly(7L, T0.plusSeconds(60)
                        .toEpochMilli());

        // A minute after T0 its slot has left the window: out of the fields and out of the sums.
        Instant later = T0.plusSeconds(61);
        CounterState state = store.reserve("acme", List.of(new Charge(minute, 0)), null, later).states().get(0);

        assertThat(state.used()).isEqualTo(2);
        assertThat(state.reserved()).isEqualTo(1);
        assertThat(state.resetMs()).isEqualTo(half.plusSeconds(60).toEpochMilli());
        try (StatefulRedisConnection<String, String> c = TestRedis.client().connect()) {
            String sliding = prefix + "{acme}:s:minute:8'requests---";
            assertThat(c.sync().hgetall(sliding)).doesNotContainKey("u" + T0.getEpochSecond())
                    .containsEntry("U", "2").containsEntry("H", "1");
        }
    }

    @Test
    void slidingWindow_writtenBeforeItHadSums_isSummedFromItsSlotsOnce() {
        String sliding = prefix + "{acme}:s:minute:8'requests---";
        long slot = T0.getEpochSecond();
        store.reserve("other", everyKind(0), null, T0); // fills the counters (an empty store) before the key is written
        try (StatefulRedisConnection<String, String> c = TestRedis.client().connect()) {
            // As the earlier script left it: slot fields only, one of them already out of the window.
            c.sync().hset(sliding, java.util.Map.of("u" + (slot - 60), "50", "u" + (slot - 20), "3", "h" + (slot - 20),
                    "4", "u" + slot, "6"));
            c.sync().pexpire(sliding, 3_600_000L);
        }
        CounterState state = store.reserve("acme", List.of(new Charge(spec("requests", Window.MINUTE, 100), 1)),
                T0.plusSeconds(60), T0).states().get(0);

        assertThat(state.used()).isEqualTo(9);
        assertThat(state.reserved()).isEqualTo(4);
        assertThat(state.resetMs()).isEqualTo((slot - 20 + 60) * 1000);
        try (StatefulRedisConnection<String, String> c = TestRedis.client().connect()) {
            assertThat(c.sync().hgetall(sliding)).doesNotContainKey("u" + (slot - 60))
                    .containsEntry("U", "9").containsEntry("H", "5");
        }
    }

    @Test
    void limit_beyondTwoToThe53_isRefused_ratherThanComparedInexactly() {
        List<Charge> overHuge = List.of(new Charge(spec("cost", Window.MONTH, (1L << 53) + 1), 1));

        assertThatThrownBy(() -> store.reserve("acme", overHuge, T0.plusSeconds(60), T0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2^53");
    }

    @Test
    void amounts_beyondTwoToThe53_areOverTheLargestLimit_andCountedExactlyInRedis() {
        long max = RedisCounterStore.MAX_EXACT;
        long huge = (1L << 53) + 1; // not a double: read as 2^53, still over the largest limit
        CounterSpec largest = spec("tokens", Window.DAY, max);
        CounterSpec unlimited = spec("tokens", Window.MONTH, -1);

        CounterStore.Outcome estimate = store.reserve("acme", List.of(new Charge(largest, huge)), T0.plusSeconds(60),
                T0);
        assertThat(estimate.held()).isNull();
        assertThat(estimate.states().get(0).fits()).isFalse();
        CounterStore.Handle held = store.reserve("acme", List.of(new Charge(unlimited, huge)), T0.plusSeconds(60), T0)
                .held();
        assertThat(held).isNotNull();
        assertThat(store.release(held, T0)).isEqualTo("acme");

        store.record("acme", List.of(new Charge(largest, huge), new Charge(unlimited, Long.MAX_VALUE - huge)), T0,
                null, T0);
        assertThat(store.reserve("acme", List.of(new Charge(largest, 0)), null, T0).states().get(0).fits()).isFalse();
        try (StatefulRedisConnection<String, String> c = TestRedis.client().connect()) {
            List<String> values = new ArrayList<>();
            for (String key : TestRedis.keys(prefix)) {
                if (key.contains(":w:")) {
                    values.add(c.sync().hget(key, "u"));
                }
            }
            // Exact to the unit: the day holds 2^53+1, the month (nothing held after the release) the rest.
            assertThat(values).containsExactlyInAnyOrder(Long.toString(huge), Long.toString(Long.MAX_VALUE - huge));
        }
    }

    @Test
    void prefix_withBraces_isRefused() {
        assertThatThrownBy(() -> RedisCounterStore.connect(TestRedis.URL, "tally{x}:"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("braces");
    }

    @Test
    void connect_toARedisThatIsNotThere_failsAtOnce() throws IOException {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }

        assertThatThrownBy(() -> RedisCounterStore.connect("redis://127.0.0.1:" + port, "tally:"))
                .isInstanceOf(RedisException.class);
    }

    @Test
    void fill_twoNodesStartingTogether_fillTheCountersOnce() throws Exception {
        CounterSpec day = spec("requests", Window.DAY, 100);
        RedisCounterStore other = RedisCounterStore.connect(TestRedis.client(), prefix);
        AtomicInteger fills = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<Integer>> filled = new ArrayList<>();
            for (RedisCounterStore node : List.of(store, other)) {
                node.refillWith(seeding -> {
                    fills.incrementAndGet();
                    seeding.record("acme", List.of(new Charge(day, 30)), T0, null, T0);
                    return 1;
                }, Duration.ofMinutes(1), Duration.ofSeconds(10));
                filled.add(pool.submit(() -> {
                    go.await();
                    return node.fill(Duration.ofMinutes(1));
                }));
            }
            go.countDown();
            int filledHere = 0;
            for (Future<Integer> f : filled) {
                filledHere += f.get(60, TimeUnit.SECONDS) >= 0 ? 1 : 0;
            }
            assertThat(filledHere).isEqualTo(1);
            assertThat(fills).hasValue(1);
            assertThat(used(store, day)).isEqualTo(30);
        } finally {
            pool.shutdownNow();
            other.close();
        }
    }

    @Test
    void fill_afterANodeDiedWhileFilling_startsAgainFromNothing() {
        CounterSpec day = spec("requests", Window.DAY, 100);
        // What a node that died half-way left: some counts, and its lease, which runs out in 300 ms.
        store.record("acme", List.of(new Charge(day, 12)), T0, null, T0);
        store.reserve("acme", List.of(new Charge(day, 5)), T0.plusSeconds(60), T0);
        try (StatefulRedisConnection<String, String> c = TestRedis.client().connect()) {
            c.sync().del(prefix + "filled");
            c.sync().set(prefix + "filling", "dead-node read", SetArgs.Builder.px(300));
        }
        store.refillWith(seeding -> {
            seeding.record("acme", List.of(new Charge(day, 30)), T0, null, T0);
            return 1;
        }, Duration.ofMinutes(1), Duration.ofSeconds(10));

        assertThat(store.fill(Duration.ofMinutes(1))).isEqualTo(1);

        CounterState state = store.reserve("acme", List.of(new Charge(day, 0)), null, T0).states().get(0);
        assertThat(state.used()).isEqualTo(30);
        assertThat(state.reserved()).isZero();
        store.refillWith(seeding -> {
            throw new AssertionError("filled twice");
        }, Duration.ofMinutes(1), Duration.ofSeconds(10));
        assertThat(store.fill(Duration.ofMinutes(1))).isEqualTo(-1);
    }

    /** Issue 12.3: Redis restarted empty (here: its keys flushed) while the node runs. */
    @Test
    void reserve_afterRedisLostItsData_rebuildsFromTheStoreFirst_andPendingReservationsAreReleased() {
        CounterSpec day = spec("requests", Window.DAY, 100);
        AtomicInteger rebuilds = new AtomicInteger();
        store.refillWith(seeding -> {
            rebuilds.incrementAndGet();
            seeding.record("acme", List.of(new Charge(day, 95)), T0, null, T0); // what the store holds
            return 1;
        }, Duration.ofMinutes(1), Duration.ofSeconds(10));
        CounterStore.Handle pending = store.reserve("acme", List.of(new Charge(day, 3)), T0.plusSeconds(60), T0)
                .held();
        assertThat(rebuilds).hasValue(1); // the first operation on an empty prefix filled it
        TestRedis.deleteKeys(prefix);

        CounterStore.Outcome outcome = store.reserve("acme", List.of(new Charge(day, 6)), T0.plusSeconds(60), T0);

        assertThat(rebuilds).hasValue(2);
        assertThat(outcome.held()).as("95 + 6 > 100").isNull();
        assertThat(outcome.states().get(0).used()).isEqualTo(95);
        assertThat(outcome.states().get(0).reserved()).isZero();
        assertThat(store.release(pending, T0)).isNull();
        assertThat(store.reserve("acme", List.of(new Charge(day, 5)), T0.plusSeconds(60), T0).held()).isNotNull();
    }

    @Test
    void count_refusedBeforeTheRebuildReadsTheStore_isLeftToTheRebuild() {
        CounterSpec day = spec("requests", Window.DAY, 100);
        store.refillWith(seeding -> {
            seeding.record("acme", List.of(new Charge(day, 40)), T0, null, T0); // includes the refused event
            return 1;
        }, Duration.ofMinutes(1), Duration.ofSeconds(10));
        store.fill(Duration.ofSeconds(10));
        TestRedis.deleteKeys(prefix);

        store.record("acme", List.of(new Charge(day, 1)), T0, null, T0);

        assertThat(used(store, day)).isEqualTo(40);
    }

    @Test
    void count_refusedWhileARebuildReadsTheStore_isCountedOnceFilled() throws Exception {
        CounterSpec day = spec("requests", Window.DAY, 100);
        RedisCounterStore other = RedisCounterStore.connect(TestRedis.client(), prefix);
        CountDownLatch reading = new CountDownLatch(1);
        CountDownLatch counted = new CountDownLatch(1);
        other.refillWith(seeding -> {
            reading.countDown();
            await(counted);
            seeding.record("acme", List.of(new Charge(day, 40)), T0, null, T0); // read before the event was stored
            return 1;
        }, Duration.ofMinutes(1), Duration.ofSeconds(10));
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<Integer> rebuild = pool.submit(() -> other.fill(Duration.ofSeconds(10)));
            await(reading);
            Thread counter = new Thread(() -> store.record("acme", List.of(new Charge(day, 1)), T0, null, T0));
            counter.start();
            // The count is refused (phase read) and waits for the mark; let the rebuild end.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!waitsForTheMark(counter)) {
                assertThat(counter.isAlive()).as("the count returned before the rebuild ended").isTrue();
                assertThat(System.nanoTime()).as("the count never waited for the mark").isLessThan(deadline);
                Thread.onSpinWait();
            }
            counted.countDown();
            assertThat(rebuild.get(10, TimeUnit.SECONDS)).isEqualTo(1);
            counter.join(10_000);

            assertThat(used(store, day)).isEqualTo(41);
        } finally {
            pool.shutdownNow();
            other.close();
        }
    }

    @Test
    void fill_invalidatedWhileReadingTheStore_readsItAgain_soCountsLostMeanwhileAreIncluded() {
        CounterSpec day = spec("requests", Window.DAY, 100);
        AtomicInteger readings = new AtomicInteger();
        store.refillWith(seeding -> {
            if (readings.incrementAndGet() == 1) {
                // Another node could not count an event (stored after this reading began) and drops the mark.
                try (StatefulRedisConnection<String, String> c = TestRedis.client().connect()) {
                    c.sync().del(prefix + "filled");
                    c.sync().incr(prefix + "epoch");
                }
                seeding.record("acme", List.of(new Charge(day, 30)), T0, null, T0);
            } else {
                seeding.record("acme", List.of(new Charge(day, 31)), T0, null, T0); // now with that event
            }
            return 1;
        }, Duration.ofMinutes(1), Duration.ofSeconds(10));

        store.fill(Duration.ofSeconds(10));

        assertThat(readings).hasValue(2);
        assertThat(used(store, day)).as("the first reading's seeds were deleted, not added to").isEqualTo(31);
    }

    @Test
    void reserve_whileAnotherNodeRebuildsForLongerThanTheWait_fails() {
        CounterSpec day = spec("requests", Window.DAY, 100);
        store.fill(Duration.ofSeconds(10));
        try (StatefulRedisConnection<String, String> c = TestRedis.client().connect()) {
            c.sync().del(prefix + "filled");
            c.sync().set(prefix + "filling", "slow-node read", SetArgs.Builder.px(60_000));
        }
        store.refillWith(seeding -> 0, Duration.ofMinutes(1), Duration.ofMillis(200));

        long start = System.nanoTime();
        assertThatThrownBy(() -> store.reserve("acme", List.of(new Charge(day, 1)), T0.plusSeconds(60), T0))
                .isInstanceOf(CountersUnavailableException.class).hasMessageContaining("rebuilt");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    private static long used(RedisCounterStore store, CounterSpec spec) {
        return store.reserve("acme", List.of(new Charge(spec, 0)), null, T0).states().get(0).used();
    }

    /** Whether {@code t} is inside {@link RedisCounterStore#fill}: its count was refused and it waits. */
    private static boolean waitsForTheMark(Thread t) {
        for (StackTraceElement e : t.getStackTrace()) {
            if (e.getClassName().equals(RedisCounterStore.class.getName()) && e.getMethodName().equals("fill")) {
                return true;
            }
        }
        return false;
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(10, TimeUnit.SECONDS)) {
                throw new AssertionError("timed out");
            }
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
