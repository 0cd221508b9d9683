package dev.tally.store;

import dev.tally.core.event.LedgerEntry;
import dev.tally.core.money.Money;
import dev.tally.core.pricing.EventPricer.PricedCost;
import dev.tally.core.rerate.RerateLine;
import dev.tally.core.rerate.Rerater;
import dev.tally.core.rerate.Rerating;
import dev.tally.core.store.LedgerFixtures;
import dev.tally.core.testing.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The two stores the re-rating store tests run on, one setup for all of them as the store contract tests share
 * theirs: a SQLite file in a fresh directory, or a fresh PostgreSQL schema (dropped after the test) whose roller
 * passes every 20 ms; both on a clock the test moves, from {@link LedgerFixtures#T0}. A test runs on each
 * {@link Kind}, opens the store with {@link #open} (again after closing it, for a restart on the same storage), and
 * stages, counts and reads it with the helpers here. The store is closed after each test.
 */
abstract class RerateStoreFixture {
    /** The re-rated month: customer acme's November (UTC, billing day 1). */
    static final Instant MONTH = Instant.parse("2026-11-01T00:00:00Z");
    static final Instant NEXT = Instant.parse("2026-12-01T00:00:00Z");
    private static final String PG_BASE = PostgresStoreTest.baseUrl();

    /** Which store a test runs on. */
    enum Kind { SQLITE, POSTGRES }

    @TempDir
    Path dir;
    protected final MutableClock clock = new MutableClock(LedgerFixtures.T0);
    protected JdbcStore store;
    private final String schema = "tally_test_" + UUID.randomUUID().toString().replace("-", "");
    private Kind opened;

    /** Opens the store of {@code kind}: empty the first time, the same storage again after a close. */
    protected JdbcStore open(Kind kind) {
        opened = kind;
        if (kind == Kind.POSTGRES) {
            return PostgresStore.open(PG_BASE + "&currentSchema=" + schema, clock, Retention.DEFAULT_CHUNK_ROWS,
                    Duration.ofMillis(20));
        }
        return SqliteStore.open("jdbc:sqlite:" + dir.resolve("tally.db"), clock);
    }

    @AfterEach
    void closeStore() throws SQLException {
        if (store != null) {
            store.close();
        }
        if (opened == Kind.POSTGRES) {
            PostgresSchemas.drop(PG_BASE, schema);
        }
    }

    /** A re-rating record's head, as the re-rater stores it when it begins. */
    static Rerating head(String id) {
        return new Rerating(id, YearMonth.of(2026, 11), "acme", Rerating.State.STAGING, "test", LedgerFixtures.T0,
                List.of());
    }

    /** The applied record of {@code head}, with one line counting what was walked and changed. */
    static Rerating applied(Rerating head, long walked, long changed) {
        return new Rerating(head.id(), head.period(), head.customerId(), Rerating.State.APPLIED, head.createdBy(),
                head.createdAt(), List.of(new RerateLine("acme", "", "", walked, changed, 0, 0, 0, 0, List.of(), 0)));
    }

    /**
     * Appends {@code count} unpriced events of acme's month ({@code e-0}, {@code e-1}, ...) at {@code nanos} each,
     * {@code apart} from one another from the month's start, of {@code users} end users in turn.
     */
    protected void fillMonth(int count, Duration apart, int users, long nanos) {
        List<LedgerEntry> entries = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            entries.add(LedgerFixtures.event("e-" + i).at(MONTH.plus(apart.multipliedBy(i))).user("u" + (i % users))
                    .costNanos(nanos).unpriced("input_tokens").build());
        }
        appendAll(entries);
    }

    /** Appends {@code entries} and, on PostgreSQL, rolls the queued rollups in, so that every read sees them. */
    protected void appendAll(List<LedgerEntry> entries) {
        store.append(entries);
        rollQueued();
    }

    /** On PostgreSQL, rolls every queued append into the rollups; on SQLite there is no queue. */
    protected void rollQueued() {
        if (store instanceof PostgresStore pg) {
            while (pg.rollQueued() > 0) {
                continue;
            }
        }
    }

    /**
     * Stages acme's month at {@code nanos} an event, in pages of {@code pageSize}, running {@code beforePricing} as
     * each event is priced; answers {walked, changed}.
     */
    protected long[] stage(String id, long nanos, int pageSize, Runnable beforePricing) {
        long[] counted = new long[2];
        store.reprice("acme", MONTH, NEXT, e -> {
            beforePricing.run();
            return new PricedCost(Money.ofNanos(nanos), List.of());
        }, id, (entries, repriced) -> {
            counted[0] += entries.size();
            for (int i = 0; i < entries.size(); i++) {
                counted[1] += Rerater.changed(entries.get(i), repriced.get(i)) ? 1 : 0;
            }
        }, pageSize);
        return counted;
    }

    /** The one number {@code sql} (a {@code SELECT COUNT(*)} ...) answers. */
    protected long count(String sql) {
        try (Connection c = store.dataSource().getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
