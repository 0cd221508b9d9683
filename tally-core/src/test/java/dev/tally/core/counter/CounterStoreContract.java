package dev.tally.core.counter;

import dev.tally.core.limit.Limit;
import dev.tally.core.period.Window;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/**
 * The contract every {@link CounterStore} adapter keeps, as one test suite: an adapter's test extends this class and
 * only says how to open a store over fresh, empty counters (and, for a shared adapter, a second node on the same
 * counters). Time is always passed in, so every test moves its own clock; none sleeps.
 */
public abstract class CounterStoreContract {
    /** A Friday noon in November; Berlin is UTC+1 then. */
    protected static final Instant T0 = Instant.parse("2026-11-20T12:00:00Z");
    private static final ZoneId UTC = ZoneId.of("UTC");
    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
    /** One US dollar in the stored unit of cost. */
    private static final long DOLLAR = 1_000_000_000L;

    private CounterStore store;

    /** Opens a store over fresh, empty counters; called before every test. */
    protected abstract CounterStore openEmptyStore() throws Exception;

    /**
     * Opens another store over the counters of the last {@link #openEmptyStore()}, as a second node would; the
     * in-memory adapter, which has no other node, answers the same store.
     */
    protected CounterStore openSecondNode() throws Exception {
        return store;
    }

    /** Closes what {@link #openEmptyStore()} and {@link #openSecondNode()} opened; nothing by default. */
    protected void closeStores() throws Exception {
    }

    @BeforeEach
    void openStore() throws Exception {
        store = openEmptyStore();
    }

    @AfterEach
    void closeStore() throws Exception {
        closeStores();
    }

    /** The store under test. */
    protected CounterStore store() {
        return store;
    }

    private static CounterSpec spec(String metric, Window window, ZoneId zone, int billingDay, long limit) {
        return new CounterSpec(new Limit.LimitKey(metric, window, null, null, null), window, zone, billingDay, limit,
                true);
    }

    private static CounterSpec spec(String metric, Window window, long limit) {
        return spec(metric, window, UTC, 1, limit);
    }

    private static List<Charge> charges(Object... specAndAmount) {
        List<Charge> list = new ArrayList<>();
        for (int i = 0; i < specAndAmount.length; i += 2) {
            list.add(new Charge((CounterSpec) specAndAmount[i], ((Number) specAndAmount[i + 1]).longValue()));
        }
        return list;
    }

    private CounterState state(String customer, CounterSpec spec, long amount, Instant now) {
        return store.reserve(customer, List.of(new Charge(spec, amount)), null, now).states().get(0);
    }

    private CounterState state(String customer, CounterSpec spec, Instant now) {
        return state(customer, spec, 0, now);
    }

    private CounterStore.Handle hold(String customer, List<Charge> charges, Instant until, Instant now) {
        return store.reserve(customer, charges, until, now).held();
    }

    @Test
    void reserve_oneChargeOfFiveKindsDoesNotFit_holdsNoneOfThem() {
        CounterSpec month = spec("requests", Window.MONTH, 1000);
        CounterSpec day = spec("requests", Window.DAY, 100);
        CounterSpec minute = spec("requests", Window.MINUTE, 10);
        CounterSpec hour = spec("tokens", Window.HOUR, 5000);
        CounterSpec cost = spec("cost", Window.MONTH, 5 * DOLLAR);
        store.record("acme", charges(cost, 4 * DOLLAR), T0, null, T0);

        // Everything fits but the cost: $4 used + $1.000000001 > $5.
        CounterStore.Outcome denied = store.reserve("acme", charges(month, 1, day, 1, minute, 1, hour, 800,
                cost, DOLLAR + 1), T0.plusSeconds(60), T0);

        assertThat(denied.held()).isNull();
        assertThat(denied.states()).extracting(CounterState::fits).containsExactly(true, true, true, true, false);
        for (CounterSpec s : List.of(month, day, minute, hour, cost)) {
            assertThat(state("acme", s, T0).reserved()).as("%s", s.key()).isZero();
        }

        CounterStore.Outcome held = store.reserve("acme", charges(month, 1, day, 1, minute, 1, hour, 800,
                cost, DOLLAR), T0.plusSeconds(60), T0);

        assertThat(held.held()).isNotNull();
        assertThat(state("acme", month, T0).reserved()).isEqualTo(1);
        assertThat(state("acme", day, T0).reserved()).isEqualTo(1);
        assertThat(state("acme", minute, T0).reserved()).isEqualTo(1);
        assertThat(state("acme", hour, T0).reserved()).isEqualTo(800);
        assertThat(state("acme", cost, T0).reserved()).isEqualTo(DOLLAR);
        assertThat(state("acme", cost, T0).used()).isEqualTo(4 * DOLLAR);
        assertThat(state("acme", cost, 1, T0).fits()).isFalse();
    }

    @Test
    void account_namesTheSameCountersAsTheId_andOneOfAnotherStoreCountsByItsId() {
        CounterSpec day = spec("requests", Window.DAY, 10);
        CounterStore.Account acme = store.account("acme");
        assertThat(acme.customerId()).isEqualTo("acme");

        CounterStore.Handle held = store.reserve(acme, charges(day, 3), T0.plusSeconds(60), T0).held();
        store.record(acme, charges(day, 2), T0, held, T0);
        assertThat(store.recordAndRead(acme, charges(day, 1), T0, null, T0)).extracting(CounterState::used)
                .containsExactly(3L);
        // An account this store did not make (another store's, or a bare name) counts by its customer's id.
        CounterStore.Account named = new CounterStore.Named("acme");
        CounterStore.Account foreign = new InMemoryCounterStore().account("acme");
        assertThat(store.reserve(named, charges(day, 1), null, T0).states().get(0).used()).isEqualTo(3);
        store.record(foreign, charges(day, 4), T0, null, T0);

        CounterState byId = state("acme", day, T0);
        assertThat(byId.used()).isEqualTo(7);
        assertThat(byId.reserved()).as("the reservation was settled through the account").isZero();
        assertThat(state("other", day, T0).used()).isZero();
    }

    @Test
    void reserve_checkOnly_holdsNothing_andAnswersNoHandle() {
        CounterSpec day = spec("requests", Window.DAY, 10);

        CounterStore.Outcome checked = store.reserve("acme", charges(day, 3), null, T0);

        assertThat(checked.held()).isNull();
        assertThat(checked.states().get(0).fits()).isTrue();
        assertThat(state("acme", day, T0).reserved()).isZero();
    }

    @Test
    void reserve_unenforcedLimitExceeded_isReportedButDoesNotDeny() {
        CounterSpec soft = new CounterSpec(new Limit.LimitKey("tokens", Window.DAY, null, null, null), Window.DAY,
                UTC, 1, 10, false);
        CounterSpec unlimited = spec("requests", Window.DAY, -1);

        CounterStore.Outcome outcome = store.reserve("acme", charges(soft, 11, unlimited, 1_000_000),
                T0.plusSeconds(60), T0);

        assertThat(outcome.held()).isNotNull();
        assertThat(outcome.states()).extracting(CounterState::fits).containsExactly(false, true);
        assertThat(state("acme", soft, T0).reserved()).isEqualTo(11);
    }

    @Test
    void reserve_concurrentCallersOnTwoNodes_neverExceedTheLimit() throws Exception {
        CounterSpec day = spec("requests", Window.DAY, 100);
        CounterSpec minute = spec("requests", Window.MINUTE, 1000);
        CounterStore second = openSecondNode();
        int threads = 8;
        int attemptsEach = 40;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                CounterStore node = t % 2 == 0 ? store : second;
                Callable<Integer> caller = () -> {
                    start.await();
                    int allowed = 0;
                    for (int i = 0; i < attemptsEach; i++) {
                        if (node.reserve("acme", charges(day, 1, minute, 1), T0.plusSeconds(60), T0).held() != null) {
                            allowed++;
                        }
                    }
                    return allowed;
                };
                results.add(pool.submit(caller));
            }
            start.countDown();
            int allowed = 0;
            for (Future<Integer> r : results) {
                allowed += r.get(60, TimeUnit.SECONDS);
            }
            assertThat(allowed).isEqualTo(100);
            assertThat(state("acme", day, T0).reserved()).isEqualTo(100);
            assertThat(state("acme", minute, T0).reserved()).isEqualTo(100);
        } finally {
            pool.shutdownNow();
        }
    }

    private static CounterSpec perUser(String metric, Window window, long limit) {
        return new CounterSpec(new Limit.LimitKey(metric, window, null, null, null, null, null, "user"), window, UTC,
                1, limit, true);
    }

    /** Issue 13: 64 callers, 10 users, 10 a user and 60 for the customer: exactly 60 held, no user above 10. */
    @Test
    void reserve_perUserAndCustomerLimits_64Callers_holdExactly60_noUserAbove10() throws Exception {
        CounterSpec customer = spec("requests", Window.MONTH, 60);
        CounterSpec user = perUser("requests", Window.DAY, 10);
        CounterStore second = openSecondNode();
        int threads = 64;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<String>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                CounterStore node = t % 2 == 0 ? store : second;
                for (int i = 0; i < 2; i++) {
                    String name = "user_" + ((t * 2 + i) % 10);
                    results.add(pool.submit(() -> {
                        start.await();
                        List<Charge> charges = List.of(new Charge(customer, 1), new Charge(user, 1, name));
                        return node.reserve("acme", charges, T0.plusSeconds(60), T0).held() != null ? name : null;
                    }));
                }
            }
            start.countDown();
            java.util.Map<String, Integer> allowedByUser = new java.util.TreeMap<>();
            int allowed = 0;
            for (Future<String> r : results) {
                String name = r.get(60, TimeUnit.SECONDS);
                if (name != null) {
                    allowed++;
                    allowedByUser.merge(name, 1, Integer::sum);
                }
            }
            assertThat(allowed).isEqualTo(60);
            assertThat(allowedByUser.values()).allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(10));
            assertThat(state("acme", customer, T0).reserved()).isEqualTo(60);
            int heldOnUsers = 0;
            for (int u = 0; u < 10; u++) {
                CounterState s = store.reserve("acme", List.of(new Charge(user, 0, "user_" + u)), null, T0)
                        .states().get(0);
                assertThat(s.reserved()).isEqualTo((long) allowedByUser.getOrDefault("user_" + u, 0));
                heldOnUsers += s.reserved();
            }
            assertThat(heldOnUsers).isEqualTo(60);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void perUserCounters_countEachUserApart_releaseAndSettle_andStartAgainNextDay() {
        CounterSpec user = perUser("requests", Window.DAY, 2);
        CounterSpec customer = spec("requests", Window.DAY, 100);
        store.record("acme", List.of(new Charge(customer, 2), new Charge(user, 2, "doctor_1")), T0, null, T0);
        // doctor_1 is full: the call is denied and holds nothing on the customer either.
        CounterStore.Outcome denied = store.reserve("acme", List.of(new Charge(customer, 1),
                new Charge(user, 1, "doctor_1")), T0.plusSeconds(60), T0);
        assertThat(denied.held()).isNull();
        assertThat(denied.states()).extracting(CounterState::fits).containsExactly(true, false);
        assertThat(state("acme", customer, T0).reserved()).isZero();
        // doctor_2 has its own counter; the same limit with no value is another counter again.
        CounterStore.Handle held = hold("acme", List.of(new Charge(customer, 1), new Charge(user, 1, "doctor_2")),
                T0.plusSeconds(60), T0);
        assertThat(held).isNotNull();
        assertThat(store.reserve("acme", List.of(new Charge(user, 0, "doctor_2")), null, T0).states().get(0)
                .reserved()).isEqualTo(1);
        assertThat(state("acme", user, T0).used()).isZero();
        // Settled by an event of 1: held becomes used, on both counters.
        store.record("acme", List.of(new Charge(customer, 1), new Charge(user, 1, "doctor_2")), T0, held, T0);
        CounterState doctor2 = store.reserve("acme", List.of(new Charge(user, 1, "doctor_2")), null, T0).states()
                .get(0);
        assertThat(doctor2).extracting(CounterState::used, CounterState::reserved, CounterState::fits)
                .containsExactly(1L, 0L, true);
        // A released hold gives back the user's counter too.
        CounterStore.Handle again = hold("acme", List.of(new Charge(user, 1, "doctor_2")), T0.plusSeconds(60), T0);
        assertThat(store.release(again, T0)).isEqualTo("acme");
        assertThat(store.reserve("acme", List.of(new Charge(user, 1, "doctor_2")), null, T0).states().get(0)
                .reserved()).isZero();
        // The next day every user starts from zero.
        Instant tomorrow = T0.plus(java.time.Duration.ofDays(1));
        assertThat(store.reserve("acme", List.of(new Charge(user, 2, "doctor_1")), null, tomorrow).states().get(0)
                .fits()).isTrue();
    }

    @Test
    void settle_belowAndAboveTheEstimate_replacesTheEstimateWithTheActualUsage() {
        CounterSpec tokens = spec("tokens", Window.DAY, 1000);
        CounterSpec minute = spec("tokens", Window.MINUTE, 1000);
        CounterStore.Handle low = hold("acme", charges(tokens, 400, minute, 400), T0.plusSeconds(60), T0);
        CounterStore.Handle high = hold("acme", charges(tokens, 400, minute, 400), T0.plusSeconds(60), T0);
        assertThat(state("acme", tokens, 201, T0).fits()).isFalse();

        store.record("acme", charges(tokens, 150, minute, 150), T0, low, T0);
        assertThat(state("acme", tokens, T0)).extracting(CounterState::used, CounterState::reserved)
                .containsExactly(150L, 400L);
        store.record("acme", charges(tokens, 700, minute, 700), T0.plusSeconds(1), high, T0.plusSeconds(1));

        for (CounterSpec s : List.of(tokens, minute)) {
            CounterState after = state("acme", s, T0.plusSeconds(1));
            assertThat(after.used()).as("%s", s.window()).isEqualTo(850);
            assertThat(after.reserved()).as("%s", s.window()).isZero();
        }
        assertThat(state("acme", tokens, 150, T0.plusSeconds(1)).fits()).isTrue();
        assertThat(state("acme", tokens, 151, T0.plusSeconds(1)).fits()).isFalse();
    }

    @Test
    void releaseAndSettle_repeated_giveBackOnlyOnce() {
        CounterSpec day = spec("requests", Window.DAY, 10);
        CounterStore.Handle released = hold("acme", charges(day, 3), T0.plusSeconds(60), T0);
        CounterStore.Handle settled = hold("acme", charges(day, 4), T0.plusSeconds(60), T0);
        CounterStore.Handle open = hold("acme", charges(day, 2), T0.plusSeconds(60), T0);

        assertThat(store.release(released, T0)).isEqualTo("acme");
        assertThat(store.release(released, T0)).isNull();
        store.record("acme", charges(day, 1), T0, settled, T0);
        store.record("acme", charges(day, 1), T0, settled, T0);
        assertThat(store.release(settled, T0)).isNull();

        CounterState now = state("acme", day, T0);
        assertThat(now.reserved()).isEqualTo(2);
        assertThat(now.used()).isEqualTo(2); // each recorded event counts; only the release happens once
        assertThat(store.release(open, T0)).isEqualTo("acme");
        assertThat(state("acme", day, T0).reserved()).isZero();
    }

    @Test
    void settle_withAnotherCustomersHandle_releasesNothing() {
        CounterSpec day = spec("requests", Window.DAY, 10);
        CounterStore.Handle acme = hold("acme", charges(day, 1), T0.plusSeconds(60), T0);
        hold("globex", charges(day, 1), T0.plusSeconds(60), T0);

        store.record("globex", List.of(), T0, acme, T0);

        assertThat(state("acme", day, T0).reserved()).isEqualTo(1);
        assertThat(state("globex", day, T0).reserved()).isEqualTo(1);
    }

    @Test
    void release_forgedTag_releasesNothing() {
        CounterSpec day = spec("requests", Window.DAY, 10);
        CounterStore.Handle h = hold("acme", charges(day, 1), T0.plusSeconds(60), T0);

        assertThat(store.release(new CounterStore.Handle(h.key(), h.tag() + 1), T0)).isNull();
        assertThat(store.release(new CounterStore.Handle(h.key() + 1, h.tag()), T0)).isNull();

        assertThat(state("acme", day, T0).reserved()).isEqualTo(1);
    }

    @Test
    void heldReservation_unsettled_expiresExactlyAtItsTime() {
        CounterSpec month = spec("requests", Window.MONTH, 5);
        CounterSpec hour = spec("tokens", Window.HOUR, 100);
        CounterStore.Handle early = hold("acme", charges(month, 2, hour, 20), T0.plusSeconds(30), T0);
        CounterStore.Handle late = hold("acme", charges(month, 3, hour, 30), T0.plusSeconds(90), T0);
        assertThat(state("acme", month, 1, T0).fits()).isFalse();

        assertThat(state("acme", month, T0.plusMillis(29_999)).reserved()).isEqualTo(5);
        assertThat(state("acme", month, T0.plusSeconds(30)).reserved()).isEqualTo(3);
        assertThat(state("acme", hour, T0.plusSeconds(30)).reserved()).isEqualTo(30);
        assertThat(store.release(early, T0.plusSeconds(31))).isNull();
        assertThat(state("acme", month, 2, T0.plusSeconds(31)).fits()).isTrue();

        // Settling after the expiry counts the usage and gives nothing back twice.
        store.record("acme", charges(month, 1), T0.plusSeconds(91), late, T0.plusSeconds(91));
        CounterState after = state("acme", month, T0.plusSeconds(91));
        assertThat(after.reserved()).isZero();
        assertThat(after.used()).isEqualTo(1);
        assertThat(state("acme", hour, T0.plusSeconds(91)).reserved()).isZero();
    }

    @Test
    void day_inTheCustomersZone_resetsAtLocalMidnight() {
        CounterSpec day = spec("requests", Window.DAY, BERLIN, 1, 3);
        Instant beforeMidnight = Instant.parse("2026-11-20T22:59:59.999Z"); // 23:59:59.999 in Berlin
        Instant midnight = Instant.parse("2026-11-20T23:00:00Z");
        store.record("acme", charges(day, 3), beforeMidnight, null, beforeMidnight);

        CounterState full = state("acme", day, 1, beforeMidnight);
        assertThat(full.fits()).isFalse();
        assertThat(full.resetMs()).isEqualTo(midnight.toEpochMilli());
        assertThat(full.retryMs()).isEqualTo(1);

        CounterState next = state("acme", day, 3, midnight);
        assertThat(next.used()).isZero();
        assertThat(next.fits()).isTrue();
        assertThat(next.resetMs()).isEqualTo(Instant.parse("2026-11-21T23:00:00Z").toEpochMilli());
    }

    @Test
    void day_lateEvent_countsInItsOwnDay() {
        CounterSpec day = spec("requests", Window.DAY, BERLIN, 1, 100);
        Instant now = Instant.parse("2026-11-20T12:00:00Z");

        store.record("acme", charges(day, 3), Instant.parse("2026-11-19T22:00:00Z"), null, now); // the 19th there
        store.record("acme", charges(day, 4), Instant.parse("2026-11-19T23:30:00Z"), null, now); // the 20th there

        assertThat(state("acme", day, now).used()).isEqualTo(4);
    }

    @Test
    void day_estimateHeldYesterday_doesNotHoldToday() {
        CounterSpec day = spec("requests", Window.DAY, 5);
        Instant lateYesterday = Instant.parse("2026-11-20T23:59:50Z");
        Instant today = Instant.parse("2026-11-21T00:00:01Z");
        CounterStore.Handle h = hold("acme", charges(day, 5), today.plusSeconds(60), lateYesterday);

        assertThat(state("acme", day, today).reserved()).isZero();
        assertThat(hold("acme", charges(day, 5), today.plusSeconds(60), today)).isNotNull();
        // Settling yesterday's reservation must not give back today's.
        store.record("acme", List.of(), today, h, today);
        assertThat(state("acme", day, today).reserved()).isEqualTo(5);
    }

    @Test
    void month_onTheBillingDay_resetsAtItsStart() {
        CounterSpec month = spec("requests", Window.MONTH, BERLIN, 15, 10);
        Instant lastMoment = Instant.parse("2026-12-14T22:59:59Z"); // Dec 14, 23:59:59 in Berlin
        Instant newMonth = Instant.parse("2026-12-14T23:00:00Z");
        store.record("acme", charges(month, 10), Instant.parse("2026-11-15T00:00:00Z"), null, lastMoment);

        CounterState full = state("acme", month, 1, lastMoment);
        assertThat(full.used()).isEqualTo(10);
        assertThat(full.fits()).isFalse();
        assertThat(full.retryMs()).isEqualTo(1000);
        assertThat(state("acme", month, 10, newMonth).fits()).isTrue();
        assertThat(state("acme", month, newMonth).used()).isZero();
    }

    @Test
    void minute_usageLeavesTheWindow_afterSixtySeconds() {
        CounterSpec minute = spec("requests", Window.MINUTE, 10);
        Instant t0 = Instant.parse("2026-11-20T12:00:10Z");
        Instant t1 = Instant.parse("2026-11-20T12:00:30Z");
        store.record("acme", charges(minute, 5), t0, null, t0);
        store.record("acme", charges(minute, 5), t1, null, t1);

        CounterState full = state("acme", minute, 1, Instant.parse("2026-11-20T12:00:40Z"));
        assertThat(full.fits()).isFalse();
        assertThat(full.retryMs()).isEqualTo(30_000); // once the 5 of 12:00:10 leave
        assertThat(full.resetMs()).isEqualTo(Instant.parse("2026-11-20T12:01:10Z").toEpochMilli());

        assertThat(state("acme", minute, Instant.parse("2026-11-20T12:01:09.999Z")).used()).isEqualTo(10);
        assertThat(state("acme", minute, Instant.parse("2026-11-20T12:01:10Z")).used()).isEqualTo(5);
        assertThat(state("acme", minute, Instant.parse("2026-11-20T12:01:30Z")).used()).isZero();
    }

    @Test
    void minute_oldestHoldReleased_resetFollowsTheNextSlotThatStillCounts() {
        CounterSpec minute = spec("requests", Window.MINUTE, 10);
        Instant t0 = Instant.parse("2026-11-20T12:00:10Z");
        Instant t1 = Instant.parse("2026-11-20T12:00:30Z"); // twenty empty slots after t0's
        Instant t2 = Instant.parse("2026-11-20T12:00:35Z");
        CounterStore.Handle first = hold("acme", charges(minute, 3), t0.plusSeconds(300), t0);
        store.record("acme", charges(minute, 2), t1, null, t1);
        assertThat(state("acme", minute, t1).resetMs()).isEqualTo(t0.plusSeconds(60).toEpochMilli());

        assertThat(store.release(first, t2)).isEqualTo("acme");

        CounterState after = state("acme", minute, t2);
        assertThat(after.used()).isEqualTo(2);
        assertThat(after.reserved()).isZero();
        assertThat(after.resetMs()).as("t0's slot holds nothing now: the window resets when t1's usage leaves")
                .isEqualTo(t1.plusSeconds(60).toEpochMilli());
    }

    @Test
    void minute_burstAtACalendarBoundary_isNotDoubled() {
        CounterSpec minute = spec("requests", Window.MINUTE, 10);
        Instant last = Instant.parse("2026-11-20T12:00:59Z");
        assertThat(hold("acme", charges(minute, 10), last.plusSeconds(30), last)).isNotNull();

        Instant next = Instant.parse("2026-11-20T12:01:00Z");
        assertThat(store.reserve("acme", charges(minute, 1), next.plusSeconds(30), next).held()).isNull();
    }

    @Test
    void minute_greedyClient_getsAtMostOneSlotOverTheLimitInAnySixtySeconds() {
        CounterSpec minute = spec("requests", Window.MINUTE, 60);
        long start = T0.toEpochMilli();
        List<Long> admittedAt = new ArrayList<>();
        for (long t = start; t < start + 150_000; t += 500) {
            Instant now = Instant.ofEpochMilli(t);
            while (store.reserve("acme", charges(minute, 1), null, now).states().get(0).fits()) {
                store.record("acme", charges(minute, 1), now, null, now);
                admittedAt.add(t);
            }
        }
        int worst = 0;
        for (int i = 0, j = 0; i < admittedAt.size(); i++) {
            while (admittedAt.get(i) - admittedAt.get(j) >= 60_000) {
                j++;
            }
            worst = Math.max(worst, i - j + 1);
        }
        assertThat(worst).isBetween(60, 61); // limit * (1 + 1/60)
    }

    @Test
    void hour_heldEstimate_leavesTheWindowLikeUsage_andALateSettleTouchesNothingNew() {
        CounterSpec hour = spec("tokens", Window.HOUR, 100);
        Instant t0 = Instant.parse("2026-11-20T12:00:10Z");
        CounterStore.Handle old = hold("acme", charges(hour, 30), t0.plus(java.time.Duration.ofHours(2)), t0);

        assertThat(state("acme", hour, Instant.parse("2026-11-20T12:59:59Z")).reserved()).isEqualTo(30);
        Instant t1 = Instant.parse("2026-11-20T13:00:10Z");
        assertThat(state("acme", hour, t1).reserved()).isZero();
        hold("acme", charges(hour, 50), t1.plusSeconds(60), t1);

        assertThat(store.release(old, t1)).isEqualTo("acme");
        assertThat(state("acme", hour, t1).reserved()).isEqualTo(50);
    }

    @Test
    void minute_eventFromTheNearFuture_countsNow_andEventsOlderThanTheWindowNotAtAll() {
        CounterSpec minute = spec("requests", Window.MINUTE, 100);
        Instant now = Instant.parse("2026-11-20T12:05:00Z");
        store.record("acme", charges(minute, 7), Instant.parse("2026-11-20T12:03:00Z"), null, now);
        store.record("acme", charges(minute, 2), now.plusSeconds(5), null, now);

        assertThat(state("acme", minute, now).used()).isEqualTo(2);
        // Counted at 12:05:00, so it has left by 12:06:00 even though its own time is 12:05:05.
        assertThat(state("acme", minute, Instant.parse("2026-11-20T12:06:00Z")).used()).isZero();
    }

    @Test
    void money_atAMillionDollars_isExactToTheNanoDollar() {
        CounterSpec cost = spec("cost", Window.MONTH, 1_000_000 * DOLLAR);
        store.record("acme", charges(cost, 1_000_000 * DOLLAR - 3), T0, null, T0);
        CounterStore.Handle h = hold("acme", charges(cost, 2), T0.plusSeconds(60), T0);

        assertThat(h).isNotNull();
        assertThat(state("acme", cost, 1, T0).fits()).isTrue();
        assertThat(state("acme", cost, 2, T0).fits()).isFalse();
        store.record("acme", charges(cost, 1), T0, h, T0);
        assertThat(state("acme", cost, T0).used()).isEqualTo(1_000_000 * DOLLAR - 2);
    }

    @Test
    void recordAndRead_answersTheUsageAfterRecording() {
        CounterSpec day = spec("tokens", Window.DAY, 1000);
        CounterSpec minute = spec("tokens", Window.MINUTE, 1000);
        store.record("acme", charges(day, 100, minute, 100), T0, null, T0);
        CounterStore.Handle h = hold("acme", charges(day, 500, minute, 500), T0.plusSeconds(60), T0);

        List<CounterState> states = store.recordAndRead("acme", charges(day, 40, minute, 40), T0, h, T0);

        assertThat(states).extracting(CounterState::used).containsExactly(140L, 140L);
        assertThat(state("acme", day, T0).reserved()).isZero();
    }

    /**
     * Issue 16: a re-rating moves one user's counter of a {@code per} cost limit by its change, a negative amount
     * recorded at a moment of the window (a day window's start, an hour window's minute): that user's usage falls and
     * fits again, another user's stays.
     */
    @Test
    void correction_negativeAmountOnOneUsersCounters_movesOnlyThatUserBack() {
        CounterSpec day = perUser("cost", Window.DAY, 10);
        CounterSpec hour = perUser("cost", Window.HOUR, 10);
        Instant call = T0.plusSeconds(90);
        store.record("acme", List.of(new Charge(day, 8, "doctor_1"), new Charge(hour, 8, "doctor_1"),
                new Charge(day, 3, "doctor_2"), new Charge(hour, 3, "doctor_2")), call, null, call);
        Instant later = T0.plus(java.time.Duration.ofMinutes(30));
        Instant dayStart = Window.DAY.periodAt(UTC, 1, later).start();

        List<CounterState> moved = store.recordAndRead("acme", List.of(new Charge(day, -5, "doctor_1")), dayStart,
                null, later);
        List<CounterState> movedHour = store.recordAndRead("acme", List.of(new Charge(hour, -5, "doctor_1")),
                call.truncatedTo(java.time.temporal.ChronoUnit.MINUTES), null, later);

        assertThat(moved).extracting(CounterState::used).containsExactly(3L);
        assertThat(movedHour).extracting(CounterState::used).containsExactly(3L);
        List<CounterState> doctor1 = store.reserve("acme", List.of(new Charge(day, 7, "doctor_1"),
                new Charge(hour, 7, "doctor_1")), null, later).states();
        assertThat(doctor1).extracting(CounterState::used, CounterState::fits)
                .containsExactly(tuple(3L, true), tuple(3L, true));
        List<CounterState> doctor2 = store.reserve("acme", List.of(new Charge(day, 0, "doctor_2"),
                new Charge(hour, 0, "doctor_2")), null, later).states();
        assertThat(doctor2).extracting(CounterState::used).containsExactly(3L, 3L);
    }

    @Test
    void limitsOfTheSameMetric_withDifferentFilters_countApart() {
        CounterSpec all = spec("tokens", Window.DAY, 100);
        CounterSpec gpt = new CounterSpec(new Limit.LimitKey("tokens", Window.DAY, "openai", "gpt-4o", null),
                Window.DAY, UTC, 1, 10, true);
        store.record("acme", charges(all, 50, gpt, 8), T0, null, T0);

        assertThat(state("acme", all, T0).used()).isEqualTo(50);
        assertThat(state("acme", gpt, T0).used()).isEqualTo(8);
        assertThat(state("globex", gpt, T0).used()).isZero();
    }
}
