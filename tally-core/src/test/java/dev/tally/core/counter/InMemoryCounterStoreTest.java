package dev.tally.core.counter;

import dev.tally.core.limit.Limit;
import dev.tally.core.period.Window;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class InMemoryCounterStoreTest {
    private static final Instant T0 = Instant.parse("2026-11-20T12:00:00Z");
    private final InMemoryCounterStore store = new InMemoryCounterStore();

    private static CounterSpec spec(String metric, long limit) {
        return new CounterSpec(new Limit.LimitKey(metric, Window.DAY, null, null, null), Window.DAY, ZoneId.of("UTC"),
                1, limit, true);
    }

    private long reserved(String customer, CounterSpec spec, Instant now) {
        return store.reserve(customer, List.of(new Charge(spec, 0)), null, now).states().get(0).reserved();
    }

    @Test
    void reservations_expireExactlyAtTheirTime_inAnyOrderOfMaking() {
        CounterSpec tokens = spec("tokens", -1);
        Random random = new Random(7);
        long[] ttlMs = new long[2000];
        for (int i = 0; i < ttlMs.length; i++) {
            ttlMs[i] = 1 + random.nextInt(10_000);
            assertThat(store.reserve("acme", List.of(new Charge(tokens, 1)), T0.plusMillis(ttlMs[i]), T0).held())
                    .isNotNull();
        }
        for (long at = 0; at <= 10_001; at += 37) {
            long stillOpen = 0;
            for (long ttl : ttlMs) {
                stillOpen += ttl > at ? 1 : 0;
            }
            assertThat(reserved("acme", tokens, T0.plusMillis(at))).as("at +%d ms", at).isEqualTo(stillOpen);
            assertThat(store.openReservations("acme")).isEqualTo((int) stillOpen);
        }
    }

    @Test
    void releaseAndSettle_inRandomOrder_giveBackExactlyWhatWasHeld() {
        CounterSpec requests = spec("requests", -1);
        CounterSpec tokens = spec("tokens", -1);
        Random random = new Random(11);
        List<CounterStore.Handle> open = new ArrayList<>();
        List<Long> amounts = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            long amount = random.nextInt(1000);
            open.add(store.reserve("acme", List.of(new Charge(requests, 1), new Charge(tokens, amount)),
                    T0.plusSeconds(60), T0).held());
            amounts.add(amount);
        }
        long heldTokens = amounts.stream().mapToLong(Long::longValue).sum();
        while (!open.isEmpty()) {
            int i = random.nextInt(open.size());
            CounterStore.Handle h = open.remove(i);
            heldTokens -= amounts.remove(i);
            if (random.nextBoolean()) {
                assertThat(store.release(h, T0)).isEqualTo("acme");
            } else {
                store.record("acme", List.of(new Charge(requests, 1)), T0, h, T0);
            }
            assertThat(store.release(h, T0)).isNull();
            assertThat(reserved("acme", tokens, T0)).isEqualTo(heldTokens);
            assertThat(reserved("acme", requests, T0)).isEqualTo(open.size());
        }
        assertThat(store.openReservations("acme")).isZero();
    }

    @Test
    void settle_withAnotherCustomersHandle_releasesNothing() {
        CounterSpec requests = spec("requests", 1);
        CounterStore.Handle acme = store.reserve("acme", List.of(new Charge(requests, 1)), T0.plusSeconds(60), T0)
                .held();
        store.reserve("globex", List.of(new Charge(requests, 1)), T0.plusSeconds(60), T0);

        store.record("globex", List.of(), T0, acme, T0);

        assertThat(reserved("globex", requests, T0)).isEqualTo(1);
        assertThat(reserved("acme", requests, T0)).isEqualTo(1);
    }

    @Test
    void handle_ofAnotherStore_releasesNothing() {
        // What a restart does: the same key in a new store names nothing, even once that slot is in use again.
        CounterSpec requests = spec("requests", -1);
        CounterStore.Handle before = store.reserve("acme", List.of(new Charge(requests, 1)), T0.plusSeconds(60), T0)
                .held();
        InMemoryCounterStore restarted = new InMemoryCounterStore();
        CounterStore.Handle after = restarted.reserve("acme", List.of(new Charge(requests, 1)), T0.plusSeconds(60),
                T0).held();
        assertThat(after.key()).isEqualTo(before.key());

        assertThat(restarted.release(before, T0)).isNull();
        assertThat(restarted.release(after, T0)).isEqualTo("acme");
    }

    @Test
    void denied_holdsNothing_andAnswersNoHandle() {
        CounterSpec requests = spec("requests", 1);
        CounterSpec tokens = spec("tokens", 10);
        assertThat(store.reserve("acme", List.of(new Charge(requests, 1), new Charge(tokens, 11)),
                T0.plusSeconds(60), T0).held()).isNull();
        assertThat(store.openReservations("acme")).isZero();
        assertThat(reserved("acme", requests, T0)).isZero();
    }

    @Test
    void newLimits_afterReservations_widenTheTable_andOldReservationsStillGiveBack() {
        CounterSpec first = spec("requests", -1);
        CounterStore.Handle h = store.reserve("acme", List.of(new Charge(first, 3)), T0.plusSeconds(60), T0).held();
        List<Charge> many = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            many.add(new Charge(spec("metric_" + i, -1), i + 1));
        }
        CounterStore.Handle wide = store.reserve("acme", many, T0.plusSeconds(60), T0).held();

        assertThat(store.release(h, T0)).isEqualTo("acme");
        assertThat(reserved("acme", first, T0)).isZero();
        assertThat(reserved("acme", many.get(19).spec(), T0)).isEqualTo(20);
        assertThat(store.release(wide, T0)).isEqualTo("acme");
        assertThat(reserved("acme", many.get(19).spec(), T0)).isZero();
    }

    /**
     * Issue 12: counters first made by recording (a rebuild seeds a customer through {@code record}) outgrow the
     * columns array's first size, which an index read before the column was found would overrun.
     */
    @Test
    void record_ofMoreNewLimitsThanTheFirstColumns_countsEach() {
        List<Charge> many = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            many.add(new Charge(spec("metric_" + i, -1), i + 1));
        }
        store.record("acme", many, T0, null, T0);
        store.record("acme", Charges.of(many), T0, null, T0);

        List<CounterState> states = store.recordAndRead("acme", many, T0, null, T0);
        for (int i = 0; i < 20; i++) {
            assertThat(states.get(i).used()).as("metric_%d", i).isEqualTo(3L * (i + 1));
        }
    }

    /** Issue 13: counters of users idle past their window are dropped, so memory follows the active users. */
    @Test
    void perUserCounters_idleUsers_areDroppedWhenTheWindowTurns_andWhenTheTableDoubles() {
        InMemoryCounterStore store = new InMemoryCounterStore();
        CounterSpec perUser = new CounterSpec(new Limit.LimitKey("requests", Window.DAY, null, null, null, null, null,
                "user"), Window.DAY, ZoneId.of("UTC"), 1, 50, true);
        Instant day1 = Instant.parse("2026-11-20T12:00:00Z");
        for (int i = 0; i < 3000; i++) {
            store.record("acme", List.of(new Charge(perUser, 1, "user_" + i)), day1, null, day1);
        }
        assertThat(store.userCounters("acme")).isEqualTo(3000);
        // Reservations that are released at once leave counters that hold nothing: swept once the table has doubled
        // since the last sweep.
        for (int i = 0; i < 4000; i++) {
            store.release(store.reserve("acme", List.of(new Charge(perUser, 0, "idle_" + i)), day1.plusSeconds(1),
                    day1).held(), day1);
        }
        // At most twice the active users: idle ones past that are dropped (7,000 were made).
        assertThat(store.userCounters("acme")).isLessThanOrEqualTo(6000).isGreaterThanOrEqualTo(3000);
        // A held reservation keeps its user's counter; the next day every other counter is gone.
        Instant day2 = day1.plusSeconds(86_400);
        CounterStore.Handle held = store.reserve("acme", List.of(new Charge(perUser, 1, "user_1")),
                day2.plusSeconds(60), day2).held();
        assertThat(held).isNotNull();
        assertThat(store.userCounters("acme")).isEqualTo(1);
        assertThat(store.reserve("acme", List.of(new Charge(perUser, 0, "user_1")), null, day2).states().get(0))
                .extracting(CounterState::used, CounterState::reserved).containsExactly(0L, 1L);
    }

    /** Issue 13, item 3: reading the counters of users who never called (a report, a check) makes none for them. */
    @Test
    void perUserCounters_readsOfUsersWhoNeverCalled_makeNoCounters() {
        InMemoryCounterStore store = new InMemoryCounterStore();
        Instant now = Instant.parse("2026-11-20T12:00:00Z");
        for (Window window : List.of(Window.MINUTE, Window.DAY)) {
            CounterSpec perUser = new CounterSpec(new Limit.LimitKey("requests", window, null, null, null, null,
                    null, "user"), window, ZoneId.of("UTC"), 1, 50, true);
            store.record("acme", List.of(new Charge(perUser, 3, "caller")), now, null, now);
            int before = store.userCounters("acme");
            List<Charge> reads = new ArrayList<>();
            for (int i = 0; i < 10_000; i++) {
                reads.add(new Charge(perUser, 0, "never_called_" + i));
            }
            reads.add(new Charge(perUser, 0, "caller"));
            List<CounterState> states = store.reserve("acme", reads, null, now).states();

            assertThat(store.userCounters("acme")).as(window.wireName()).isEqualTo(before);
            assertThat(states.get(0).used()).isZero();
            assertThat(states.get(0).fits()).isTrue();
            // The one user who called is read from its own counter.
            assertThat(states.get(10_000).used()).isEqualTo(3);
        }
    }
}
