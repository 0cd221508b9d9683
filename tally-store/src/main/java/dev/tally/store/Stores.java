package dev.tally.store;

import dev.tally.core.store.TallyStore;

import java.nio.file.Path;
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
        if (jdbcUrl.startsWith("jdbc:sqlite:")) {
            return SqliteStore.open(jdbcUrl, clock);
        }
        if (jdbcUrl.startsWith("jdbc:postgresql:")) {
            return PostgresStore.open(jdbcUrl, clock);
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

    /** The URL up to its parameters, which may hold a password. */
    static String redacted(String jdbcUrl) {
        int query = jdbcUrl.indexOf('?');
        return query < 0 ? jdbcUrl : jdbcUrl.substring(0, query) + "?...";
    }
}
