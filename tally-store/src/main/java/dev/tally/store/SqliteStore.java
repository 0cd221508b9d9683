package dev.tally.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.tally.core.store.StoreException;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;

/**
 * The embedded store: one SQLite file, the default when no database is configured.
 *
 * <p>Connection settings, and why:
 * <ul>
 *   <li>{@code journal_mode=WAL}: readers never block the writer nor the writer the readers.</li>
 *   <li>{@code synchronous=FULL}: the WAL is synced at every commit, so an acknowledged event survives a crash and a
 *       power loss ({@code NORMAL} may lose the last commits on power loss). Appends come in batches, so the fsync
 *       is paid once per batch, not per event.</li>
 *   <li>{@code wal_autocheckpoint=16384}, {@code journal_size_limit=64 MiB}: see {@link #WAL_CHECKPOINT_PAGES}.</li>
 *   <li>{@code busy_timeout=10s}: writers of this process queue on a lock in memory; the timeout covers other
 *       processes (a backup, the sqlite3 shell) holding the file.</li>
 *   <li>Transactions begin {@code IMMEDIATE}: a write transaction takes the file's write lock at its start, so it
 *       can never fail half-way because another writer got in between its read and its write.</li>
 *   <li>No foreign keys: usage and revoked keys outlive their customer by design, and limits belong to either a plan
 *       or a customer, so there is nothing for the database to enforce.</li>
 * </ul>
 */
public final class SqliteStore extends JdbcStore {
    private static final Logger LOG = LoggerFactory.getLogger(SqliteStore.class);
    /** The file {@link #open(Path)} creates in a data directory. */
    public static final String FILE_NAME = "tally.db";
    /** Connections: one writer at a time, the others serve concurrent reads (WAL). */
    static final int POOL_SIZE = 4;
    static final int BUSY_TIMEOUT_MS = 10_000;
    /** Every commit syncs the WAL (but a re-rating's staging and merge: {@link Transactor#writeUnforced}). */
    static final SQLiteConfig.SynchronousMode SYNCHRONOUS = SQLiteConfig.SynchronousMode.FULL;
    /** Page cache per connection, in KiB: room for the hot index pages of a busy ledger. */
    static final int CACHE_KIB = 32 * 1024;
    /**
     * WAL pages after which a commit copies the WAL back into the database file (SQLite's default is 1,000). A batch
     * of a few thousand events dirties more than 1,000 pages, so the default made nearly every commit a checkpoint too;
     * checkpointing every 64 MiB copies a hot page once for many commits instead of once per commit (the commit's share
     * of a batch's transaction fell from 28% to 14% in the profile).
     */
    static final int WAL_CHECKPOINT_PAGES = 16_384;
    /** The size the WAL file is cut back to after a checkpoint, so a burst does not leave a huge file behind. */
    static final long WAL_SIZE_LIMIT_BYTES = 64L * 1024 * 1024;

    private SqliteStore(HikariDataSource dataSource, InstantSource clock, int retentionChunkRows) {
        super(dataSource, SqlDialect.SQLITE, clock, retentionChunkRows);
    }

    /** Opens (creating and migrating as needed) the store in {@code dataDir/tally.db}, creating the directory. */
    public static SqliteStore open(Path dataDir) {
        return open(dataDir, InstantSource.system());
    }

    /** Like {@link #open(Path)}, with a clock for the times the store stamps itself. */
    public static SqliteStore open(Path dataDir, InstantSource clock) {
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new StoreException("cannot create the data directory " + dataDir + ": " + e.getMessage(), e);
        }
        return open("jdbc:sqlite:" + dataDir.resolve(FILE_NAME).toAbsolutePath(), clock);
    }

    /**
     * Opens (creating and migrating as needed) the store at a {@code jdbc:sqlite:} URL naming a file.
     *
     * @throws IllegalArgumentException for an in-memory database, which would be a different one per connection
     */
    public static SqliteStore open(String jdbcUrl, InstantSource clock) {
        return open(jdbcUrl, clock, Retention.DEFAULT_CHUNK_ROWS);
    }

    static SqliteStore open(String jdbcUrl, InstantSource clock, int retentionChunkRows) {
        if (!jdbcUrl.startsWith("jdbc:sqlite:")) {
            throw new IllegalArgumentException("a SQLite URL must start with jdbc:sqlite:, was " + jdbcUrl);
        }
        if (jdbcUrl.contains(":memory:") || jdbcUrl.contains("mode=memory")) {
            throw new IllegalArgumentException("the SQLite store needs a file, not an in-memory database: "
                    + jdbcUrl);
        }
        HikariDataSource pool = JdbcStore.migrated(pool(jdbcUrl), SqlDialect.SQLITE, null);
        SqliteStore store = new SqliteStore(pool, clock, retentionChunkRows);
        try {
            int folded = store.recoverRollups();
            if (folded > 0) {
                LOG.info("Folded {} events into the rollups that the last run had not written", folded);
            }
            store.abandonStaleReratings();
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
        return store;
    }

    private static HikariDataSource pool(String jdbcUrl) {
        SQLiteDataSource sqlite = new SQLiteDataSource(connectionConfig());
        sqlite.setUrl(jdbcUrl);
        HikariConfig config = new HikariConfig();
        config.setPoolName("tally-sqlite");
        config.setDataSource(sqlite);
        config.setMaximumPoolSize(POOL_SIZE);
        return new HikariDataSource(config);
    }

    private static SQLiteConfig connectionConfig() {
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setSynchronous(SYNCHRONOUS);
        config.setBusyTimeout(BUSY_TIMEOUT_MS);
        config.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
        config.setCacheSize(-CACHE_KIB);
        config.setTempStore(SQLiteConfig.TempStore.MEMORY);
        config.setPragma(SQLiteConfig.Pragma.WAL_AUTOCHECKPOINT, Integer.toString(WAL_CHECKPOINT_PAGES));
        config.setPragma(SQLiteConfig.Pragma.JOURNAL_SIZE_LIMIT, Long.toString(WAL_SIZE_LIMIT_BYTES));
        return config;
    }
}
