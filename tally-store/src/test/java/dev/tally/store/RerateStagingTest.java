package dev.tally.store;

import dev.tally.core.event.LedgerEntry;
import dev.tally.core.money.Money;
import dev.tally.core.period.Window;
import dev.tally.core.pricing.EventPricer.PricedCost;
import dev.tally.core.problem.ConflictException;
import dev.tally.core.rerate.RerateLine;
import dev.tally.core.rerate.Rerater;
import dev.tally.core.rerate.Rerating;
import dev.tally.core.rollup.RollupRow;
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
import java.time.Instant;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue 16: an applied re-rating changes events, rollups and end user sums together, in one step. Staged pages are
 * invisible; a run that dies between pages leaves nothing applied, and the next start marks its record abandoned and
 * drops its staging; from the switch on every reader sees the new costs, and a run that dies before it has merged
 * them into the rows has them merged at the next start; two runs cannot stage the same events.
 */
class RerateStagingTest {
    private static final Instant MONTH = Instant.parse("2026-11-01T00:00:00Z");
    private static final Instant NEXT = Instant.parse("2026-12-01T00:00:00Z");
    private static final int EVENTS = 1_000;
    private static final long OLD_NANOS = 1_000;
    private static final long NEW_NANOS = 5_000;
    private static final String PG_BASE = PostgresStoreTest.baseUrl();

    @TempDir
    Path dir;
    private final String schema = "tally_test_" + UUID.randomUUID().toString().replace("-", "");
    private final MutableClock clock = new MutableClock(LedgerFixtures.T0);
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

    private JdbcStore open() {
        if (postgres) {
            return PostgresStore.open(PG_BASE + "&currentSchema=" + schema, clock, Retention.DEFAULT_CHUNK_ROWS,
                    Duration.ofMillis(20));
        }
        return SqliteStore.open("jdbc:sqlite:" + dir.resolve("tally.db"), clock);
    }

    @Test
    void sqlite_crashBetweenPages_restartAbandonsItAndNothingIsApplied() throws Exception {
        crashBetweenPages();
    }

    @Test
    void postgres_crashBetweenPages_restartAbandonsItAndNothingIsApplied() throws Exception {
        postgres = true;
        crashBetweenPages();
    }

    @Test
    void sqlite_crashAfterTheSwitch_readersSeeItAll_restartMergesTheRows() {
        crashAfterTheSwitch();
    }

    @Test
    void postgres_crashAfterTheSwitch_readersSeeItAll_restartMergesTheRows() {
        postgres = true;
        crashAfterTheSwitch();
    }

    @Test
    void sqlite_twoRunsStagingTheSameEvents_secondRefused() {
        store = open();
        fill();
        store.beginRerating(head("rr_first"));
        stage("rr_first");
        store.beginRerating(head("rr_second"));
        assertThatThrownBy(() -> stage("rr_second")).isInstanceOf(ConflictException.class)
                .hasMessageContaining("another re-rating");
    }

    private void crashBetweenPages() throws Exception {
        store = open();
        fill();
        Rerating head = head("rr_crash");
        store.beginRerating(head);
        AtomicLong pages = new AtomicLong();
        assertThatThrownBy(() -> store.reprice("acme", MONTH, NEXT, e -> newPrice(), head.id(), (entries, repriced) -> {
            if (pages.incrementAndGet() == 3) {
                // Staged pages are invisible: every reader still sees the month as it was.
                assertThat(staged("rerate_staged_events")).isEqualTo(300);
                assertSums(OLD_NANOS, EVENTS);
                throw new SimulatedCrash(); // an Error: nothing of the run's own clean-up runs, as in a kill
            }
        }, 100)).isInstanceOf(SimulatedCrash.class);
        store.close();

        clock.advance(JdbcStore.STALE_STAGING.plusSeconds(1));
        store = open();
        assertThat(store.rerating(head.id()).orElseThrow().state()).isEqualTo(Rerating.State.ABANDONED);
        assertThat(staged("rerate_staged_events") + staged("rerate_staged_sums")).isZero();
        assertSums(OLD_NANOS, EVENTS);

        Rerating again = head("rr_again");
        store.beginRerating(again);
        long[] counted = stage(again.id());
        store.applyStaged(applied(again, counted[0], counted[1]));
        assertThat(counted[1]).isEqualTo(EVENTS);
        assertThat(store.rerating(again.id()).orElseThrow().state()).isEqualTo(Rerating.State.APPLIED);
        assertSums(NEW_NANOS, 0);
        assertThat(rowsAt(NEW_NANOS)).isEqualTo(EVENTS);
        assertThat(staged("rerate_staged_events") + staged("rerate_staged_sums")).isZero();

        Rerating twice = head("rr_twice");
        store.beginRerating(twice);
        long[] none = stage(twice.id());
        store.applyStaged(applied(twice, none[0], none[1]));
        assertThat(none[1]).as("re-rating twice with no price change changes nothing").isZero();
        assertSums(NEW_NANOS, 0);
    }

    private void crashAfterTheSwitch() {
        store = open();
        fill();
        Rerating head = head("rr_switched");
        store.beginRerating(head);
        long[] counted = stage(head.id());
        store.switchStaged(applied(head, counted[0], counted[1])); // and then the process dies: no merge
        assertThat(rowsAt(OLD_NANOS)).as("rows not merged yet").isEqualTo(EVENTS);
        assertSums(NEW_NANOS, 0);
        store.close();

        store = open();
        assertThat(rowsAt(NEW_NANOS)).as("rows merged at the start").isEqualTo(EVENTS);
        assertThat(staged("rerate_staged_events") + staged("rerate_staged_sums")).isZero();
        assertThat(store.rerating(head.id()).orElseThrow().state()).isEqualTo(Rerating.State.APPLIED);
        assertSums(NEW_NANOS, 0);
    }

    /** Stages every event of the month at the new price, in pages of 100; answers {walked, changed}. */
    private long[] stage(String id) {
        long[] counted = new long[2];
        store.reprice("acme", MONTH, NEXT, e -> newPrice(), id, (entries, repriced) -> {
            counted[0] += entries.size();
            for (int i = 0; i < entries.size(); i++) {
                counted[1] += Rerater.changed(entries.get(i), repriced.get(i)) ? 1 : 0;
            }
        }, 100);
        return counted;
    }

    private static PricedCost newPrice() {
        return new PricedCost(Money.ofNanos(NEW_NANOS), List.of());
    }

    private void fill() {
        List<LedgerEntry> old = new ArrayList<>();
        for (int i = 0; i < EVENTS; i++) {
            old.add(LedgerFixtures.event("e-" + i).at(MONTH.plus(Duration.ofMinutes(41L * i)))
                    .user("u" + (i % 7)).costNanos(OLD_NANOS).unpriced("input_tokens").build());
        }
        store.append(old);
        if (store instanceof PostgresStore pg) {
            drain(pg::rollQueued);
        }
    }

    private static void drain(Supplier<Integer> roll) {
        while (roll.get() > 0) {
            continue;
        }
    }

    /** Every grain's sums and the end users' hold each event at {@code nanos}, {@code unpriced} of them unpriced. */
    private void assertSums(long nanos, long unpriced) {
        for (Window grain : List.of(Window.MONTH, Window.DAY, Window.HOUR, Window.MINUTE)) {
            long cost = 0;
            long unpricedSum = 0;
            for (RollupRow r : store.rollups("acme", grain, MONTH, NEXT)) {
                cost += r.counts().costNanos();
                unpricedSum += r.counts().unpriced();
            }
            assertThat(cost).as(grain + " cost").isEqualTo(EVENTS * nanos);
            assertThat(unpricedSum).as(grain + " unpriced").isEqualTo(unpriced);
        }
        assertThat(store.endUserUsage("acme", MONTH).users().stream().mapToLong(u -> u.costNanos()).sum())
                .as("end users' cost").isEqualTo(EVENTS * nanos);
        assertThat(eventsAt(nanos)).as("events at the price").isEqualTo(EVENTS);
    }

    /** Events that readers see at {@code nanos}, staged costs of applied re-ratings included. */
    private long eventsAt(long nanos) {
        return count("SELECT COUNT(*) FROM events WHERE " + EventLog.COST + " = " + nanos);
    }

    /** Event rows holding {@code nanos} themselves. */
    private long rowsAt(long nanos) {
        return count("SELECT COUNT(*) FROM events WHERE cost_nanos = " + nanos);
    }

    private long staged(String table) {
        return count("SELECT COUNT(*) FROM " + table);
    }

    private long count(String sql) {
        try (Connection c = store.dataSource().getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Stands for the process dying: an Error, which no clean-up of the run catches. */
    private static final class SimulatedCrash extends Error {
    }
}
