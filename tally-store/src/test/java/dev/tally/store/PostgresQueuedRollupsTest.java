package dev.tally.store;

import dev.tally.core.event.LedgerEntry;
import dev.tally.core.period.Window;
import dev.tally.core.rollup.EndUserUsage;
import dev.tally.core.rollup.RollupCounts;
import dev.tally.core.rollup.RollupDimension;
import dev.tally.core.rollup.RollupRow;
import dev.tally.core.store.LedgerFixtures;
import dev.tally.core.store.SumBoundException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * PostgreSQL's rollups written behind the acknowledgement from the {@code rollup_pending} queue (issue 12, point 5):
 * reads see queued events, several nodes appending and rolling at once count each event once, and a roller killed
 * mid-pass leaves its events for another node, counted once.
 */
class PostgresQueuedRollupsTest {
    private static final Instant T0 = LedgerFixtures.T0;
    private static final Instant PAST = Instant.parse("2000-01-01T00:00:00Z");
    private static final Instant FUTURE = Instant.parse("2100-01-01T00:00:00Z");
    private static final String BASE_URL = PostgresStoreTest.baseUrl();

    private final String schema = "tally_test_" + UUID.randomUUID().toString().replace("-", "");
    private final String url = BASE_URL + "&currentSchema=" + schema;
    private final List<PostgresStore> nodes = new ArrayList<>();

    @AfterEach
    void drop() throws SQLException {
        nodes.forEach(PostgresStore::close);
        PostgresSchemas.drop(BASE_URL, schema);
    }

    /** A node on the shared schema; its roller passes every {@code rollEvery}, or only when called if null. */
    private PostgresStore node(Duration rollEvery) {
        PostgresStore store = PostgresStore.open(url, InstantSource.fixed(T0), Retention.DEFAULT_CHUNK_ROWS,
                rollEvery);
        nodes.add(store);
        return store;
    }

    @Test
    void reads_beforeAndAfterTheRollerPass_seeEveryAcknowledgedEvent() throws SQLException {
        PostgresStore store = node(null);
        store.append(List.of(entry("e1", "acme", T0, 100, 120L), entry("e2", "acme", T0.plusSeconds(90), 7, 40L),
                entry("e3", "globex", T0, 1_000, 5_000L)));
        store.rollQueued();
        store.append(List.of(entry("e4", "acme", T0.plusSeconds(10), 5, 120L), entry("e5", "globex", T0, 1, null)));

        assertThat(queuedRows()).as("e4 and e5 wait in the queue, in one row for their append").isEqualTo(1);
        Reads queued = Reads.of(store);
        assertThat(queued.acmeMonth().requests()).isEqualTo(3);
        assertThat(queued.acmeMonth().costNanos()).isEqualTo(112);
        assertThat(queued.acmeMinutes()).extracting(r -> r.counts().requests()).containsExactly(2L, 1L);
        assertThat(queued.acmeLatency().values()).as("40 ms once, 120 ms twice").containsExactly(1L, 2L);
        assertThat(queued.allByCustomer()).extracting(r -> r.counts().requests()).containsExactly(3L, 2L);

        assertThat(store.rollQueued()).isEqualTo(2);
        assertThat(queuedRows()).isZero();
        assertThat(Reads.of(store)).as("the same numbers from the rollup tables alone").usingRecursiveComparison()
                .isEqualTo(queued);
        assertThat(store.rollQueued()).as("nothing left to roll").isZero();
    }

    @Test
    void rollupInterval_givenWhenOpening_setsHowSoonTheRollerEmptiesTheQueue() throws Exception {
        PostgresStore store = (PostgresStore) Stores.open(url, InstantSource.fixed(T0), Duration.ofMillis(100));
        nodes.add(store);
        store.append(List.of(entry("e1", "acme", T0, 100, 120L)));

        // The default interval (5 s) would leave the row queued past this deadline.
        long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        while (queuedRows() > 0 && System.nanoTime() < deadline) {
            LockSupport.parkNanos(Duration.ofMillis(20).toNanos()); // a pause between polls, not the wait itself
        }
        assertThat(queuedRows()).as("rolled up by the store's own roller within 2 s").isZero();
        assertThat(Reads.of(store).acmeMonth().requests()).isEqualTo(1);
    }

    @Test
    void twoNodes_appendingOverlappingIdsAndRollingAtOnce_countEachEventOnce() throws Exception {
        PostgresStore a = node(Duration.ofMillis(5));
        PostgresStore b = node(Duration.ofMillis(5));
        int ids = 3_000;
        CountDownLatch start = new CountDownLatch(1);
        List<Callable<Integer>> writers = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            PostgresStore store = t % 2 == 0 ? a : b;
            Random random = new Random(t);
            writers.add(() -> {
                start.await();
                int stored = 0;
                for (int from = 0; from < ids; from += 100) {
                    List<LedgerEntry> batch = new ArrayList<>();
                    for (int i = 0; i < 100; i++) {
                        // Each id in its own writer's order, with overlaps across both nodes.
                        int id = (from + random.nextInt(ids)) % ids;
                        batch.add(entry("e" + id, "c" + id % 7, T0.plusSeconds(id % 600), 3, 10L + id % 50));
                    }
                    for (boolean s : store.append(batch)) {
                        stored += s ? 1 : 0;
                    }
                }
                return stored;
            });
        }
        ExecutorService pool = Executors.newFixedThreadPool(writers.size());
        int stored = 0;
        try {
            List<Future<Integer>> results = new ArrayList<>();
            writers.forEach(w -> results.add(pool.submit(w)));
            start.countDown();
            for (Future<Integer> r : results) {
                stored += r.get();
            }
        } finally {
            pool.shutdownNow();
        }

        long events = a.countEvents();
        assertThat(stored).as("each id stored by exactly one append").isEqualTo((int) events);
        assertThat(totalRequests(b)).as("read while queued or not").isEqualTo(events);
        a.close();
        b.close();
        PostgresStore c = node(null);
        while (c.rollQueued() > 0) {
            continue;
        }
        assertThat(queuedRows()).isZero();
        assertThat(totalRequests(c)).isEqualTo(events);
        assertThat(storedRequests()).as("the rollup tables alone").isEqualTo(events);
        assertThat(c.rollups(null, Window.DAY, PAST, FUTURE).stream().mapToLong(r -> r.counts().costNanos()).sum())
                .isEqualTo(3 * events);
    }

    /**
     * Issue 12.5: each node's roller ran on its own timer, so two nodes passed twice per interval, each pass summing
     * half as many appends into its upserts. The interval is now the cluster's.
     */
    @Test
    void scheduledPass_soonAfterAnotherNodesPass_waitsForTheClustersInterval() throws SQLException {
        PostgresStore a = node(null);
        PostgresStore b = node(null);
        a.append(List.of(entry("e1", "acme", T0, 10, 100L)));
        assertThat(a.rollScheduled(Duration.ofMinutes(1))).as("no pass yet: a passes").isEqualTo(1);

        b.append(List.of(entry("e2", "acme", T0, 20, 200L)));
        assertThat(b.rollScheduled(Duration.ofMinutes(1))).as("a passed less than a minute ago").isZero();
        assertThat(a.rollScheduled(Duration.ofMinutes(1))).as("so did a itself").isZero();
        assertThat(queuedRows()).isEqualTo(1);
        assertThat(totalRequests(b)).as("reads still see the queued event").isEqualTo(2);

        // With a short interval, b's next scheduled pass runs once the interval has passed since a's.
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        int rolled = 0;
        while (rolled == 0 && System.nanoTime() < deadline) {
            LockSupport.parkNanos(Duration.ofMillis(20).toNanos()); // a pause between polls, not the wait itself
            rolled = b.rollScheduled(Duration.ofMillis(200));
        }
        assertThat(rolled).as("b passes within 5 s").isEqualTo(1);
        assertThat(queuedRows()).isZero();
        assertThat(storedRequests()).isEqualTo(2);
        assertThat(b.rollQueued()).as("a pass by hand never waits, and finds nothing").isZero();
    }

    @Test
    void rollerKilledMidPass_rollsBack_andAnotherNodeRollsEachEventOnce() throws Exception {
        PostgresStore a = node(null);
        a.append(List.of(entry("e1", "acme", T0, 10, 100L), entry("e2", "globex", T0, 20, 200L)));
        a.append(List.of(entry("e3", "acme", T0, 30, 300L)));

        // A pass that has claimed the rows and written the rollups, then loses its connection before committing:
        // what a node killed in the middle of a pass leaves behind.
        try (Connection doomed = DriverManager.getConnection(url)) {
            doomed.setAutoCommit(false);
            QueuedRollups queued = new QueuedRollups(InstantSource.fixed(T0),
                    new EndUserRollups(SqlDialect.POSTGRESQL));
            assertThat(queued.roll(doomed, false)).isEqualTo(3);
            terminate(doomed);
            assertThatThrownBy(doomed::commit).isInstanceOf(SQLException.class);
        }

        PostgresStore b = node(null);
        assertThat(queuedRows()).as("the queue rows came back with the rollback, a row per append")
                .isEqualTo(2);
        assertThat(storedRequests()).isZero();
        assertThat(b.rollQueued()).isEqualTo(3);
        assertThat(storedRequests()).isEqualTo(3);
        assertThat(b.rollups("acme", Window.MONTH, PAST, FUTURE).get(0).counts().costNanos()).isEqualTo(40);
        assertThat(b.rollQueued()).isZero();
        assertThat(totalRequests(a)).isEqualTo(3);
    }

    @Test
    void sumBound_aSumFilledOnOneNode_refusesWhatWouldOverflowOnAnother() {
        PostgresStore a = node(null);
        PostgresStore b = node(null);
        a.append(List.of(entry("big", "acme", T0, Long.MAX_VALUE - 10, null)));

        // Queued on a, not rolled: b must still see it.
        assertThatThrownBy(() -> b.append(List.of(entry("more", "acme", T0, 100, null))))
                .isInstanceOf(SumBoundException.class);
        assertThat(b.append(List.of(entry("fits", "acme", T0, 10, null), entry("other", "globex", T0, 100, null))))
                .containsExactly(true, true);
        a.rollQueued();
        assertThatThrownBy(() -> b.append(List.of(entry("one", "acme", T0, 1, null))))
                .isInstanceOf(SumBoundException.class);
        assertThat(b.append(List.of(entry("g2", "globex", T0, 5, null)))).containsExactly(true);
        assertThat(b.rollups("acme", Window.MONTH, PAST, FUTURE).get(0).counts().costNanos())
                .isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void append_batchMixingNewKeysAndKeysStoredByAnotherNode_storesAndCountsOnlyTheNewOnes() throws SQLException {
        PostgresStore a = node(null);
        PostgresStore b = node(null);
        assertThat(a.append(List.of(entry("k1", "acme", T0, 1, null), entry("k2", "acme", T0, 2, null))))
                .containsExactly(true, true);
        // b's insert without ON CONFLICT fails on k1 and k2; the retry skips them.
        assertThat(b.append(List.of(entry("k3", "acme", T0, 4, null), entry("k1", "acme", T0, 8, null),
                entry("k2", "globex", T0, 16, null), entry("k4", "globex", T0, 32, null))))
                .containsExactly(true, false, false, true);
        assertThat(b.append(List.of(entry("k5", "acme", T0, 64, null)))).containsExactly(true);
        assertThat(a.append(List.of(entry("k5", "acme", T0, 128, null)))).containsExactly(false);

        assertThat(single("SELECT COUNT(*) FROM events")).isEqualTo(5);
        assertThat(totalCost(a)).as("1 + 2 + 4 + 32 + 64, queued").isEqualTo(103);
        b.rollQueued();
        assertThat(queuedRows()).isZero();
        assertThat(totalCost(a)).as("the same, rolled up").isEqualTo(103);
    }

    @Test
    void bySeq_claimedSeqsWithOthersBetweenAndFarApart_readsExactlyTheClaimed() throws SQLException {
        PostgresStore store = node(null);
        List<LedgerEntry> batch = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            batch.add(entry(String.format("e%03d", i), "acme", T0, i, null));
        }
        store.append(batch);
        long first = single("SELECT MIN(seq) FROM events");
        // Two ranges (the last seq is more than RANGE_GAP past the others), with unclaimed seqs inside the first.
        long[] claimed = {first + 99, first, first + 2, first + 3, first + 10};
        assertThat(claimed[0] - claimed[4]).isGreaterThan(LedgerReplay.RANGE_GAP);
        try (Connection c = DriverManager.getConnection(url)) {
            List<LedgerEntry> read = new ArrayList<>();
            LedgerReplay.forEachBySeq(c, claimed, read::add);
            // Read for their sums, the events carry no id: each one's cost says which it is.
            assertThat(read).extracting(e -> e.cost().nanos())
                    .containsExactlyInAnyOrder(0L, 2L, 3L, 10L, 99L);
        }
    }

    @Test
    void aPassOfMoreEventsThanOneFetch_sumsEachEventOnce() throws SQLException {
        PostgresStore store = node(null);
        int events = LedgerReplay.FETCH_ROWS * 2 + 17;
        List<LedgerEntry> batch = new ArrayList<>();
        for (int i = 0; i < events; i++) {
            batch.add(LedgerFixtures.event("big" + i).customer("acme").at(T0).costNanos(1).latencyMs(5L)
                    .user("u" + i % 7).build());
            if (batch.size() == 500 || i == events - 1) {
                store.append(batch);
                batch = new ArrayList<>();
            }
        }

        assertThat(store.rollQueued()).isEqualTo(events);

        assertThat(queuedRows()).isZero();
        assertThat(storedRequests()).isEqualTo(events);
        assertThat(totalCost(store)).isEqualTo(events);
        assertThat(single("SELECT SUM(calls) FROM latency_rollup")).isEqualTo(events);
        assertThat(single("SELECT SUM(requests) FROM user_rollup")).isEqualTo(events);
        assertThat(single("SELECT COUNT(*) FROM user_rollup")).isEqualTo(7);
    }

    @Test
    void endUserSums_rolledInTwoPasses_addUpPerUserAndDimension() {
        PostgresStore store = node(null);
        SortedMap<String, String> web = new TreeMap<>(Map.of("platform", "web"));
        store.append(List.of(withUser("u1", "ann", 10, web), withUser("u2", "bob", 20, web),
                withUser("u3", "ann", 30, new TreeMap<>())));
        store.rollQueued();
        store.append(List.of(withUser("u4", "ann", 40, web), withUser("u5", "cid", 50, web)));
        store.rollQueued();

        Instant month = Instant.parse("2026-11-01T00:00:00Z");
        EndUserUsage usage = store.endUserUsage("acme", month);
        assertThat(usage.users()).extracting(u -> u.name() + "=" + u.requests() + "/" + u.costNanos())
                .containsExactlyInAnyOrder("ann=3/80", "bob=1/20", "cid=1/50");
        assertThat(usage.dimensions().get("platform")).extracting(d -> d.name() + "=" + d.requests())
                .containsExactly("web=4");
        assertThat(store.endUserTotals("acme", month, "ann").costNanos()).isEqualTo(80);
    }

    private static LedgerEntry withUser(String id, String user, long costNanos, SortedMap<String, String> dims) {
        LedgerEntry e = LedgerFixtures.event(id).customer("acme").at(T0).costNanos(costNanos).user(user).build();
        return new LedgerEntry(e.event().withDimensions(dims), e.cost(), e.unpricedMetrics(), e.receivedAt(),
                e.buckets());
    }

    /** The reads the queue must not change, on one store. */
    private record Reads(RollupCounts acmeMonth, List<RollupRow> acmeMinutes, SortedMap<Integer, Long> acmeLatency,
                         List<RollupRow> allByCustomer, List<RollupRow> acmeDays) {
        static Reads of(PostgresStore store) {
            List<RollupRow> month = store.rollups("acme", Window.MONTH, PAST, FUTURE);
            assertThat(month).hasSize(1);
            return new Reads(month.get(0).counts(), store.rollups("acme", Window.MINUTE, PAST, FUTURE),
                    store.latencyHistogram("acme", PAST, FUTURE),
                    store.rollupSums(Window.MONTH, PAST, FUTURE, EnumSet.noneOf(RollupDimension.class)),
                    store.rollupTotalsByBucket("acme", Window.DAY, PAST, FUTURE));
        }
    }

    private static long totalRequests(PostgresStore store) {
        return store.rollupSums(Window.MONTH, PAST, FUTURE, EnumSet.noneOf(RollupDimension.class)).stream()
                .mapToLong(r -> r.counts().requests()).sum();
    }

    private static long totalCost(PostgresStore store) {
        return store.rollupSums(Window.MONTH, PAST, FUTURE, EnumSet.noneOf(RollupDimension.class)).stream()
                .mapToLong(r -> r.counts().costNanos()).sum();
    }

    private long storedRequests() throws SQLException {
        return PostgresSchemas.monthRequests(url);
    }

    private long queuedRows() throws SQLException {
        return PostgresSchemas.queuedRows(url);
    }

    private long single(String sql) throws SQLException {
        return PostgresSchemas.single(url, sql);
    }

    /** Ends the connection's backend from another session, as if its process had been killed. */
    private void terminate(Connection doomed) throws SQLException {
        int pid;
        try (Statement s = doomed.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            pid = rs.getInt(1);
        }
        try (Connection killer = DriverManager.getConnection(url);
             PreparedStatement ps = killer.prepareStatement("SELECT pg_terminate_backend(?)")) {
            ps.setInt(1, pid);
            ps.executeQuery().close();
        }
    }

    private static LedgerEntry entry(String id, String customer, Instant at, long costNanos, Long latencyMs) {
        return LedgerFixtures.event(id).customer(customer).at(at).costNanos(costNanos).latencyMs(latencyMs).build();
    }
}
