package dev.tally.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * An empty place for a benchmark's store: a new SQLite file in a temporary directory, or a new schema in the local
 * PostgreSQL. Closing it removes the directory or drops the schema, unless asked to keep it. (Or, for re-measuring,
 * an existing SQLite store that is always kept.)
 */
final class FreshStore implements AutoCloseable {
    /** The PostgreSQL the benchmarks use; {@code TALLY_BENCH_POSTGRES_URL} overrides it. Loopback only. */
    static final String POSTGRES_BASE_URL = System.getenv().getOrDefault("TALLY_BENCH_POSTGRES_URL",
            "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");

    private final String kind;
    private final Path dir;
    private final String schema;
    private final String url;
    private boolean keep;

    private FreshStore(String kind, Path dir, String schema, String url) {
        this.kind = kind;
        this.dir = dir;
        this.schema = schema;
        this.url = url;
    }

    /** Creates a fresh SQLite directory or PostgreSQL schema; {@code kind} is {@code sqlite} or {@code postgres}. */
    static FreshStore create(String kind, String label) {
        try {
            Path dir = Files.createTempDirectory("tally-bench-" + label);
            switch (kind) {
                case "sqlite":
                    return new FreshStore(kind, dir, null, "jdbc:sqlite:" + dir.resolve("tally.db").toAbsolutePath());
                case "postgres":
                    String schema = ("bench_" + label + "_" + Long.toString(System.nanoTime(), 36))
                            .toLowerCase(Locale.ROOT);
                    execute("CREATE SCHEMA " + schema);
                    return new FreshStore(kind, dir, schema, POSTGRES_BASE_URL + "&currentSchema=" + schema);
                default:
                    throw new IllegalArgumentException("--store must be sqlite or postgres, was " + kind);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An existing SQLite store in {@code dir} (from an earlier run), which {@link #close()} leaves in place. */
    static FreshStore existingSqlite(Path dir) {
        if (!Files.isRegularFile(dir.resolve("tally.db"))) {
            throw new IllegalArgumentException("no tally.db in " + dir);
        }
        FreshStore store = new FreshStore("sqlite", dir, null,
                "jdbc:sqlite:" + dir.resolve("tally.db").toAbsolutePath());
        store.keep = true;
        return store;
    }

    String kind() {
        return kind;
    }

    boolean isSqlite() {
        return schema == null;
    }

    /** The JDBC URL of the store. */
    String url() {
        return url;
    }

    /** The data directory (holds the SQLite file; empty for PostgreSQL). */
    Path dir() {
        return dir;
    }

    /** Keeps the files or schema after {@link #close()}, e.g. to look at them. */
    void keep() {
        this.keep = true;
    }

    /** Bytes on disk: the SQLite file with its WAL, or every relation of the schema with its indexes. */
    long sizeBytes() {
        if (isSqlite()) {
            try (Stream<Path> files = Files.list(dir)) {
                return files.mapToLong(p -> p.toFile().length()).sum();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        try (Connection c = DriverManager.getConnection(POSTGRES_BASE_URL);
             PreparedStatement ps = c.prepareStatement("SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0) "
                     + "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                     + "WHERE n.nspname = ? AND c.relkind IN ('r', 'm')")) {
            ps.setString(1, schema);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("measuring schema " + schema + " failed: " + e.getMessage(), e);
        }
    }

    /** Where the store is, for the report. */
    String describe() {
        return isSqlite() ? "SQLite " + dir.resolve("tally.db") : "PostgreSQL schema " + schema;
    }

    @Override
    public void close() {
        if (keep) {
            System.out.println("kept: " + describe());
            return;
        }
        if (!isSqlite()) {
            execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            System.err.println("could not remove " + dir + ": " + e.getMessage());
        }
    }

    private static void execute(String sql) {
        try (Connection c = DriverManager.getConnection(POSTGRES_BASE_URL); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("PostgreSQL at " + POSTGRES_BASE_URL + " failed on \"" + sql + "\": "
                    + e.getMessage(), e);
        }
    }
}
