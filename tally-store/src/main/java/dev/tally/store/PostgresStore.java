package dev.tally.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.tally.core.store.StoreException;
import org.postgresql.Driver;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Properties;
import java.util.function.LongConsumer;

/**
 * The store for several Tally servers sharing one PostgreSQL database.
 *
 * <p>The URL's {@code currentSchema} is honoured: the first schema named there is created if missing and
 * migrated, and every statement runs in it. {@code reWriteBatchedInserts} is refused: it folds a batch into one
 * multi-row statement whose single update count hides which event ids were duplicates.
 *
 * <p>Rollups are written behind the acknowledgement from a queue in the database ({@link QueuedRollups}): every
 * node runs a roller thread ({@link RollupRoller}), and one pass runs at a time across the nodes.
 */
public final class PostgresStore extends JdbcStore {
    /** Connections per server; appends are short transactions, so a few carry a server's ingest. */
    static final int POOL_SIZE = 10;
    /** Longest wait for a pooled connection: the first thing an unreachable database makes requests wait for. */
    static final long CONNECTION_TIMEOUT_MILLIS = 2_000;
    /** Longest TCP connect to the database. */
    static final int CONNECT_TIMEOUT_SECONDS = 2;
    /** Longest check that a pooled connection still works. */
    static final long VALIDATION_TIMEOUT_MILLIS = 1_000;
    /**
     * Longest wait for the answer to one statement on the serving pool: far above any statement's normal time (the
     * largest retention chunk, a month report), low enough that a database gone silent frees the connection.
     */
    static final int SOCKET_TIMEOUT_SECONDS = 30;

    private final String jdbcUrl;

    private PostgresStore(HikariDataSource dataSource, String jdbcUrl, InstantSource clock, int retentionChunkRows) {
        super(dataSource, SqlDialect.POSTGRESQL, clock, retentionChunkRows);
        this.jdbcUrl = jdbcUrl;
    }

    /** NOTIFY is transactional: listeners hear of the change when (and only if) it commits. */
    @Override
    void announceChange(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("SELECT pg_notify('" + ChangeListener.CHANNEL + "', current_schema())");
        }
    }

    @Override
    public AutoCloseable listenForChanges(LongConsumer onChange) {
        return new ChangeListener(this::dedicatedConnection, onChange);
    }

    /** A connection of its own, outside the pool, for a LISTEN held as long as the node runs. */
    private Connection dedicatedConnection() {
        try {
            Connection c = new Driver().connect(jdbcUrl, new Properties());
            if (c == null) {
                throw new IllegalStateException("the PostgreSQL driver refused the URL");
            }
            return c;
        } catch (SQLException e) {
            throw new StoreException("connecting to listen for configuration changes failed: " + e.getMessage(), e);
        }
    }

    /**
     * A session-level advisory lock on a connection held for the run: if another node holds it, the job is skipped
     * here (that node is running it). The key includes the schema, so installations in different schemas of one
     * database do not exclude each other.
     */
    @Override
    public boolean runExclusively(String job, Runnable work) {
        try (Connection c = dataSource().getConnection()) {
            if (!advisory(c, "pg_try_advisory_lock", job)) {
                return false;
            }
            try {
                work.run();
                return true;
            } finally {
                advisory(c, "pg_advisory_unlock", job);
            }
        } catch (SQLException e) {
            throw new StoreException("locking job " + job + " failed: " + e.getMessage(), e);
        }
    }

    private static boolean advisory(Connection c, String function, String job) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT " + function + "(hashtext(current_schema() || '/' || ?))")) {
            ps.setString(1, job);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    /**
     * Opens (migrating as needed) the store at a {@code jdbc:postgresql:} URL.
     *
     * @throws IllegalArgumentException if the URL is not a PostgreSQL URL or turns on reWriteBatchedInserts
     */
    public static PostgresStore open(String jdbcUrl, InstantSource clock) {
        return open(jdbcUrl, clock, Retention.DEFAULT_CHUNK_ROWS, RollupRoller.DEFAULT_EVERY);
    }

    static PostgresStore open(String jdbcUrl, InstantSource clock, int retentionChunkRows) {
        return open(jdbcUrl, clock, retentionChunkRows, RollupRoller.DEFAULT_EVERY);
    }

    /**
     * Opens the store; its roller passes every {@code rollEvery}, or never if it is null (tests that roll by hand
     * with {@link #rollQueued()}).
     */
    static PostgresStore open(String jdbcUrl, InstantSource clock, int retentionChunkRows, Duration rollEvery) {
        Properties url = Driver.parseURL(jdbcUrl, null);
        if (url == null) {
            throw new IllegalArgumentException("not a PostgreSQL JDBC URL (jdbc:postgresql://host/db): "
                    + Stores.redacted(jdbcUrl));
        }
        if (Boolean.parseBoolean(url.getProperty("reWriteBatchedInserts"))) {
            throw new IllegalArgumentException("reWriteBatchedInserts must be off: duplicate events are detected "
                    + "by per-row update counts, which rewritten batches do not report");
        }
        // Migrations may run statements longer than the serving pool's socket timeout (an index on a large table):
        // they get their own pool without one, closed once they are done. Flyway holds two connections at once
        // (its lock and the migration).
        JdbcStore.migrated(pool(jdbcUrl, url, "tally-postgresql-migrations", 3, 0), SqlDialect.POSTGRESQL,
                schema(url)).close();
        PostgresStore store = new PostgresStore(pool(jdbcUrl, url, "tally-postgresql", POOL_SIZE,
                SOCKET_TIMEOUT_SECONDS), jdbcUrl, clock, retentionChunkRows);
        try {
            store.abandonStaleReratings();
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
        if (rollEvery != null) {
            store.startRolling(rollEvery);
        }
        return store;
    }

    /** The first schema of {@code currentSchema}, or null if the URL names none. */
    private static String schema(Properties url) {
        String schemas = url.getProperty("currentSchema");
        if (schemas == null || schemas.isBlank()) {
            return null;
        }
        return schemas.split(",")[0].trim();
    }

    /**
     * A pool with short timeouts, so that an unreachable database makes requests fail within seconds instead of
     * hanging (before, about 25 s each, {@code /health} included): a connection is waited for at most
     * {@value #CONNECTION_TIMEOUT_MILLIS} ms, a TCP connect {@value #CONNECT_TIMEOUT_SECONDS} s, a validation
     * {@value #VALIDATION_TIMEOUT_MILLIS} ms, and a statement's answer {@code socketTimeoutSeconds} (0: no limit).
     * A timeout the URL sets itself wins.
     *
     * <p>Sessions run with PostgreSQL's JIT off ({@code options=-c jit=off}, unless the URL sets {@code options}
     * itself). Why: the planner prices a roller pass's read back and its upserts, arrays of thousands of rows, far
     * above {@code jit_above_cost}, and the JIT then compiles each of them anew on every execution: on PostgreSQL 15
     * here, reading 10 events back by seq took 3.6-4.8 ms with the JIT (3-4 ms of it compiling) against 0.56 ms
     * without, and 100,000 events 71-77 ms against 58-61. So a pass of a quiet node cost several milliseconds of
     * compiling per statement. Tally's statements are short; none is the long analytical scan JIT pays off for.
     */
    static HikariDataSource pool(String jdbcUrl, Properties url, String name, int size, int socketTimeoutSeconds) {
        HikariConfig config = new HikariConfig();
        config.setPoolName(name);
        config.setJdbcUrl(jdbcUrl);
        config.setMaximumPoolSize(size);
        config.setConnectionTimeout(CONNECTION_TIMEOUT_MILLIS);
        config.setValidationTimeout(VALIDATION_TIMEOUT_MILLIS);
        if (url.getProperty("connectTimeout") == null) {
            config.addDataSourceProperty("connectTimeout", String.valueOf(CONNECT_TIMEOUT_SECONDS));
        }
        if (url.getProperty("socketTimeout") == null) {
            config.addDataSourceProperty("socketTimeout", String.valueOf(socketTimeoutSeconds));
        }
        if (url.getProperty("options") == null) {
            config.addDataSourceProperty("options", "-c jit=off");
        }
        return new HikariDataSource(config);
    }
}
