package dev.tally.redis;

import dev.tally.core.counter.Charge;
import dev.tally.core.counter.CounterSpec;
import dev.tally.core.counter.CounterStore;
import dev.tally.core.limit.Limit;
import dev.tally.core.period.Window;
import io.lettuce.core.RedisException;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;

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
    void amount_beyondTwoToThe53_isRefused_ratherThanCountedInexactly() {
        List<Charge> huge = List.of(new Charge(spec("cost", Window.MONTH, -1), 1L << 53));

        assertThatThrownBy(() -> store.reserve("acme", huge, T0.plusSeconds(60), T0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2^53");
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
    void fillOnce_twoNodesStartingTogether_fillTheCountersOnce() throws Exception {
        CounterSpec day = spec("requests", Window.DAY, 100);
        RedisCounterStore other = RedisCounterStore.connect(TestRedis.client(), prefix);
        java.util.concurrent.atomic.AtomicInteger fills = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            List<java.util.concurrent.Future<Boolean>> filled = new java.util.ArrayList<>();
            for (RedisCounterStore node : List.of(store, other)) {
                filled.add(pool.submit(() -> {
                    go.await();
                    return node.fillOnce(() -> {
                        fills.incrementAndGet();
                        node.record("acme", List.of(new Charge(day, 30)), T0, null, T0);
                    }, java.time.Duration.ofMinutes(1), java.time.Duration.ofMinutes(1));
                }));
            }
            go.countDown();
            int filledHere = 0;
            for (java.util.concurrent.Future<Boolean> f : filled) {
                filledHere += f.get(60, java.util.concurrent.TimeUnit.SECONDS) ? 1 : 0;
            }
            assertThat(filledHere).isEqualTo(1);
            assertThat(fills).hasValue(1);
            assertThat(store.reserve("acme", List.of(new Charge(day, 0)), null, T0).states().get(0).used())
                    .isEqualTo(30);
        } finally {
            pool.shutdownNow();
            other.close();
        }
    }

    @Test
    void fillOnce_afterANodeDiedWhileFilling_startsAgainFromNothing() {
        CounterSpec day = spec("requests", Window.DAY, 100);
        // What a node that died half-way left: some counts, and its lease, which runs out in 300 ms.
        store.record("acme", List.of(new Charge(day, 12)), T0, null, T0);
        store.reserve("acme", List.of(new Charge(day, 5)), T0.plusSeconds(60), T0);
        try (StatefulRedisConnection<String, String> c = TestRedis.client().connect()) {
            c.sync().set(prefix + "filling", "dead-node", io.lettuce.core.SetArgs.Builder.px(300));
        }

        boolean filled = store.fillOnce(() -> store.record("acme", List.of(new Charge(day, 30)), T0, null, T0),
                java.time.Duration.ofMinutes(1), java.time.Duration.ofMinutes(1));

        assertThat(filled).isTrue();
        var state = store.reserve("acme", List.of(new Charge(day, 0)), null, T0).states().get(0);
        assertThat(state.used()).isEqualTo(30);
        assertThat(state.reserved()).isZero();
        assertThat(store.fillOnce(() -> {
            throw new AssertionError("filled twice");
        }, java.time.Duration.ofMinutes(1), java.time.Duration.ofMinutes(1))).isFalse();
    }
}
