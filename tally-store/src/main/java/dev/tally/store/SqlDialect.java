package dev.tally.store;

import java.sql.SQLException;
import java.util.function.Predicate;

/**
 * What differs between the SQL databases Tally runs on. Deliberately little: the statements are shared (both speak
 * {@code INSERT ... ON CONFLICT}); the schema files, the backend's name, how rollup rows are shipped and the errors
 * worth a retry differ.
 */
enum SqlDialect {
    SQLITE("sqlite", true) {
        @Override
        RollupWriter rollupWriter() {
            return new SqliteRollupWriter();
        }

        @Override
        EventInserter eventInserter() {
            return new BatchedEventInserter();
        }

        @Override
        String containsText(String column) {
            return "instr(" + column + ", ?) > 0";
        }

        @Override
        String unforcedBefore() {
            // Set outside a transaction: SQLite refuses to change the safety level inside one.
            return "PRAGMA synchronous = NORMAL";
        }

        @Override
        String unforcedAfter() {
            return "PRAGMA synchronous = " + SqliteStore.SYNCHRONOUS.getValue();
        }

        @Override
        boolean isTransient(SQLException e) {
            // The in-process write lock serializes our own writers; SQLITE_BUSY (5) means another process held the
            // file past busy_timeout, which a retry may outlast.
            return anyInChain(e, s -> (s.getErrorCode() & 0xff) == 5);
        }
    },
    POSTGRESQL("postgresql", false) {
        @Override
        RollupWriter rollupWriter() {
            return new PostgresRollupWriter();
        }

        @Override
        EventInserter eventInserter() {
            return new ArrayEventInserter();
        }

        @Override
        String containsText(String column) {
            return "strpos(" + column + ", ?) > 0";
        }

        @Override
        String unforcedInside() {
            return "SET LOCAL synchronous_commit = off";
        }

        @Override
        boolean isTransient(SQLException e) {
            // 40P01 deadlock_detected, 40001 serialization_failure: the transaction was rolled back whole and may
            // simply be run again.
            return anyInChain(e, s -> "40P01".equals(s.getSQLState()) || "40001".equals(s.getSQLState()));
        }
    };

    private final String backend;
    private final boolean singleWriter;

    SqlDialect(String backend, boolean singleWriter) {
        this.backend = backend;
        this.singleWriter = singleWriter;
    }

    /** The short name used in logs and health, and as the folder of the dialect's migrations. */
    String backend() {
        return backend;
    }

    /** Whether the database takes one writer at a time, so that writers of this process should queue in memory. */
    boolean singleWriter() {
        return singleWriter;
    }

    /**
     * A statement run on a connection, outside a transaction, before a write whose commit need not be forced to disk
     * by itself ({@link Transactor#writeUnforced}); null for none.
     *
     * <p>Why that is safe for what uses it: SQLite in WAL mode with {@code synchronous=NORMAL} appends a commit's
     * pages to the WAL without syncing it, and still syncs the WAL before a checkpoint copies it into the database
     * (and the database before the WAL is reused). A later commit at {@code FULL} syncs the WAL file, which holds
     * every earlier commit's pages in order. So an unforced commit is lost on power loss only together with every
     * commit after it up to the next forced one, never alone; and a process that crashes loses nothing of it (the
     * pages are in the operating system's cache). PostgreSQL's {@code synchronous_commit = off} is the same: a later
     * synchronous commit waits for the WAL to be flushed up to its own record, past every earlier one.
     */
    String unforcedBefore() {
        return null;
    }

    /** The statement that puts the connection back to forced commits after {@link #unforcedBefore}; null for none. */
    String unforcedAfter() {
        return null;
    }

    /** A statement run first inside a write whose commit need not be forced to disk by itself; null for none. */
    String unforcedInside() {
        return null;
    }

    /** The Flyway location of this dialect's migrations. */
    String migrations() {
        return "classpath:db/migration/" + backend;
    }

    /** Whether rollups are written behind the acknowledging transactions from memory ({@link DeferredRollups}). */
    boolean defersRollups() {
        return singleWriter;
    }

    /**
     * A condition that {@code column} contains the text bound to its one parameter, case-sensitively (SQLite's LIKE
     * ignores ASCII case, so neither database's LIKE serves).
     */
    abstract String containsText(String column);

    /**
     * Whether rollups are written behind the acknowledging transactions from a queue in the database
     * ({@link QueuedRollups}), which several writing nodes share.
     */
    boolean queuesRollups() {
        return !singleWriter;
    }

    /** How this database takes rollup rows best (measured, see the implementations). */
    abstract RollupWriter rollupWriter();

    /** How this database takes raw events best (measured, see the implementations). */
    abstract EventInserter eventInserter();

    /** Whether a failed transaction was rolled back for a reason that running it again may avoid. */
    abstract boolean isTransient(SQLException e);

    /**
     * Whether any exception in the chain matches: a failed JDBC batch reports a generic BatchUpdateException and
     * chains the database's own error behind it.
     */
    private static boolean anyInChain(SQLException e, Predicate<SQLException> test) {
        for (Throwable t : e) {
            if (t instanceof SQLException s && test.test(s)) {
                return true;
            }
        }
        return false;
    }
}
