package dev.tally.store;

import com.zaxxer.hikari.metrics.MetricsTrackerFactory;
import dev.tally.core.persistence.TallyStore;

import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;

/** Opens a {@link TallyStore}: the one entry point the server uses, choosing the adapter by JDBC URL. */
public final class Stores {
    private Stores() {
    }

    /** Opens the store at a {@code jdbc:sqlite:} or {@code jdbc:postgresql:} URL, migrating it as needed. */
    public static TallyStore open(String jdbcUrl) {
        return open(jdbcUrl, InstantSource.system());
    }

    /**
     * Opens the store at a JDBC URL with a clock for the times it stamps itself (catalog updates, revocations).
     *
     * @throws IllegalArgumentException if the URL names no supported database
     */
    public static TallyStore open(String jdbcUrl, InstantSource clock) {
        return open(jdbcUrl, clock, RollupRoller.DEFAULT_EVERY);
    }

    /**
     * Like {@link #open(String, InstantSource)}; on PostgreSQL the roller passes every {@code rollupInterval} (SQLite
     * writes its rollups behind the events on its own schedule and ignores it).
     */
    public static TallyStore open(String jdbcUrl, InstantSource clock, Duration rollupInterval) {
        if (jdbcUrl.startsWith("jdbc:sqlite:")) {
            return SqliteStore.open(jdbcUrl, clock);
        }
        if (jdbcUrl.startsWith("jdbc:postgresql:")) {
            return PostgresStore.open(jdbcUrl, clock, Retention.DEFAULT_CHUNK_ROWS, rollupInterval);
        }
        throw new IllegalArgumentException(
                "the store URL must start with jdbc:sqlite: or jdbc:postgresql:, was " + redacted(jdbcUrl));
    }

    /** Opens the embedded store in {@code dataDir/tally.db}, creating the directory and the file as needed. */
    public static TallyStore sqliteFile(Path dataDir) {
        return SqliteStore.open(dataDir);
    }

    /** Like {@link #sqliteFile(Path)}, with a clock for the times the store stamps itself. */
    public static TallyStore sqliteFile(Path dataDir, InstantSource clock) {
        return SqliteStore.open(dataDir, clock);
    }

    /**
     * Lets the connection pool of a store opened here report to {@code metrics} (connections active, idle, pending;
     * time to acquire one; timeouts). Call it once, right after opening.
     *
     * @return false if {@code store} was not opened here (a test's wrapper), which then reports nothing
     */
    public static boolean trackPool(TallyStore store, MetricsTrackerFactory metrics) {
        if (store instanceof JdbcStore jdbc) {
            jdbc.dataSource().setMetricsTrackerFactory(metrics);
            return true;
        }
        return false;
    }

    /**
     * How long the oldest committed events have waited for their increments to reach the rollup tables, in
     * milliseconds: under a few seconds on SQLite (rollups are written behind the events from memory), about a
     * fifth of a second on PostgreSQL (from a queue in the database, which any node rolls up), 0 for stores not
     * opened here.
     */
    public static long rollupLagMillis(TallyStore store) {
        return store instanceof JdbcStore jdbc ? jdbc.rollupLagMillis() : 0;
    }

    /** The URL up to its parameters, which may hold a password. */
    static String redacted(String jdbcUrl) {
        int query = jdbcUrl.indexOf('?');
        return query < 0 ? jdbcUrl : jdbcUrl.substring(0, query) + "?...";
    }
}
