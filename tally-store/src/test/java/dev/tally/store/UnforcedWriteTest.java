package dev.tally.store;

import dev.tally.core.store.LedgerFixtures;
import dev.tally.core.testing.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 16: a re-rating's staging and merge commit unforced ({@link Transactor#writeUnforced}), and leave every pooled
 * connection forcing its commits again, so that an acknowledged batch is never committed unforced.
 */
class UnforcedWriteTest {
    private static final String PG_BASE = PostgresStoreTest.baseUrl();

    @TempDir
    Path dir;
    private final String schema = "tally_test_" + UUID.randomUUID().toString().replace("-", "");
    private JdbcStore store;
    private boolean postgres;

    @AfterEach
    void close() throws SQLException {
        if (store != null) {
            store.close();
        }
        if (postgres) {
            PostgresSchemas.drop(PG_BASE, schema);
        }
    }

    @Test
    void sqlite_unforcedWrite_commitsAtNormal_thenEveryPooledConnectionIsFullAgain() throws Exception {
        store = SqliteStore.open("jdbc:sqlite:" + dir.resolve("tally.db"), new MutableClock(LedgerFixtures.T0));
        Transactor tx = new Transactor(store.dataSource(), SqlDialect.SQLITE);

        assertThat(tx.<String>writeUnforced("unforced", c -> text(c, "PRAGMA synchronous"))).isEqualTo("1");
        assertThat(tx.<String>write("forced", c -> text(c, "PRAGMA synchronous"))).isEqualTo("2");
        assertThat(tx.<String>writeUnforced("unforced again", c -> text(c, "PRAGMA synchronous"))).isEqualTo("1");
        assertThat(everyPooledConnection("PRAGMA synchronous")).containsOnly("2");
    }

    @Test
    void postgres_unforcedWrite_commitsAsynchronously_thenEveryPooledConnectionIsSynchronous() throws Exception {
        postgres = true;
        store = PostgresStore.open(PG_BASE + "&currentSchema=" + schema, new MutableClock(LedgerFixtures.T0),
                Retention.DEFAULT_CHUNK_ROWS, Duration.ofMillis(20));
        Transactor tx = new Transactor(store.dataSource(), SqlDialect.POSTGRESQL);

        assertThat(tx.<String>writeUnforced("unforced", c -> text(c, "SHOW synchronous_commit"))).isEqualTo("off");
        assertThat(tx.<String>write("forced", c -> text(c, "SHOW synchronous_commit"))).isEqualTo("on");
        assertThat(everyPooledConnection("SHOW synchronous_commit")).containsOnly("on");
    }

    /** The answer of {@code sql} on every connection of the pool, all taken at once. */
    private List<String> everyPooledConnection(String sql) throws SQLException {
        List<Connection> held = new ArrayList<>();
        List<String> answers = new ArrayList<>();
        try {
            int size = store.dataSource().getMaximumPoolSize();
            for (int i = 0; i < size; i++) {
                Connection c = store.dataSource().getConnection();
                held.add(c);
                answers.add(text(c, sql));
            }
        } finally {
            for (Connection c : held) {
                c.close();
            }
        }
        return answers;
    }

    private static String text(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
