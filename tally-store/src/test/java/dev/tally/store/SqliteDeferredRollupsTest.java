package dev.tally.store;

import dev.tally.core.event.LedgerEntry;
import dev.tally.core.period.Window;
import dev.tally.core.rollup.RollupDimension;
import dev.tally.core.rollup.RollupRow;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static dev.tally.core.store.LedgerFixtures.T0;
import static dev.tally.core.store.LedgerFixtures.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The SQLite store's rollups written behind the acknowledging transactions ({@link DeferredRollups}): what is in the
 * file, what reads see, and what a crash, a rollback, retention and an upgrade from schema version 7 leave.
 */
class SqliteDeferredRollupsTest {
    private static final Instant FAR_FUTURE = T0.plus(Duration.ofDays(400));

    @TempDir
    Path dir;
    private final AtomicReference<Instant> now = new AtomicReference<>(T0);

    private SqliteStore open(String name) {
        return SqliteStore.open("jdbc:sqlite:" + dir.resolve(name), now::get, Retention.DEFAULT_CHUNK_ROWS);
    }

    /** A mix of batches: two customers, several series, a duplicate, an unpriced error, two zones, custom metrics. */
    private static List<List<LedgerEntry>> batches() {
        ZoneId kolkata = ZoneId.of("Asia/Kolkata");
        return List.of(
                List.of(event("a1").latencyMs(120L).build(), event("a2").provider("anthropic").latencyMs(7L).build()),
                List.of(event("b1").costNanos(7).usage("images", 3_000_000).build(), event("a1").build()),
                List.of(event("c1").unpriced("characters").status(500).customer("globex").zone(kolkata).build(),
                        event("c2").at(T0.plusSeconds(3600)).latencyMs(40L).build()));
    }

    @Test
    void rollups_pendingWhenTheProcessDies_areFoldedInFromTheLedgerOnTheNextOpen() throws Exception {
        SqliteStore crashed = open("crash.db");
        List<List<LedgerEntry>> batches = batches();
        crashed.append(batches.get(0));
        now.set(T0.plus(DeferredRollups.MAX_DELAY)); // due: the next transaction writes what is pending
        crashed.append(batches.get(1));
        crashed.append(batches.get(2));

        // In the file: the first two batches' rows (a1, a2, b1); the third batch's wait in memory.
        assertThat(fileRequests(crashed, Window.HOUR)).isEqualTo(3);
        assertThat(fileRequests(crashed, Window.MINUTE)).isEqualTo(3);
        crashed.dataSource().close(); // the process dies: no flush at close

        List<String> expected;
        try (SqliteStore reference = open("reference.db")) {
            batches.forEach(reference::append);
        }
        expected = fileRows("reference.db");
        try (SqliteStore reopened = open("crash.db")) {
            assertThat(fileRows("crash.db")).isEqualTo(expected).isNotEmpty();
            assertThat(fileRequests(reopened, Window.MONTH)).isEqualTo(5);
        }
        // Opening again folds in nothing twice.
        try (SqliteStore again = open("crash.db")) {
            assertThat(fileRows("crash.db")).isEqualTo(expected);
        }
    }

    /** Issue 13: the sums by user per day are pending with the others, so a crash loses none of them either. */
    @Test
    void userDaySums_pendingWhenTheProcessDies_areFoldedInFromTheLedgerOnTheNextOpen() throws Exception {
        List<List<LedgerEntry>> batches = List.of(
                List.of(event("u1").user("alice").build(), event("u2").user("bob").at(T0.minus(Duration.ofDays(1)))
                        .build()),
                List.of(event("u3").user("alice").costNanos(5).build()),
                List.of(event("u4").user("alice").at(T0.minus(Duration.ofDays(1))).build(),
                        event("u5").user("carol").build()));
        SqliteStore crashed = open("users-crash.db");
        crashed.append(batches.get(0));
        now.set(T0.plus(DeferredRollups.MAX_DELAY)); // due: the next transaction writes what is pending
        crashed.append(batches.get(1));
        crashed.append(batches.get(2));
        assertThat(tableRows("users-crash.db", "user_day_rollup")).as("the first two batches' rows").hasSize(2);
        crashed.dataSource().close(); // the process dies: no flush at close

        try (SqliteStore reference = open("users-reference.db")) {
            batches.forEach(reference::append);
        }
        List<String> expected = tableRows("users-reference.db", "user_day_rollup");
        assertThat(expected).hasSize(4); // alice and carol today, alice and bob yesterday
        try (SqliteStore reopened = open("users-crash.db")) {
            assertThat(tableRows("users-crash.db", "user_day_rollup")).isEqualTo(expected);
            Instant today = T0.truncatedTo(ChronoUnit.DAYS);
            assertThat(reopened.endUserUsageOfDays("acme", today, today.plus(Duration.ofDays(1))).users())
                    .extracting(u -> u.name() + "=" + u.requests()).containsExactlyInAnyOrder("alice=2", "carol=1");
        }
    }

    /**
     * Issue 13: SQLite's end user sums are written as JSON rows ({@link UpsertSql#fromJson}): names that JSON escapes,
     * more rows than one execution takes, and sums near a long's end are stored exactly, in both grains.
     */
    @Test
    void endUserSums_writtenAsJson_keepEveryNameAndSumExactly() throws Exception {
        List<String> odd = List.of("quote\"d", "back\\slash", "tab\tnul\u0001", "ünï😀", "[\"],{}");
        long large = 1_000_000_000_000_000_000L; // six of them still fit a long
        List<LedgerEntry> first = new ArrayList<>();
        for (int i = 0; i < odd.size(); i++) {
            first.add(event("odd" + i).user(odd.get(i)).costNanos(large)
                    .dimensions(java.util.Map.of("plat\"form", odd.get(i))).build());
        }
        int many = EndUserRollups.JSON_ROWS * 2 + 17;
        try (SqliteStore store = open("json.db")) {
            store.append(first);
            for (int from = 0; from < many; from += 1_000) {
                List<LedgerEntry> batch = new ArrayList<>();
                for (int i = from; i < Math.min(many, from + 1_000); i++) {
                    batch.add(event("many" + i).user("user_" + i).build());
                }
                store.append(batch);
            }
            now.set(T0.plus(DeferredRollups.MAX_DELAY)); // due: the next transaction writes what is pending
            store.append(List.of(event("last").user(odd.get(0)).costNanos(1).build()));
        }
        for (String table : List.of("user_rollup", "user_day_rollup")) {
            List<String> rows = tableRows("json.db", table);
            assertThat(rows).as(table).hasSize(many + odd.size());
            assertThat(rows).as(table)
                    .anySatisfy(row -> assertThat(row).endsWith("|user_" + (many - 1) + "|1|0|600000000|1000"));
            for (String name : odd) {
                boolean twice = name.equals(odd.get(0));
                String sums = twice ? "|2|0|1200000000|" + (large + 1) : "|1|0|600000000|" + large;
                assertThat(rows).as(table + " " + name).anySatisfy(row -> assertThat(row).endsWith("|" + name + sums));
            }
        }
        List<String> platforms = tableRows("json.db", "dimension_day_rollup");
        assertThat(platforms).hasSize(odd.size());
        for (String name : odd) {
            assertThat(platforms).anySatisfy(row -> assertThat(row).contains("|plat\"form|" + name + "|"));
        }
    }

    private List<String> tableRows(String file, String table) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Connection c = connect(file); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT * FROM " + table + " ORDER BY 1, 2, 3")) {
            int columns = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                StringBuilder row = new StringBuilder();
                for (int i = 1; i <= columns; i++) {
                    row.append('|').append(rs.getString(i));
                }
                rows.add(row.toString());
            }
        }
        return rows;
    }

    @Test
    void recovery_usesTheBucketsGivenAtIngestion_notTheCustomersZoneNow() throws Exception {
        ZoneId kolkata = ZoneId.of("Asia/Kolkata"); // +05:30: its hours start at half past in UTC
        SqliteStore crashed = open("zone.db");
        crashed.append(List.of(event("k1").zone(kolkata).build()));
        crashed.dataSource().close();

        try (SqliteStore reopened = open("zone.db")) {
            Instant hour = ingestionHour(kolkata);
            assertThat(reopened.rollups("acme", Window.HOUR, Instant.EPOCH, FAR_FUTURE))
                    .extracting(r -> r.key().bucketStart()).containsExactly(hour);
            assertThat(fileRequests(reopened, Window.HOUR)).isEqualTo(1);
        }
    }

    private static Instant ingestionHour(ZoneId zone) {
        return T0.atZone(zone).truncatedTo(ChronoUnit.HOURS).toInstant();
    }

    @Test
    void rollups_ofARolledBackBatch_areNeverWritten_andThePendingOnesSurvive() throws Exception {
        try (SqliteStore store = open("rollback.db")) {
            store.append(List.of(event("ok1").build()));
            execute(store, "CREATE TRIGGER fail BEFORE INSERT ON latency_rollup WHEN NEW.bucket = 7 "
                    + "BEGIN SELECT RAISE(ABORT, 'forced'); END");
            now.set(T0.plus(DeferredRollups.MAX_DELAY)); // the failing batch also writes ok1's pending rows
            assertThatThrownBy(() -> store.append(List.of(event("bad").latencyMs(7L).build())))
                    .hasMessageContaining("forced");

            assertThat(store.countEvents()).isEqualTo(1);
            assertThat(fileRequests(store, Window.DAY)).isZero();
            assertThat(onlyRow(store.rollups("acme", Window.DAY, Instant.EPOCH, FAR_FUTURE)).counts().requests())
                    .isEqualTo(1);
            assertThat(store.latencyHistogram("acme", Instant.EPOCH, FAR_FUTURE).values()).containsExactly(1L);

            store.append(List.of(event("ok2").build()));
            assertThat(fileRequests(store, Window.DAY)).isEqualTo(2);
            assertThat(onlyRow(store.rollups("acme", Window.DAY, Instant.EPOCH, FAR_FUTURE)).counts().requests())
                    .isEqualTo(2);
        }
    }

    @Test
    void reads_withIncrementsPending_addThemForEveryGrainWithoutWritingAnything() throws Exception {
        try (SqliteStore store = open("merge.db")) {
            store.append(List.of(event("a1").latencyMs(5L).build(), event("a2").model("other").build()));
            now.set(T0.plus(DeferredRollups.MAX_DELAY));
            store.append(List.of(event("b1").build(), event("b2").customer("globex").build())); // writes a1..b2
            store.append(List.of(event("c1").latencyMs(5L).build(), event("c2").at(T0.plusSeconds(60)).build()));

            assertThat(fileRequests(store, Window.MINUTE)).isEqualTo(4);
            Instant m0 = T0.truncatedTo(ChronoUnit.MINUTES);
            List<RollupRow> acme = store.rollups("acme", Window.MINUTE, Instant.EPOCH, FAR_FUTURE);
            assertThat(acme).extracting(r -> r.key().model() + "@" + r.key().bucketStart() + "="
                    + r.counts().requests()).containsExactly("gpt-4o@" + m0 + "=3", "other@" + m0 + "=1",
                    "gpt-4o@" + m0.plusSeconds(60) + "=1");
            for (Window grain : List.of(Window.HOUR, Window.DAY, Window.MONTH)) {
                assertThat(store.rollups(null, grain, Instant.EPOCH, FAR_FUTURE))
                        .extracting(r -> r.key().customerId() + "/" + r.key().model() + "=" + r.counts().requests())
                        .as(grain.wireName()).containsExactly("acme/gpt-4o=4", "acme/other=1", "globex/gpt-4o=1");
                assertThat(store.rollupTotalsByBucket("acme", grain, Instant.EPOCH, FAR_FUTURE))
                        .extracting(r -> r.counts().requests()).containsExactly(5L);
                assertThat(store.rollupSums(grain, Instant.EPOCH, FAR_FUTURE, EnumSet.noneOf(RollupDimension.class)))
                        .extracting(r -> r.key().customerId() + "=" + r.counts().requests())
                        .containsExactly("acme=5", "globex=1");
            }
            assertThat(store.rollupSums(Window.MINUTE, m0, m0.plusSeconds(120), EnumSet.of(RollupDimension.MODEL)))
                    .extracting(r -> r.key().customerId() + "/" + r.key().model() + "/" + r.key().provider() + "@"
                            + (r.key().bucketStart().getEpochSecond() - m0.getEpochSecond()) + "="
                            + r.counts().requests())
                    .containsExactly("acme/gpt-4o/@0=3", "acme/other/@0=1", "acme/gpt-4o/@60=1",
                            "globex/gpt-4o/@0=1");
            // a1..b1's latencies are in the file, c1's and c2's pending: the histogram has all five.
            assertThat(store.latencyHistogram("acme", Instant.EPOCH, FAR_FUTURE).values().stream()
                    .mapToLong(Long::longValue).sum()).isEqualTo(5);
            // Reading wrote nothing: the pending increments are still only in memory.
            assertThat(fileRequests(store, Window.MINUTE)).isEqualTo(4);
        }
    }

    @Test
    void reads_whileBatchesCommitAndIncrementsAreWritten_seeEveryEventOnce() throws Exception {
        int batches = 300;
        try (SqliteStore store = open("race.db")) {
            readWhileAppending(store, batches, (b, i) -> event("e" + b + "-" + i).endpoint("/e" + (i % 3)).build(),
                    read -> total(store, Window.values()[read % 4]));
            for (Window w : Window.values()) {
                assertThat(total(store, w)).as(w.wireName()).isEqualTo(10L * batches);
            }
        }
    }

    /**
     * Issue 13: a batch's end user sums are decided while it is prepared and, once committed, queued for the folding
     * thread ({@code tally-enduser-fold}); a read adds the queued batches and the folded ones, so whatever the
     * folder has reached and whenever the pending sums are written, every read sees each acknowledged event once.
     */
    @Test
    void endUserReads_whileBatchesCommitFoldAndAreWritten_seeEveryEventOnce() throws Exception {
        Instant month = Instant.parse("2026-11-01T00:00:00Z");
        Instant day = T0.truncatedTo(ChronoUnit.DAYS);
        try (SqliteStore store = open("users-race.db")) {
            readWhileAppending(store, 300, (b, i) -> event("u" + b + "-" + i).user("user_" + (i % 4))
                    .dimensions(java.util.Map.of("platform", i % 2 == 0 ? "web" : "tiktok")).build(),
                    read -> switch (read % 4) {
                        case 0 -> store.endUserUsage("acme", month).users().stream().mapToLong(u -> u.requests()).sum();
                        case 1 -> store.endUserUsageOfDays("acme", day, day.plus(Duration.ofDays(1))).dimensions()
                                .getOrDefault("platform", List.of()).stream().mapToLong(u -> u.requests()).sum();
                        case 2 -> store.endUserUsage("acme", month).dimensions()
                                .getOrDefault("platform", List.of()).stream().mapToLong(u -> u.requests()).sum();
                        // user_0 has 3 events of each batch's 10: a part of a batch would not come out a multiple of 10
                        default -> store.endUserTotals("acme", month, "user_0").requests() * 10 / 3;
                    });
            assertThat(store.endUserUsage("acme", month).users()).extracting(u -> u.name() + "=" + u.requests())
                    .containsExactlyInAnyOrder("user_0=900", "user_1=900", "user_2=600", "user_3=600");
            assertThat(store.endUserUsageOfDays("acme", day, day.plus(Duration.ofDays(1))).users())
                    .extracting(u -> u.name() + "=" + u.requests())
                    .containsExactlyInAnyOrder("user_0=900", "user_1=900", "user_2=600", "user_3=600");
            assertThat(store.endUserTotals("acme", month, "user_2").requests()).isEqualTo(600);
        }
    }

    /** The event {@code i} (0-9) of batch {@code b}. */
    @FunctionalInterface
    private interface BatchEvent {
        LedgerEntry of(int b, int i);
    }

    /** The events the {@code n}th read sees. */
    @FunctionalInterface
    private interface CountingRead {
        long count(int n) throws Exception;
    }

    /**
     * Appends {@code batches} batches of 10 events on a thread of its own, the clock a second further after each (a
     * write of the pending sums every 5 batches), while reading with {@code read} until it ends: every read sees
     * whole batches, at least what was acknowledged before it began and what the read before it saw.
     */
    private void readWhileAppending(SqliteStore store, int batches, BatchEvent eventOf, CountingRead read)
            throws Exception {
        AtomicLong acknowledged = new AtomicLong();
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Thread writer = new Thread(() -> {
            try {
                for (int b = 0; b < batches; b++) {
                    List<LedgerEntry> batch = new ArrayList<>();
                    for (int i = 0; i < 10; i++) {
                        batch.add(eventOf.of(b, i));
                    }
                    store.append(batch);
                    acknowledged.addAndGet(10);
                    now.set(now.get().plusSeconds(1));
                }
            } catch (Throwable e) {
                failed.set(e);
            }
        });
        writer.start();
        long last = 0;
        int reads = 0;
        do {
            long before = acknowledged.get();
            long seen = read.count(reads++);
            long after = acknowledged.get();
            assertThat(seen).as("events seen by one read").isBetween(Math.max(before, last), after + 10)
                    .matches(n -> n % 10 == 0, "whole batches");
            last = seen;
        } while (writer.isAlive());
        writer.join();
        assertThat(failed.get()).isNull();
    }

    @Test
    void deleteEventsReceivedBefore_writesThePendingRollupsFirst_soACrashAfterwardsLosesNothing() throws Exception {
        SqliteStore store = open("retention.db");
        store.append(List.of(event("old1").received(T0.minusSeconds(10)).build(),
                event("old2").received(T0.minusSeconds(10)).build()));
        assertThat(fileRequests(store, Window.MONTH)).isZero(); // pending

        assertThat(store.deleteEventsReceivedBefore(T0)).isEqualTo(2);
        store.dataSource().close(); // dies without a flush at close

        try (SqliteStore reopened = open("retention.db")) {
            assertThat(reopened.countEvents()).isZero();
            assertThat(fileRequests(reopened, Window.MONTH)).isEqualTo(2);
            assertThat(onlyRow(reopened.rollups("acme", Window.MONTH, Instant.EPOCH, FAR_FUTURE)).counts()
                    .requests()).isEqualTo(2);
        }
    }

    @Test
    void open_storeOfSchemaVersion7_foldsTheMinutesItLacked_once() throws Exception {
        try (SqliteStore store = open("v7.db")) {
            batches().forEach(store::append);
        }
        List<String> expected = fileRows("v7.db");
        // As version 7 left a crash: minute rows missing after its minute watermark, the other grains complete.
        try (Connection c = connect("v7.db"); Statement s = c.createStatement()) {
            s.execute("DELETE FROM usage_rollup WHERE grain = 'minute'");
            s.execute("DELETE FROM usage_rollup_metric WHERE grain = 'minute'");
            s.execute("INSERT INTO settings (name, value) VALUES ('" + DeferredRollups.MINUTE_WATERMARK_V7 + "', '0')");
        }
        assertThat(fileRows("v7.db")).isNotEqualTo(expected);
        try (SqliteStore reopened = open("v7.db")) {
            assertThat(fileRows("v7.db")).isEqualTo(expected);
            assertThat(reopened.setting(DeferredRollups.MINUTE_WATERMARK_V7)).isEmpty();
        }
    }

    @Test
    void append_thatWouldOverflowAWrittenRollup_isRefusedBeforeItIsAcknowledged_andLaterBatchesStillCommit()
            throws Exception {
        try (SqliteStore store = open("overflow.db")) {
            store.append(List.of(event("big").costNanos(Long.MAX_VALUE - 10).build()));
            now.set(T0.plus(DeferredRollups.MAX_DELAY));
            store.append(List.of(event("other").customer("globex").build())); // writes big's rows
            assertThat(fileRequests(store, Window.MONTH)).isEqualTo(2);

            assertThatThrownBy(() -> store.append(List.of(event("e1").costNanos(100).build())))
                    .hasMessageContaining("would exceed the largest sum");

            now.set(T0.plus(DeferredRollups.MAX_DELAY.multipliedBy(2)));
            assertThat(store.append(List.of(event("e2").costNanos(10).build(), event("e3").customer("globex")
                    .build()))).containsExactly(true, true);
            now.set(T0.plus(DeferredRollups.MAX_DELAY.multipliedBy(3)));
            store.append(List.of(event("e4").customer("globex").build())); // writes e2, e3 and itself
            assertThat(fileRequests(store, Window.MONTH)).isEqualTo(5);
            assertThat(store.countEvents()).isEqualTo(5);
            assertThat(store.rollups("acme", Window.MONTH, Instant.EPOCH, FAR_FUTURE)).singleElement()
                    .satisfies(r -> assertThat(r.counts().costNanos()).isEqualTo(Long.MAX_VALUE));
        }
    }

    private static long total(SqliteStore store, Window grain) {
        return store.rollups(null, grain, Instant.EPOCH, FAR_FUTURE).stream()
                .mapToLong(r -> r.counts().requests()).sum();
    }

    /** The requests of every row of a grain in the file, read past the store's pending increments. */
    private static long fileRequests(SqliteStore store, Window grain) throws SQLException {
        try (Connection c = store.dataSource().getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT COALESCE(SUM(requests), 0) FROM usage_rollup "
                     + "WHERE grain = '" + grain.wireName() + "'")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private Connection connect(String name) throws SQLException {
        return DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(name));
    }

    /** Every row of the three rollup tables in a file, as text, in key order. */
    private List<String> fileRows(String name) throws SQLException {
        List<String> rows = new ArrayList<>();
        for (String table : List.of("usage_rollup", "usage_rollup_metric", "latency_rollup")) {
            try (Connection c = connect(name); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT * FROM " + table + " ORDER BY 1, 2, 3, 4")) {
                int columns = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    StringBuilder row = new StringBuilder(table);
                    for (int i = 1; i <= columns; i++) {
                        row.append('|').append(rs.getString(i));
                    }
                    rows.add(row.toString());
                }
            }
        }
        rows.sort(null);
        return rows;
    }

    private static void execute(SqliteStore store, String sql) throws SQLException {
        try (Connection c = store.dataSource().getConnection(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static RollupRow onlyRow(List<RollupRow> rows) {
        assertThat(rows).hasSize(1);
        return rows.get(0);
    }
}
