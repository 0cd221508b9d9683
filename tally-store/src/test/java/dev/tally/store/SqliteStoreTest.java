package dev.tally.store;

import dev.tally.core.event.LedgerEntry;
import dev.tally.core.period.Window;
import dev.tally.core.rollup.RollupCounts;
import dev.tally.core.rollup.RollupDimension;
import dev.tally.core.rollup.RollupRow;
import dev.tally.core.store.TallyStore;
import dev.tally.core.store.TallyStoreContract;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static dev.tally.core.store.LedgerFixtures.T0;
import static dev.tally.core.store.LedgerFixtures.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Runs the store contract on a SQLite file in a fresh directory, plus what is particular to SQLite. */
class SqliteStoreTest extends TallyStoreContract {
    @TempDir
    Path dir;

    @Override
    protected TallyStore openEmptyStore() {
        return Stores.sqliteFile(dir.resolve("data"));
    }

    @Override
    protected TallyStore openSameStorage() {
        return Stores.sqliteFile(dir.resolve("data"));
    }

    @Override
    protected String expectedBackend() {
        return "sqlite";
    }

    @Test
    void sqliteFile_missingDirectory_createsItAndTheFile() {
        assertThat(dir.resolve("data").resolve(SqliteStore.FILE_NAME)).isRegularFile();
    }

    @Test
    void open_existingFile_runsMigrationsIdempotentlyAndKeepsData() throws Exception {
        store().putSetting("s", "v");
        long applied = query("SELECT COUNT(*) FROM flyway_schema_history WHERE success = 1");

        reopen();
        reopen();

        assertThat(store().setting("s")).contains("v");
        // Every migration ran once, on the first open; reopening applies none again.
        assertThat(applied).isGreaterThanOrEqualTo(1);
        assertThat(query("SELECT COUNT(*) FROM flyway_schema_history WHERE success = 1")).isEqualTo(applied);
    }

    @Test
    void connections_pragmas_walFullSyncBusyTimeoutAndCheckpointSize() throws Exception {
        assertThat(queryText("PRAGMA journal_mode")).isEqualTo("wal");
        assertThat(query("PRAGMA synchronous")).isEqualTo(2);
        assertThat(query("PRAGMA busy_timeout")).isEqualTo(SqliteStore.BUSY_TIMEOUT_MS);
        assertThat(query("PRAGMA wal_autocheckpoint")).isEqualTo((long) SqliteStore.WAL_CHECKPOINT_PAGES);
        assertThat(query("PRAGMA journal_size_limit")).isEqualTo(SqliteStore.WAL_SIZE_LIMIT_BYTES);
    }

    @Test
    void open_inMemoryUrl_isRefused() {
        assertThatThrownBy(() -> Stores.open("jdbc:sqlite::memory:")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("file");
    }

    @Test
    void open_unknownUrl_isRefusedWithoutShowingParameters() {
        assertThatThrownBy(() -> Stores.open("jdbc:mysql://db/tally?password=secret"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("jdbc:sqlite:").hasMessageNotContaining("secret");
    }

    @Test
    void open_urlOfSqliteFile_choosesSqlite() {
        try (TallyStore other = Stores.open("jdbc:sqlite:" + dir.resolve("other.db"))) {
            assertThat(other).isInstanceOf(SqliteStore.class);
        }
    }

    @Test
    void append_failureInTheLastUpsert_leavesNothing() throws Exception {
        execute("CREATE TRIGGER fail BEFORE INSERT ON latency_rollup WHEN NEW.bucket = 7 "
                + "BEGIN SELECT RAISE(ABORT, 'forced'); END");

        assertThatThrownBy(() -> store().append(List.of(event("e1").build(), event("e2").latencyMs(7L).build())))
                .hasMessageContaining("forced");

        assertThat(store().countEvents()).isZero();
        assertThat(store().rollups(null, Window.MINUTE, Instant.EPOCH, T0.plusSeconds(60))).isEmpty();
        assertThat(store().latencyHistogram("acme", Instant.EPOCH, T0.plusSeconds(86_400))).isEmpty();
    }

    @Test
    void deleteEventsReceivedBefore_manyChunks_removesEveryOldEvent() {
        try (SqliteStore small = SqliteStore.open("jdbc:sqlite:" + dir.resolve("chunks.db"), InstantSource.system(),
                3)) {
            List<LedgerEntry> entries = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                entries.add(event("old" + i).received(T0.minusSeconds(100 - i)).build());
            }
            small.append(entries);
            small.append(List.of(event("new").received(T0).build()));

            assertThat(small.deleteEventsReceivedBefore(T0)).isEqualTo(10);
            assertThat(small.countEvents()).isEqualTo(1);
        }
    }

    @Test
    void minuteRollups_pendingWhenTheProcessDies_areFoldedInFromTheLedgerOnTheNextOpen() throws Exception {
        String url = "jdbc:sqlite:" + dir.resolve("crash.db");
        AtomicReference<Instant> now = new AtomicReference<>(T0);
        SqliteStore crashed = SqliteStore.open(url, now::get, Retention.DEFAULT_CHUNK_ROWS);
        crashed.append(List.of(event("a1").build(), event("a2").provider("anthropic").build()));
        now.set(T0.plus(DeferredMinuteRollups.MAX_DELAY)); // due: the next transaction writes what is pending
        crashed.append(List.of(event("b1").costNanos(7).build(), event("a1").build())); // a1 again: a duplicate
        crashed.append(List.of(event("c1").unpriced("characters").status(500).build()));

        // In the file: the first two batches' minute rows; the third batch's wait in memory.
        assertThat(minuteRequests(crashed)).isEqualTo(3);
        crashed.dataSource().close(); // the process dies: no flush at close

        try (SqliteStore reopened = SqliteStore.open(url, now::get, Retention.DEFAULT_CHUNK_ROWS)) {
            assertThat(minuteRequests(reopened)).isEqualTo(4);
            List<RollupRow> rows = reopened.rollups("acme", Window.MINUTE, Instant.EPOCH, T0.plusSeconds(3600));
            RollupCounts sum = new RollupCounts();
            rows.forEach(r -> sum.add(r.counts()));
            List<RollupRow> hours = reopened.rollups("acme", Window.HOUR, Instant.EPOCH, T0.plusSeconds(3600));
            RollupCounts hourSum = new RollupCounts();
            hours.forEach(r -> hourSum.add(r.counts()));
            // The minute rows sum exactly what the hour rows, written with the events, sum.
            assertThat(sum).usingRecursiveComparison().isEqualTo(hourSum);
            assertThat(sum.requests()).isEqualTo(4);
            assertThat(sum.errors()).isEqualTo(1);
            assertThat(sum.unpriced()).isEqualTo(1);
        }
        // Opening again folds in nothing twice.
        try (SqliteStore again = SqliteStore.open(url, now::get, Retention.DEFAULT_CHUNK_ROWS)) {
            assertThat(minuteRequests(again)).isEqualTo(4);
        }
    }

    @Test
    void minuteRollups_ofARolledBackBatch_areNeverWritten() throws Exception {
        AtomicReference<Instant> now = new AtomicReference<>(T0);
        try (SqliteStore store = SqliteStore.open("jdbc:sqlite:" + dir.resolve("rollback.db"), now::get,
                Retention.DEFAULT_CHUNK_ROWS)) {
            store.append(List.of(event("ok1").build()));
            executeOn(store, "CREATE TRIGGER fail BEFORE INSERT ON latency_rollup WHEN NEW.bucket = 7 "
                    + "BEGIN SELECT RAISE(ABORT, 'forced'); END");
            now.set(T0.plus(DeferredMinuteRollups.MAX_DELAY)); // the failing batch would also write ok1's rows
            assertThatThrownBy(() -> store.append(List.of(event("bad").latencyMs(7L).build())))
                    .hasMessageContaining("forced");
            store.append(List.of(event("ok2").build()));

            assertThat(minuteRequests(store)).isEqualTo(2);
            assertThat(onlyRow(store.rollups("acme", Window.MINUTE, Instant.EPOCH, T0.plusSeconds(60)))
                    .counts().requests()).isEqualTo(2);
        }
    }

    @Test
    void minuteReads_withIncrementsPending_addThemWithoutWritingAnything() throws Exception {
        AtomicReference<Instant> now = new AtomicReference<>(T0);
        try (SqliteStore store = SqliteStore.open("jdbc:sqlite:" + dir.resolve("merge.db"), now::get,
                Retention.DEFAULT_CHUNK_ROWS)) {
            store.append(List.of(event("a1").build(), event("a2").model("other").build()));
            now.set(T0.plus(DeferredMinuteRollups.MAX_DELAY));
            store.append(List.of(event("b1").build(), event("b2").customer("globex").build())); // writes a1..b2
            store.append(List.of(event("c1").build(), event("c2").at(T0.plusSeconds(60)).build())); // pending

            assertThat(minuteRequests(store)).isEqualTo(4);
            Instant m0 = T0.truncatedTo(java.time.temporal.ChronoUnit.MINUTES);
            List<RollupRow> acme = store.rollups("acme", Window.MINUTE, Instant.EPOCH, T0.plusSeconds(3600));
            assertThat(acme).extracting(r -> r.key().model() + "@" + r.key().bucketStart() + "="
                    + r.counts().requests()).containsExactly("gpt-4o@" + m0 + "=3", "other@" + m0 + "=1",
                    "gpt-4o@" + m0.plusSeconds(60) + "=1");
            assertThat(store.rollups(null, Window.MINUTE, m0, m0.plusSeconds(60)))
                    .extracting(r -> r.key().customerId() + "=" + r.counts().requests())
                    .containsExactly("acme=3", "acme=1", "globex=1");
            assertThat(store.rollupTotalsByBucket("acme", Window.MINUTE, Instant.EPOCH, T0.plusSeconds(3600)))
                    .extracting(r -> r.counts().requests()).containsExactly(4L, 1L);
            assertThat(store.rollupSums(Window.MINUTE, m0, m0.plusSeconds(120), EnumSet.of(RollupDimension.MODEL)))
                    .extracting(r -> r.key().customerId() + "/" + r.key().model() + "/" + r.key().provider() + "@"
                            + (r.key().bucketStart().getEpochSecond() - m0.getEpochSecond()) + "="
                            + r.counts().requests())
                    .containsExactly("acme/gpt-4o/@0=3", "acme/other/@0=1", "acme/gpt-4o/@60=1",
                            "globex/gpt-4o/@0=1");
            // Reading wrote nothing: the pending increments are still only in memory.
            assertThat(minuteRequests(store)).isEqualTo(4);
        }
    }

    @Test
    void minuteReads_whileBatchesCommitAndIncrementsAreWritten_seeEveryEventOnce() throws Exception {
        AtomicReference<Instant> now = new AtomicReference<>(T0);
        int batches = 300;
        AtomicLong acknowledged = new AtomicLong();
        try (SqliteStore store = SqliteStore.open("jdbc:sqlite:" + dir.resolve("race.db"), now::get,
                Retention.DEFAULT_CHUNK_ROWS)) {
            AtomicReference<Throwable> failed = new AtomicReference<>();
            Thread writer = new Thread(() -> {
                try {
                    for (int b = 0; b < batches; b++) {
                        List<LedgerEntry> batch = new ArrayList<>();
                        for (int i = 0; i < 10; i++) {
                            batch.add(event("e" + b + "-" + i).endpoint("/e" + (i % 3)).build());
                        }
                        store.append(batch);
                        acknowledged.addAndGet(10);
                        now.set(now.get().plusSeconds(1)); // a write of the pending increments every 5 batches
                    }
                } catch (Throwable e) {
                    failed.set(e);
                }
            });
            writer.start();
            long last = 0;
            do {
                long before = acknowledged.get();
                long seen = minuteTotal(store);
                long after = acknowledged.get();
                assertThat(seen).as("events seen by one read").isBetween(Math.max(before, last), after + 10)
                        .matches(n -> n % 10 == 0, "whole batches");
                last = seen;
            } while (writer.isAlive());
            writer.join();
            assertThat(failed.get()).isNull();
            last = minuteTotal(store);
            assertThat(last).isEqualTo(10L * batches);
        }
    }

    private static long minuteTotal(SqliteStore store) {
        return store.rollups(null, Window.MINUTE, Instant.EPOCH, T0.plusSeconds(3600)).stream()
                .mapToLong(r -> r.counts().requests()).sum();
    }

    /** The requests of every minute row in the file, read past the store's pending increments. */
    private static long minuteRequests(SqliteStore store) throws SQLException {
        try (Connection c = store.dataSource().getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT COALESCE(SUM(requests), 0) FROM usage_rollup "
                     + "WHERE grain = 'minute'")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void executeOn(SqliteStore store, String sql) throws SQLException {
        try (Connection c = store.dataSource().getConnection(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static RollupRow onlyRow(List<RollupRow> rows) {
        assertThat(rows).hasSize(1);
        return rows.get(0);
    }

    @Test
    void dataDirectory_afterOpen_holdsOnlyTheDatabaseFiles() throws Exception {
        try (var files = Files.list(dir.resolve("data"))) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .allMatch(name -> name.startsWith(SqliteStore.FILE_NAME));
        }
    }

    private long query(String sql) throws SQLException {
        try (Connection c = ((JdbcStore) store()).dataSource().getConnection();
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private String queryText(String sql) throws SQLException {
        try (Connection c = ((JdbcStore) store()).dataSource().getConnection();
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private void execute(String sql) throws SQLException {
        try (Connection c = ((JdbcStore) store()).dataSource().getConnection(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
