package dev.tally.store;

import dev.tally.core.store.TallyStore;
import dev.tally.core.store.TallyStoreContract;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Runs the store contract on PostgreSQL, each test in a fresh schema that is dropped afterwards. The database is
 * {@value #DEFAULT_URL} unless the system property {@code tally.test.postgresUrl} or the environment variable
 * {@code TALLY_TEST_POSTGRES_URL} names another. If it cannot be reached, the tests fail: they never skip.
 */
class PostgresStoreTest extends TallyStoreContract {
    static final String DEFAULT_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";

    private final String baseUrl = baseUrl();
    private String schema;

    @Override
    protected TallyStore openEmptyStore() {
        requireReachable();
        schema = "tally_test_" + UUID.randomUUID().toString().replace("-", "");
        return Stores.open(schemaUrl());
    }

    @Override
    protected TallyStore openSameStorage() {
        return Stores.open(schemaUrl());
    }

    @Override
    protected void discardStorage() throws SQLException {
        if (schema != null) {
            PostgresSchemas.drop(baseUrl, schema);
        }
    }

    @Override
    protected String expectedBackend() {
        return "postgresql";
    }

    @Test
    void open_urlWithCurrentSchema_createsTheTablesInThatSchema() throws SQLException {
        try (Connection c = DriverManager.getConnection(baseUrl); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '"
                     + schema + "' AND table_name IN ('events', 'usage_rollup', 'plans', 'api_keys')")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(4);
        }
    }

    @Test
    void open_existingSchema_runsMigrationsIdempotently() throws Exception {
        store().putSetting("s", "v");

        reopen();

        assertThat(store().setting("s")).contains("v");
    }

    @Test
    void open_reWriteBatchedInserts_isRefused() {
        assertThatThrownBy(() -> Stores.open(schemaUrl() + "&reWriteBatchedInserts=true"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reWriteBatchedInserts");
    }

    private String schemaUrl() {
        return baseUrl + (baseUrl.contains("?") ? "&" : "?") + "currentSchema=" + schema;
    }

    private void requireReachable() {
        try (Connection c = DriverManager.getConnection(baseUrl)) {
            assertThat(c.isValid(5)).isTrue();
        } catch (SQLException e) {
            throw new AssertionError("PostgreSQL is not reachable at " + baseUrl + " (" + e.getMessage() + "). "
                    + "These tests need it and never skip: start PostgreSQL, or point -Dtally.test.postgresUrl or "
                    + "TALLY_TEST_POSTGRES_URL at one.", e);
        }
    }

    private static String baseUrl() {
        String url = System.getProperty("tally.test.postgresUrl", System.getenv("TALLY_TEST_POSTGRES_URL"));
        return url == null || url.isBlank() ? DEFAULT_URL : url;
    }
}
