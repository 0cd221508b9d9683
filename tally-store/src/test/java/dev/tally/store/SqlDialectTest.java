package dev.tally.store;

import org.junit.jupiter.api.Test;

import java.sql.BatchUpdateException;
import java.sql.SQLException;

import static org.assertj.core.api.Assertions.assertThat;

class SqlDialectTest {
    @Test
    void isTransient_deadlockChainedBehindBatchFailure_true() {
        BatchUpdateException batch = new BatchUpdateException("batch entry 3 failed", "40000", new int[0]);
        batch.setNextException(new SQLException("deadlock detected", "40P01"));

        assertThat(SqlDialect.POSTGRESQL.isTransient(batch)).isTrue();
    }

    @Test
    void isTransient_constraintViolation_false() {
        assertThat(SqlDialect.POSTGRESQL.isTransient(new SQLException("duplicate key", "23505"))).isFalse();
        assertThat(SqlDialect.SQLITE.isTransient(new SQLException("constraint failed", null, 19))).isFalse();
    }

    @Test
    void isTransient_sqliteBusy_true() {
        assertThat(SqlDialect.SQLITE.isTransient(new SQLException("database is locked", null, 5))).isTrue();
    }
}
