package dev.tally.store;

import dev.tally.core.event.LedgerEntry;
import dev.tally.core.persistence.TallyStore;
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
import java.util.List;

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
