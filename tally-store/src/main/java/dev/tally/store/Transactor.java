package dev.tally.store;

import dev.tally.core.store.StoreException;
import dev.tally.core.store.SumBoundException;

import com.zaxxer.hikari.HikariDataSource;
import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Runs units of SQL work on pooled connections: reads in autocommit mode, writes in one transaction each that is
 * committed whole or rolled back whole, with a few retries of transactions the database aborted transiently
 * (deadlocks, a busy file). Every failure leaves as a {@link StoreException} naming what was being done.
 */
final class Transactor {
    /** Attempts at a write the database aborted transiently; each attempt starts from a clean rollback. */
    static final int MAX_ATTEMPTS = 3;

    private final DataSource dataSource;
    private final SqlDialect dialect;
    private final Lock writeLock;

    Transactor(DataSource dataSource, SqlDialect dialect) {
        this.dataSource = dataSource;
        this.dialect = dialect;
        // SQLite has one writer per file. Queueing our writers on a lock is cheaper and fairer than letting them
        // poll the file lock through busy_timeout.
        this.writeLock = dialect.singleWriter() ? new ReentrantLock() : null;
    }

    /** A unit of work on one connection. */
    @FunctionalInterface
    interface Work<T> {
        T run(Connection connection) throws SQLException;

        /** Called right before the commit, under the store's write lock. Must not fail. */
        default void beforeCommit() {
        }

        /** Called after the transaction committed, still under the store's write lock. Must not fail. */
        default void committed() {
        }

        /** Called after the transaction was rolled back, still under the store's write lock. Must not fail. */
        default void rolledBack() {
        }
    }

    /** Runs read-only work; each statement sees its own consistent snapshot. */
    <T> T read(String what, Work<T> work) {
        try (Connection connection = dataSource.getConnection()) {
            return work.run(connection);
        } catch (SQLException | RuntimeException e) {
            throw failure(what, e);
        }
    }

    /**
     * Runs read-only work in one REPEATABLE READ transaction: every statement sees the same snapshot, so reads of
     * tables that another transaction changes together (PostgreSQL's rollups and their queue) agree.
     */
    <T> T snapshot(String what, Work<T> work) {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            try {
                T result = work.run(connection);
                connection.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(connection, e);
                throw e;
            } finally {
                connection.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
                restoreAutoCommit(connection, null);
            }
        } catch (SQLException | RuntimeException e) {
            throw failure(what, e);
        }
    }

    /** Runs work in one transaction: all of its writes are committed, or none is. */
    <T> T write(String what, Work<T> work) {
        return write(what, work, false);
    }

    /**
     * Runs work in one transaction whose commit is not forced to disk by itself ({@link SqlDialect#unforcedBefore}):
     * it is atomic as any other, and durable once any later write commits (the WAL is written in order, and a forced
     * commit flushes all of it up to its own). For work that a crash may lose whole without harm until a forced
     * commit follows it: a re-rating's staged pages before its switch, and its merge after it.
     */
    <T> T writeUnforced(String what, Work<T> work) {
        return write(what, work, true);
    }

    private <T> T write(String what, Work<T> work, boolean unforced) {
        for (int attempt = 1; ; attempt++) {
            try {
                return writeOnce(work, unforced);
            } catch (SQLException e) {
                if (attempt >= MAX_ATTEMPTS || !dialect.isTransient(e)) {
                    throw failure(what, e);
                }
            } catch (RuntimeException e) {
                throw failure(what, e);
            }
        }
    }

    private <T> T writeOnce(Work<T> work, boolean unforced) throws SQLException {
        lockWriters();
        try (Connection connection = dataSource.getConnection()) {
            if (unforced && dialect.unforcedBefore() != null) {
                execute(connection, dialect.unforcedBefore());
            }
            try {
                return transaction(connection, work, unforced);
            } finally {
                if (unforced && dialect.unforcedAfter() != null) {
                    restoreForced(connection);
                }
            }
        } finally {
            unlockWriters();
        }
    }

    private <T> T transaction(Connection connection, Work<T> work, boolean unforced) throws SQLException {
        connection.setAutoCommit(false);
        T result;
        try {
            if (unforced && dialect.unforcedInside() != null) {
                execute(connection, dialect.unforcedInside());
            }
            result = work.run(connection);
            work.beforeCommit();
            connection.commit();
        } catch (SQLException | RuntimeException e) {
            rollbackQuietly(connection, e);
            work.rolledBack();
            restoreAutoCommit(connection, e);
            throw e;
        }
        work.committed();
        restoreAutoCommit(connection, null);
        return result;
    }

    /**
     * Puts a connection back to forced commits before it returns to the pool. One that cannot be is dropped from the
     * pool rather than left to commit an acknowledged batch unforced; the transaction's own outcome stands.
     */
    private void restoreForced(Connection connection) throws SQLException {
        try {
            execute(connection, dialect.unforcedAfter());
        } catch (SQLException | RuntimeException e) {
            if (!(dataSource instanceof HikariDataSource pool)) {
                throw e;
            }
            pool.evictConnection(connection);
        }
    }

    private static void execute(Connection connection, String sql) throws SQLException {
        try (Statement st = connection.createStatement()) {
            st.execute(sql);
        }
    }

    /**
     * Back to autocommit before the lock is released: sqlite-jdbc opens the next transaction right after a commit,
     * and it must not hold the file while the connection idles in the pool. A failure here neither hides the error
     * of the transaction nor fails one that committed; the pool resets or evicts the connection anyway.
     */
    private static void restoreAutoCommit(Connection connection, Exception primary) {
        try {
            connection.setAutoCommit(true);
        } catch (SQLException e) {
            if (primary != null) {
                primary.addSuppressed(e);
            }
        }
    }

    private void lockWriters() throws SQLException {
        if (writeLock == null) {
            return;
        }
        try {
            writeLock.lockInterruptibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while waiting for the write lock", e);
        }
    }

    private void unlockWriters() {
        if (writeLock != null) {
            writeLock.unlock();
        }
    }

    private static void rollbackQuietly(Connection connection, Exception cause) {
        try {
            connection.rollback();
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }

    private static RuntimeException failure(String what, Exception e) {
        if (e instanceof StoreException se) {
            return se;
        }
        if (e instanceof SumBoundException sb) {
            return sb; // the client's events, not the store, are at fault: never wrapped as a store failure
        }
        return new StoreException(what + " failed: " + e.getMessage(), e, unreachable(e));
    }

    /**
     * Whether the failure is the database being out of reach: no connection within the pool's timeout, or a
     * connection lost (SQLState class 08).
     */
    static boolean unreachable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLTransientConnectionException || t instanceof SQLNonTransientConnectionException) {
                return true;
            }
            if (t instanceof SQLException s && s.getSQLState() != null && s.getSQLState().startsWith("08")) {
                return true;
            }
        }
        return false;
    }
}
