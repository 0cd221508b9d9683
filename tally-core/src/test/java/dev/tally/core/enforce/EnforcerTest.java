package dev.tally.core.enforce;

import dev.tally.core.catalog.Catalog;
import dev.tally.core.counter.Charge;
import dev.tally.core.counter.CounterStore;
import dev.tally.core.counter.InMemoryCounterStore;
import dev.tally.core.customer.Customer;
import dev.tally.core.customer.Plan;
import dev.tally.core.limit.FailurePolicy;
import dev.tally.core.limit.Limit;
import dev.tally.core.period.Window;
import dev.tally.core.reservation.ReservationIds;
import dev.tally.core.testing.InMemoryCatalogStore;
import dev.tally.core.testing.MutableClock;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

class EnforcerTest {
    private final MutableClock clock = MutableClock.at("2026-11-20T12:00:00Z");
    private final Catalog catalog = new Catalog(new InMemoryCatalogStore());
    private final List<RuntimeException> failures = new ArrayList<>();

    private Enforcer enforcer(CounterStore counters, FailurePolicy policy) {
        return new Enforcer(catalog, counters, new ReservationIds(ReservationIds.newSecret()), clock, policy,
                failures::add);
    }

    private void customer(Limit... limits) {
        catalog.putCustomer(new Customer("acme", "Acme", null, ZoneId.of("UTC"), 1, List.of(limits), Instant.EPOCH));
    }

    private static Limit limit(String metric, Window window, long amount) {
        return new Limit(null, metric, window, BigDecimal.valueOf(amount), null, null, null, null, null);
    }

    private static CallRequest call(long tokens) {
        TreeMap<String, Long> usage = new TreeMap<>();
        usage.put("input_tokens", tokens * 1_000_000L);
        return new CallRequest("acme", "openai", "gpt-4", "/chat", new CallEstimate(usage, null, null),
                Duration.ofMinutes(5));
    }

    @Test
    void authorize_oneLimitFull_reservesNothingOnTheOthers() {
        customer(limit("requests", Window.DAY, 10), limit("tokens", Window.DAY, 100));
        Enforcer enforcer = enforcer(new InMemoryCounterStore(), FailurePolicy.FAIL_OPEN);
        assertThat(enforcer.authorize(call(150)).allowed()).isFalse();
        // The denied call held nothing: ten calls of 10 tokens still fit the request limit exactly.
        for (int i = 0; i < 10; i++) {
            assertThat(enforcer.authorize(call(10)).allowed()).isTrue();
        }
        Decision eleventh = enforcer.authorize(call(0));
        assertThat(eleventh.allowed()).isFalse();
        assertThat(eleventh.code()).isEqualTo(DenialCode.QUOTA_EXCEEDED);
        assertThat(eleventh.deciding().state().limit().metric()).isEqualTo("requests");
    }

    /**
     * Issue 16: a re-rating that moves one user's hour counter up in one minute and down in another tells the
     * observer once, how the counter stands after both: not the $10.00 between, which the usage never reached priced
     * so from the start (it would fire the exceeded alert and resolve it at once). Counters of the customer's day
     * limit and of other users are not touched; a change of a window already over moves nothing.
     */
    @Test
    void recordLimitCostChanges_oneUsersHourCounterUpThenDown_observerToldOnceTheFinalState() {
        Limit hourly = new Limit("hourly", "cost", Window.HOUR, new BigDecimal("8.00"), null, null, null, null, null,
                null, null, "user");
        Limit daily = new Limit("daily", "cost", Window.DAY, new BigDecimal("8.00"), null, null, null, null, null,
                null, null, "user");
        customer(hourly, daily);
        List<List<Object>> told = new ArrayList<>();
        LimitObserver observer = new LimitObserver() {
            @Override
            public void recorded(Customer c, dev.tally.core.event.LedgerEntry e, List<Limit> l,
                                 List<dev.tally.core.counter.CounterState> s, Instant now) {
            }

            @Override
            public void denied(Customer c, Limit l, String v, dev.tally.core.counter.CounterState s, Instant now) {
            }

            @Override
            public void corrected(Customer c, List<Limit> limits, List<String> values,
                                  List<dev.tally.core.counter.CounterState> states, Instant now) {
                for (int i = 0; i < limits.size(); i++) {
                    told.add(List.of(limits.get(i).name(), values.get(i), states.get(i).used()));
                }
            }
        };
        InMemoryCounterStore counters = new InMemoryCounterStore();
        Enforcer enforcer = new Enforcer(catalog, counters, new ReservationIds(ReservationIds.newSecret()), clock,
                FailurePolicy.FAIL_OPEN, failures::add, observer);
        long dollar = 1_000_000_000L;
        Instant a = Instant.parse("2026-11-20T11:40:00Z");
        Instant b = Instant.parse("2026-11-20T11:50:00Z");
        counters.record("acme", List.of(new Charge(Enforcer.spec(catalog.customer("acme").orElseThrow(), hourly),
                7 * dollar, "doctor_1")), b, null, clock.instant());

        enforcer.recordLimitCostChanges("acme", List.of(
                new Enforcer.LimitCostChange(hourly, "doctor_1", a, 3 * dollar),
                new Enforcer.LimitCostChange(hourly, "doctor_1", b, -3 * dollar),
                new Enforcer.LimitCostChange(daily, "doctor_1", Instant.parse("2026-11-19T00:00:00Z"), dollar)));

        assertThat(told).containsExactly(List.of("hourly", "doctor_1", 7 * dollar));
        assertThat(failures).isEmpty();
    }

    @Test
    void authorize_afterTheCatalogChangesTheCustomerOrItsPlan_decidesByTheChangedLimits() {
        // The enforcer keeps each customer's compiled limits while the catalog's revision stays: every write must
        // reach the next decision, whether it replaces the customer, its plan, or deletes the customer.
        customer(limit("requests", Window.DAY, 1));
        Enforcer enforcer = enforcer(new InMemoryCounterStore(), FailurePolicy.FAIL_OPEN);
        assertThat(enforcer.authorize(call(0)).allowed()).isTrue();
        assertThat(enforcer.authorize(call(0)).allowed()).isFalse();

        customer(limit("requests", Window.DAY, 2));
        assertThat(enforcer.authorize(call(0)).allowed()).isTrue();
        assertThat(enforcer.authorize(call(0)).allowed()).isFalse();

        catalog.putPlan(new Plan("bigger", "Bigger", List.of(limit("requests", Window.DAY, 3))));
        catalog.putCustomer(new Customer("acme", "Acme", "bigger", ZoneId.of("UTC"), 1, List.of(), Instant.EPOCH));
        assertThat(enforcer.authorize(call(0)).allowed()).isTrue();
        assertThat(enforcer.authorize(call(0)).allowed()).isFalse();

        catalog.putPlan(new Plan("bigger", "Bigger", List.of(limit("requests", Window.DAY, 4))));
        assertThat(enforcer.authorize(call(0)).allowed()).isTrue();
        assertThat(enforcer.authorize(call(0)).allowed()).isFalse();

        catalog.deleteCustomer("acme");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> enforcer.authorize(call(0)))
                .isInstanceOf(dev.tally.core.problem.NotFoundException.class);
    }

    /** A counter store whose backend is down: every operation fails, as a lost Redis connection would. */
    private static final class UnreachableCounterStore implements CounterStore {
        @Override
        public Outcome reserve(String c, List<Charge> charges, Instant holdUntil, Instant now) {
            throw new IllegalStateException("counter store down");
        }

        @Override
        public String release(Handle reservation, Instant now) {
            throw new IllegalStateException("counter store down");
        }

        @Override
        public void record(String c, List<Charge> usage, Instant t, Handle settles, Instant now) {
            throw new IllegalStateException("counter store down");
        }
    }

    @Test
    void authorize_countersFailing_followsEachPlansPolicy_elseTheDefault() {
        List<Limit> limits = List.of(limit("requests", Window.DAY, 10));
        catalog.putPlan(new Plan("open", "Open", limits, FailurePolicy.FAIL_OPEN));
        catalog.putPlan(new Plan("closed", "Closed", limits, FailurePolicy.FAIL_CLOSED));
        catalog.putPlan(new Plan("default", "Default", limits));
        for (String plan : List.of("open", "closed", "default")) {
            catalog.putCustomer(new Customer(plan + "-co", plan, plan, ZoneId.of("UTC"), 1, List.of(),
                    Instant.EPOCH));
        }
        Enforcer defaultClosed = enforcer(new UnreachableCounterStore(), FailurePolicy.FAIL_CLOSED);
        Enforcer defaultOpen = enforcer(new UnreachableCounterStore(), FailurePolicy.FAIL_OPEN);

        Decision a = defaultClosed.authorize(callOf("open-co"));
        Decision b = defaultOpen.authorize(callOf("closed-co"));

        assertThat(a.allowed()).isTrue();
        assertThat(a.reservationId()).isNull();
        assertThat(b.allowed()).isFalse();
        assertThat(b.code()).isEqualTo(DenialCode.UNAVAILABLE);
        assertThat(b.retryAfterSeconds()).isEqualTo(1);
        assertThat(defaultClosed.authorize(callOf("default-co")).code()).isEqualTo(DenialCode.UNAVAILABLE);
        assertThat(defaultOpen.authorize(callOf("default-co")).allowed()).isTrue();
        assertThat(defaultOpen.check(callOf("closed-co")).allowed()).isFalse();
        assertThat(failures).hasSize(5);
    }

    private static CallRequest callOf(String customer) {
        return new CallRequest(customer, "openai", "gpt-4", "/chat", CallEstimate.requestOnly(),
                Duration.ofMinutes(5));
    }

    @Test
    void authorize_decisionStates_areRenderedOnlyWhenAsked_andMatchTheCounters() {
        customer(limit("requests", Window.DAY, 10), limit("tokens", Window.MONTH, 1000));
        Enforcer enforcer = enforcer(new InMemoryCounterStore(), FailurePolicy.FAIL_OPEN);
        enforcer.authorize(call(100));

        Decision d = enforcer.authorize(call(300));

        assertThat(d.allowed()).isTrue();
        assertThat(d.limits()).hasSize(2);
        assertThat(d.limits().get(0).state().used()).isEqualByComparingTo("2");
        assertThat(d.limits().get(1).state().used()).isEqualByComparingTo("400");
        assertThat(d.limits().get(1).reserved()).isEqualByComparingTo("400");
        assertThat(d.limits().get(1).state().window().start()).isEqualTo(Instant.parse("2026-11-01T00:00:00Z"));
        // The tightest limit: 8 of 10 requests left (80%) against 600 of 1000 tokens (60%).
        assertThat(d.deciding()).isSameAs(d.limits().get(1));
        assertThat(d.limits()).isSameAs(d.limits());
    }

    @Test
    void authorize_countersFailing_followsPolicy() {
        customer(limit("requests", Window.DAY, 10));
        CounterStore broken = new CounterStore() {
            @Override
            public Outcome reserve(String c, List<Charge> charges, Instant holdUntil, Instant now) {
                throw new IllegalStateException("counter store down");
            }

            @Override
            public String release(Handle reservation, Instant now) {
                throw new IllegalStateException("counter store down");
            }

            @Override
            public void record(String c, List<Charge> usage, Instant t, Handle settles, Instant now) {
                throw new IllegalStateException("counter store down");
            }
        };
        Decision open = enforcer(broken, FailurePolicy.FAIL_OPEN).authorize(call(1));
        assertThat(open.allowed()).isTrue();
        Decision closed = enforcer(broken, FailurePolicy.FAIL_CLOSED).authorize(call(1));
        assertThat(closed.allowed()).isFalse();
        assertThat(closed.code()).isEqualTo(DenialCode.UNAVAILABLE);
        assertThat(failures).hasSize(2);
    }

    @Test
    void reservationIds_areBoundToTheCustomerAndTheSecret() {
        ReservationIds ids = new ReservationIds(ReservationIds.newSecret());
        CounterStore.Handle handle = new CounterStore.Handle(42L << 32 | 7, -0x1234_5678_9ABCL);
        String id = ids.issue("acme", handle);
        assertThat(id).matches("rsv_[A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{11}");
        assertThat(ids.handle(id)).isEqualTo(handle);
        assertThat(ids.isIssuedFor(id, "acme")).isTrue();
        assertThat(ids.isIssuedFor(id, "globex")).isFalse();
        assertThat(ids.isIssuedFor(id, "acme ")).isFalse();
        assertThat(new ReservationIds(ReservationIds.newSecret()).isIssuedFor(id, "acme")).isFalse();
        assertThat(ids.isIssuedFor("rsv_forged.AAAA", "acme")).isFalse();
        assertThat(ids.isIssuedFor("nonsense", "acme")).isFalse();
        assertThat(ids.isIssuedFor(null, "acme")).isFalse();
        // Every single-character change of the handle or the MAC is rejected.
        for (int i = 4; i < id.length(); i++) {
            if (i == 26) {
                continue;
            }
            char c = id.charAt(i);
            String changed = id.substring(0, i) + (c == 'A' ? 'B' : 'A') + id.substring(i + 1);
            assertThat(ids.isIssuedFor(changed, "acme")).as(changed).isFalse();
        }
    }

    @Test
    void reservationIds_maskTheKey_soIdsTellNothingOfTheStore() {
        ReservationIds ids = new ReservationIds(ReservationIds.newSecret());
        // Key 0 (customer 0, slot 0) would otherwise spell AAAAAAAAAAA at the start of the id.
        String a = ids.issue("acme", new CounterStore.Handle(0, 1));
        String b = ids.issue("acme", new CounterStore.Handle(0, 2));
        assertThat(a.substring(4, 15)).isNotEqualTo("AAAAAAAAAAA");
        assertThat(a.substring(4, 14)).isNotEqualTo(b.substring(4, 14));
        assertThat(ids.handle(a)).isEqualTo(new CounterStore.Handle(0, 1));
    }

    @Test
    void reservationIds_ofTheEarlierFormat_stillVerify_andNameNoReservation() throws Exception {
        byte[] secret = ReservationIds.newSecret();
        ReservationIds ids = new ReservationIds(secret);
        // How ids were made before: rsv_<12 random bytes>.<HMAC-SHA256(random part, 0, customer), first 16 bytes>.
        String random = "AAECAwQFBgcICQoL";
        javax.crypto.Mac hmac = javax.crypto.Mac.getInstance("HmacSHA256");
        hmac.init(new javax.crypto.spec.SecretKeySpec(secret, "HmacSHA256"));
        hmac.update(random.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        hmac.update((byte) 0);
        byte[] full = hmac.doFinal("acme".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        String legacy = "rsv_" + random + "." + java.util.Base64.getUrlEncoder().withoutPadding()
                .encodeToString(java.util.Arrays.copyOf(full, 16));

        assertThat(ids.isIssuedFor(legacy, "acme")).isTrue();
        assertThat(ids.isIssuedFor(legacy, "globex")).isFalse();
        assertThat(ids.handle(legacy)).isNull();
    }

    @Test
    void reservationIds_areBase64urlOfTheMaskedKeyTagAndMac_soEveryNodeVersionReadsThem() {
        // The layout other nodes (and earlier versions) decode: rsv_ + base64url(maskedKey || tag, big-endian) + '.'
        // + base64url(mac), no padding. The tag is not masked, so it can be read back from the bytes.
        ReservationIds ids = new ReservationIds(ReservationIds.newSecret());
        java.util.Random random = new java.util.Random(7);
        for (int i = 0; i < 1_000; i++) {
            long key = random.nextLong();
            long tag = random.nextLong();
            String id = ids.issue("acme", new dev.tally.core.counter.CounterStore.Handle(key, tag));
            byte[] words = java.util.Base64.getUrlDecoder().decode(id.substring(4, 26));
            assertThat(words).hasSize(16);
            assertThat(java.nio.ByteBuffer.wrap(words).getLong(8)).isEqualTo(tag);
            assertThat(java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(words))
                    .isEqualTo(id.substring(4, 26));
            byte[] mac = java.util.Base64.getUrlDecoder().decode(id.substring(27));
            assertThat(java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(mac))
                    .isEqualTo(id.substring(27));
            assertThat(ids.handle(id)).isEqualTo(new dev.tally.core.counter.CounterStore.Handle(key, tag));
            assertThat(ids.isIssuedFor(id, "acme")).isTrue();
        }
    }

    @Test
    void reservationIds_readBackByAnotherNodeOrLongAfter_giveTheHandleTheyWereIssuedFor() {
        // The issuing instance remembers its latest ids; another node with the same secret, and the issuer itself
        // once thousands of ids later have taken their places, decode them instead: all must answer alike.
        byte[] secret = ReservationIds.newSecret();
        ReservationIds issuer = new ReservationIds(secret);
        ReservationIds otherNode = new ReservationIds(secret);
        java.util.Random random = new java.util.Random(11);
        int n = 5_000;
        String[] ids = new String[n];
        CounterStore.Handle[] handles = new CounterStore.Handle[n];
        for (int i = 0; i < n; i++) {
            handles[i] = new CounterStore.Handle(random.nextLong(), random.nextLong());
            ids[i] = issuer.issue("acme", handles[i]);
            assertThat(otherNode.handle(ids[i])).isEqualTo(handles[i]);
            assertThat(issuer.handle(ids[i])).isEqualTo(handles[i]);
        }
        for (int i = 0; i < n; i++) {
            assertThat(issuer.handle(ids[i])).as(ids[i]).isEqualTo(handles[i]);
            assertThat(issuer.handle(new String(ids[i].toCharArray()))).isEqualTo(handles[i]);
        }
        // A remembered id changed in one character is not taken for it.
        String latest = ids[n - 1];
        for (int i = 4; i < 26; i++) {
            String changed = latest.substring(0, i) + (latest.charAt(i) == 'A' ? 'B' : 'A')
                    + latest.substring(i + 1);
            assertThat(issuer.handle(changed)).as(changed).isNotEqualTo(handles[n - 1]);
        }
    }

    @Test
    void reservationIds_withoutAHandle_nameNoReservation() {
        ReservationIds ids = new ReservationIds(ReservationIds.newSecret());
        assertThat(ids.handle("rsv_made_up")).isNull();
        assertThat(ids.handle("rsv_" + "*".repeat(22) + "." + "A".repeat(11))).isNull();
        assertThat(ids.handle("rsv_" + "A".repeat(21) + "B." + "A".repeat(11))).isNull(); // non-zero padding bits
        assertThat(ids.handle(null)).isNull();
        // A character outside the alphabet anywhere makes it no id, even where it would decode to plausible bits.
        String id = ids.issue("acme", new CounterStore.Handle(5, 6));
        for (int i = 4; i < id.length(); i++) {
            if (i != 26) {
                String bad = id.substring(0, i) + '*' + id.substring(i + 1);
                assertThat(ids.isIssuedFor(bad, "acme")).as(bad).isFalse();
                assertThat(i < 26 ? ids.handle(bad) : null).as(bad).isNull();
            }
        }
    }

    @Test
    void release_byId_onlyOnce_andNotForAnIdFromElsewhere() {
        customer(limit("requests", Window.DAY, 1));
        Enforcer enforcer = enforcer(new InMemoryCounterStore(), FailurePolicy.FAIL_OPEN);
        String id = enforcer.authorize(call(0)).reservationId();
        assertThat(enforcer.check(call(0)).allowed()).isFalse();

        assertThat(enforcer.release("rsv_made_up")).isFalse();
        assertThat(enforcer.release(id)).isTrue();
        assertThat(enforcer.release(id)).isFalse();
        assertThat(enforcer.check(call(0)).allowed()).isTrue();
        // The freed slot is reused by the next reservation; the old id must not release it.
        String next = enforcer.authorize(call(0)).reservationId();
        assertThat(enforcer.release(id)).isFalse();
        assertThat(enforcer.check(call(0)).allowed()).isFalse();
        assertThat(enforcer.release(next)).isTrue();
    }

    @Test
    void applicableLimits_followTheCallsProvider_whenCallsAlternate() {
        Limit openaiOnly = new Limit(null, "requests", Window.DAY, BigDecimal.ONE, null, "openai", null, null, null);
        customer(limit("requests", Window.DAY, 10), openaiOnly);
        Enforcer enforcer = enforcer(new InMemoryCounterStore(), FailurePolicy.FAIL_OPEN);
        CallRequest openai = call(0);
        CallRequest anthropic = new CallRequest("acme", "anthropic", "claude", "/chat", CallEstimate.requestOnly(),
                Duration.ofMinutes(5));

        assertThat(enforcer.authorize(openai).limits()).hasSize(2);
        assertThat(enforcer.authorize(anthropic).limits()).hasSize(1);
        assertThat(enforcer.authorize(openai).allowed()).isFalse(); // the openai-only limit of 1 is held
        assertThat(enforcer.authorize(anthropic).allowed()).isTrue();
        assertThat(enforcer.check(anthropic).limits().get(0).state().used()).isEqualByComparingTo("3");
    }

    @Test
    void denialMessage_rateLimit_namesLimitAndWait() {
        customer(limit("requests", Window.MINUTE, 1));
        Enforcer enforcer = enforcer(new InMemoryCounterStore(), FailurePolicy.FAIL_OPEN);
        enforcer.authorize(call(0));
        clock.advance(Duration.ofSeconds(20));
        Decision d = enforcer.authorize(call(0));
        assertThat(d.code()).isEqualTo(DenialCode.RATE_LIMITED);
        assertThat(d.retryAfterSeconds()).isEqualTo(40);
        assertThat(d.message()).isEqualTo("Too many requests: the limit is 1 per minute. Please retry in 40 seconds.");
    }

    /** Issue 13: 64 threads, 10 users, 10 calls a day each and 60 a month for the customer, through the enforcer. */
    @Test
    void authorize_64Threads_perUserAndCustomerLimits_exactly60Allowed_noUserAbove10() throws Exception {
        customer(limit("requests", Window.MONTH, 60), new Limit(null, "requests", Window.DAY, BigDecimal.TEN, null,
                null, null, null, null, null, null, Limit.PER_USER));
        Enforcer enforcer = enforcer(new InMemoryCounterStore(), FailurePolicy.FAIL_CLOSED);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(64);
        java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
        try {
            List<java.util.concurrent.Future<String>> results = new ArrayList<>();
            for (int i = 0; i < 128; i++) {
                String user = "user_" + i % 10;
                CallRequest call = new CallRequest("acme", null, null, null,
                        new CallEstimate(new TreeMap<>(), null, null), Duration.ofMinutes(5), user, null);
                results.add(pool.submit(() -> {
                    start.await();
                    return enforcer.authorize(call).allowed() ? user : null;
                }));
            }
            start.countDown();
            java.util.Map<String, Integer> byUser = new TreeMap<>();
            for (java.util.concurrent.Future<String> r : results) {
                String user = r.get(60, java.util.concurrent.TimeUnit.SECONDS);
                if (user != null) {
                    byUser.merge(user, 1, Integer::sum);
                }
            }
            assertThat(byUser.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(60);
            assertThat(byUser.values()).allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(10));
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * The enforcer keeps the applicable limits of a customer's recent provider, model and endpoint combinations:
     * events spread over more combinations than it keeps (60 here), in an order that revisits each after others
     * pushed it out, count each toward exactly the limits that match it.
     */
    @Test
    void record_eventsOverManyModelsAndEndpoints_eachCountsTowardTheLimitsMatchingIt() {
        Limit all = limit("requests", Window.DAY, 1_000_000);
        Limit model3 = new Limit("m3", "requests", Window.DAY, BigDecimal.valueOf(1_000_000), null, null, "m3",
                null, null);
        Limit chat = new Limit("chat", "requests", Window.DAY, BigDecimal.valueOf(1_000_000), null, "openai", null,
                "/chat", null);
        customer(all, model3, chat);
        List<List<String>> told = new ArrayList<>();
        LimitObserver observer = new LimitObserver() {
            @Override
            public void recorded(Customer c, dev.tally.core.event.LedgerEntry e, List<Limit> limits,
                                 List<dev.tally.core.counter.CounterState> s, Instant now) {
                told.add(limits.stream().map(Limit::key).map(Object::toString).toList());
            }

            @Override
            public void denied(Customer c, Limit l, String v, dev.tally.core.counter.CounterState s, Instant now) {
            }
        };
        Enforcer enforcer = new Enforcer(catalog, new InMemoryCounterStore(),
                new ReservationIds(ReservationIds.newSecret()), clock, FailurePolicy.FAIL_OPEN, failures::add,
                observer);
        String[] providers = {"openai", "anthropic"};
        String[] endpoints = {"/chat", "/embed", "/search"};
        List<List<String>> expected = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            for (int m = 0; m < 10; m++) {
                for (String provider : providers) {
                    for (String endpoint : endpoints) {
                        // Strings made anew per event, as read from requests: the cache compares their contents.
                        String model = new String("m" + m);
                        enforcer.record(entry(provider, model, new String(endpoint)));
                        expected.add(java.util.stream.Stream.of(all, model3, chat)
                                .filter(l -> l.matches(provider, model, endpoint))
                                .map(Limit::key).map(Object::toString).toList());
                    }
                }
            }
        }
        assertThat(told).isEqualTo(expected);
        assertThat(told.get(told.size() - 1)).hasSize(1); // anthropic m9 /search: only the customer's limit
        assertThat(failures).isEmpty();
    }

    private dev.tally.core.event.LedgerEntry entry(String provider, String model, String endpoint) {
        Instant at = clock.instant();
        dev.tally.core.event.UsageEvent event = new dev.tally.core.event.UsageEvent("e", "acme", at, provider, model,
                endpoint, "POST", 200, 1L, null, new TreeMap<>(), null, null, null);
        return new dev.tally.core.event.LedgerEntry(event, dev.tally.core.money.Money.ofNanos(0), List.of(), at,
                dev.tally.core.event.Buckets.of(ZoneId.of("UTC"), 1, at));
    }
}
