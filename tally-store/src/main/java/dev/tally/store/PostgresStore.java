package dev.tally.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.postgresql.Driver;

import java.time.InstantSource;
import java.util.Properties;

/**
 * The store for several Tally servers sharing one PostgreSQL database.
 *
 * <p>The URL's {@code currentSchema} is honoured: the first schema named there is created if missing and
 * migrated, and every statement runs in it. {@code reWriteBatchedInserts} is refused: it folds a batch into one
 * multi-row statement whose single update count hides which event ids were duplicates.
 */
public final class PostgresStore extends JdbcStore {
    /** Connections per server; appends are short transactions, so a few carry a server's ingest. */
    static final int POOL_SIZE = 10;

    private PostgresStore(HikariDataSource dataSource, InstantSource clock, int retentionChunkRows) {
        super(dataSource, SqlDialect.POSTGRESQL, clock, retentionChunkRows);
    }

    /**
     * Opens (migrating as needed) the store at a {@code jdbc:postgresql:} URL.
     *
     * @throws IllegalArgumentException if the URL is not a PostgreSQL URL or turns on reWriteBatchedInserts
     */
    public static PostgresStore open(String jdbcUrl, InstantSource clock) {
        return open(jdbcUrl, clock, Retention.DEFAULT_CHUNK_ROWS);
    }

    static PostgresStore open(String jdbcUrl, InstantSource clock, int retentionChunkRows) {
        Properties url = Driver.parseURL(jdbcUrl, null);
        if (url == null) {
            throw new IllegalArgumentException("not a PostgreSQL JDBC URL (jdbc:postgresql://host/db): "
                    + Stores.redacted(jdbcUrl));
        }
        if (Boolean.parseBoolean(url.getProperty("reWriteBatchedInserts"))) {
            throw new IllegalArgumentException("reWriteBatchedInserts must be off: duplicate events are detected "
                    + "by per-row update counts, which rewritten batches do not report");
        }
        HikariDataSource pool = JdbcStore.migrated(pool(jdbcUrl), SqlDialect.POSTGRESQL, schema(url));
        return new PostgresStore(pool, clock, retentionChunkRows);
    }

    /** The first schema of {@code currentSchema}, or null if the URL names none. */
    private static String schema(Properties url) {
        String schemas = url.getProperty("currentSchema");
        if (schemas == null || schemas.isBlank()) {
            return null;
        }
        return schemas.split(",")[0].trim();
    }

    private static HikariDataSource pool(String jdbcUrl) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("tally-postgresql");
        config.setJdbcUrl(jdbcUrl);
        config.setMaximumPoolSize(POOL_SIZE);
        return new HikariDataSource(config);
    }
}
