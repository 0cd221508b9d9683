package dev.tally.store;

import dev.tally.core.customer.Plan;
import dev.tally.core.persistence.TallyStore;
import dev.tally.core.store.TallyStoreContract;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

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
    void runExclusively_whileAnotherNodeRunsTheJob_skipsIt_andRunsItAfterwards() throws Exception {
        try (TallyStore other = openSameStorage()) {
            AtomicBoolean otherRan = new AtomicBoolean();
            AtomicBoolean otherRanAnotherJob = new AtomicBoolean();
            boolean ran = store().runExclusively("retention", () -> {
                otherRan.set(other.runExclusively("retention", () -> { }));
                otherRanAnotherJob.set(other.runExclusively("notification pruning", () -> { }));
            });
            assertThat(ran).isTrue();
            assertThat(otherRan).as("the same job on another node while it runs here").isFalse();
            assertThat(otherRanAnotherJob).as("another job").isTrue();
            assertThat(other.runExclusively("retention", () -> { })).as("after the run").isTrue();
        }
    }

    @Test
    void configurationChange_bumpsTheVersion_andNotifiesAListeningNode() throws Exception {
        try (TallyStore other = openSameStorage()) {
            CountDownLatch listening = new CountDownLatch(1);
            CountDownLatch notified = new CountDownLatch(1);
            long before = other.configVersion();
            try (AutoCloseable listener = other.listenForChanges(n -> (n < 0 ? listening : notified).countDown())) {
                assertThat(listening.await(5, TimeUnit.SECONDS)).isTrue();
                store().putPlan(new Plan("pro", "Pro", List.of()));
                assertThat(notified.await(2, TimeUnit.SECONDS)).as("NOTIFY heard within 2 s").isTrue();
            }
            assertThat(other.configVersion()).isGreaterThan(before);
        }
    }

    @Test
    void heartbeats_countLiveNodes_untilTheyLeaveOrGoQuiet() {
        Instant now = Instant.parse("2026-11-20T12:00:00Z");
        store().heartbeat("node_a", "redis", now, now);
        store().heartbeat("node_b", "redis", now, now.plusSeconds(8));
        assertThat(store().liveNodes(now.minusSeconds(10))).isEqualTo(2);
        assertThat(store().liveNodes(now.plusSeconds(1))).isEqualTo(1);
        store().leave("node_b");
        assertThat(store().liveNodes(now.minusSeconds(10))).isEqualTo(1);
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

    @Test
    void pool_sessionsRunWithoutPostgresJit_unlessTheUrlSetsItsOwnOptions() throws SQLException {
        assertThat(jitOf(baseUrl)).isEqualTo("off");
        String own = baseUrl + (baseUrl.contains("?") ? "&" : "?") + "options=-c%20jit%3Don";
        assertThat(jitOf(own)).as("the URL's options win").isEqualTo("on");
    }

    private static String jitOf(String url) throws SQLException {
        try (var pool = PostgresStore.pool(url, org.postgresql.Driver.parseURL(url, null), "tally-test-jit", 1, 0);
             Connection c = pool.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SHOW jit")) {
            rs.next();
            return rs.getString(1);
        }
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

    static String baseUrl() {
        String url = System.getProperty("tally.test.postgresUrl", System.getenv("TALLY_TEST_POSTGRES_URL"));
        return url == null || url.isBlank() ? DEFAULT_URL : url;
    }
}
