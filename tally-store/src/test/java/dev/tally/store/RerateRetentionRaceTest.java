package dev.tally.store;

import dev.tally.core.event.EventCursor;
import dev.tally.core.event.EventPage;
import dev.tally.core.event.EventQuery;
import dev.tally.core.event.LedgerEntry;
import dev.tally.core.event.StoredEvent;
import dev.tally.core.money.Money;
import dev.tally.core.period.Window;
import dev.tally.core.pricing.EventPricer.PricedCost;
import dev.tally.core.rerate.Rerater;
import dev.tally.core.rerate.Rerating;
import dev.tally.core.rollup.RollupRow;
import dev.tally.core.store.LedgerFixtures;
import dev.tally.core.testing.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 16, retention racing a re-rating: a re-rating's switch moves the sums only for events that still exist.
 * Ten events received an hour apart, the six oldest past the retention cutoff. An event staged by a re-rating stays
 * until the re-rating is merged (retention removes it at its next run); an event that retention removed between a
 * page's read and its staging is not staged, and counts past retention. Either way, the month's sum is what the
 * events listed hold plus what the removed ones held when they went.
 */
class RerateRetentionRaceTest {
    private static final Instant MONTH = Instant.parse("2026-11-01T00:00:00Z");
    private static final Instant NEXT = Instant.parse("2026-12-01T00:00:00Z");
    private static final Instant T0 = LedgerFixtures.T0;
    private static final int EVENTS = 10;
    private static final int PAST_RETENTION = 6;
    /** Every event received before it is past retention: the six oldest. */
    private static final Instant CUTOFF = T0.minusSeconds(3_600L * (EVENTS - PAST_RETENTION) + 1);
    private static final long OLD_NANOS = 1_000;
    private static final long NEW_NANOS = 5_000;
    private static final String PG_BASE = PostgresStoreTest.baseUrl();

    @TempDir
    Path dir;
    private final String schema = "tally_test_" + UUID.randomUUID().toString().replace("-", "");
    private final MutableClock clock = new MutableClock(T0);
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
    void sqlite_retentionAfterStaging_keepsStagedEventsUntilMerged_sumsMoveOnlyForStoredEvents() {
        retentionAfterStaging();
    }

    @Test
    void postgres_retentionAfterStaging_keepsStagedEventsUntilMerged_sumsMoveOnlyForStoredEvents() {
        postgres = true;
        retentionAfterStaging();
    }

    @Test
    void sqlite_retentionBetweenReadAndStaging_removedEventsNotStaged_countedPastRetention() {
        retentionBetweenReadAndStaging();
    }

    @Test
    void postgres_retentionBetweenReadAndStaging_removedEventsNotStaged_countedPastRetention() {
        postgres = true;
        retentionBetweenReadAndStaging();
    }

    private void retentionAfterStaging() {
        store = open();
        fill();
        Rerating head = RerateStagingTest.head("rr_retention");
        store.beginRerating(head);
        long[] counted = stage(head.id(), () -> { });

        long removed = store.deleteEventsReceivedBefore(CUTOFF);
        store.applyStaged(RerateStagingTest.applied(head, counted[0], counted[1]));
        assertMonthIsListedPlusRemoved(removed * OLD_NANOS);
        assertThat(removed).as("events staged by a re-rating stay until it is merged").isZero();
        assertThat(listedCost()).isEqualTo(EVENTS * NEW_NANOS);

        long later = store.deleteEventsReceivedBefore(CUTOFF);
        assertThat(later).as("merged, the next run removes them").isEqualTo(PAST_RETENTION);
        assertMonthIsListedPlusRemoved(later * NEW_NANOS);
    }

    private void retentionBetweenReadAndStaging() {
        store = open();
        fill();
        Rerating head = RerateStagingTest.head("rr_retention");
        store.beginRerating(head);
        AtomicLong removed = new AtomicLong();
        AtomicBoolean once = new AtomicBoolean();
        // The repricer runs once the page is read, before it is staged: retention goes in between.
        long[] counted = stage(head.id(), () -> {
            if (once.compareAndSet(false, true)) {
                removed.set(store.deleteEventsReceivedBefore(CUTOFF));
            }
        });
        assertThat(removed.get()).isEqualTo(PAST_RETENTION);
        long staged = stagedEvents();
        store.applyStaged(RerateStagingTest.applied(head, counted[0], counted[1]));
        assertMonthIsListedPlusRemoved(PAST_RETENTION * OLD_NANOS);
        assertThat(staged).as("only stored events are staged").isEqualTo(EVENTS - PAST_RETENTION);
        assertThat(counted[0]).as("the page answered without the removed events").isEqualTo(EVENTS - PAST_RETENTION);
        assertThat(listedCost()).isEqualTo((EVENTS - PAST_RETENTION) * NEW_NANOS);
    }

    private JdbcStore open() {
        if (postgres) {
            return PostgresStore.open(PG_BASE + "&currentSchema=" + schema, clock, Retention.DEFAULT_CHUNK_ROWS,
                    Duration.ofMillis(20));
        }
        return SqliteStore.open("jdbc:sqlite:" + dir.resolve("tally.db"), clock);
    }

    /** Ten events of the month received an hour apart, the last an hour before now, unpriced at {@link #OLD_NANOS}. */
    private void fill() {
        List<LedgerEntry> entries = new ArrayList<>();
        for (int i = 0; i < EVENTS; i++) {
            Instant at = T0.minusSeconds(3_600L * (EVENTS - i));
            entries.add(LedgerFixtures.event("e" + i).at(at).received(at).user("u" + (i % 3))
                    .costNanos(OLD_NANOS).unpriced("input_tokens").build());
        }
        store.append(entries);
        if (store instanceof PostgresStore pg) {
            while (pg.rollQueued() > 0) {
                continue;
            }
        }
    }

    /** Stages the month at {@link #NEW_NANOS}, running {@code beforeStaging} as each page is priced. */
    private long[] stage(String id, Runnable beforeStaging) {
        long[] counted = new long[2];
        store.reprice("acme", MONTH, NEXT, e -> {
            beforeStaging.run();
            return new PricedCost(Money.ofNanos(NEW_NANOS), List.of());
        }, id, (entries, repriced) -> {
            counted[0] += entries.size();
            for (int i = 0; i < entries.size(); i++) {
                counted[1] += Rerater.changed(entries.get(i), repriced.get(i)) ? 1 : 0;
            }
        }, 100);
        return counted;
    }

    /**
     * Every grain's sum of the month, and the end users', is the cost of the events listed plus {@code removed} (what
     * the events retention removed held when they went): never a re-rated cost of an event no longer stored.
     */
    private void assertMonthIsListedPlusRemoved(long removed) {
        long expected = listedCost() + removed;
        for (Window grain : List.of(Window.MONTH, Window.DAY, Window.HOUR, Window.MINUTE)) {
            long cost = store.rollups("acme", grain, MONTH, NEXT).stream()
                    .mapToLong((RollupRow r) -> r.counts().costNanos()).sum();
            assertThat(cost).as(grain + " cost").isEqualTo(expected);
        }
        assertThat(store.endUserUsage("acme", MONTH).users().stream().mapToLong(u -> u.costNanos()).sum())
                .as("end users' cost").isEqualTo(expected);
    }

    private long stagedEvents() {
        try (java.sql.Connection c = store.dataSource().getConnection();
             java.sql.ResultSet rs = c.createStatement().executeQuery("SELECT COUNT(*) FROM rerate_staged_events")) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The cost of the events the log lists. */
    private long listedCost() {
        long cost = 0;
        EventCursor after = null;
        do {
            EventPage page = store.events(new EventQuery("acme", MONTH, NEXT, null, null, null, false, 1000, after));
            for (StoredEvent e : page.events()) {
                cost += e.cost().nanos();
            }
            after = page.next();
        } while (after != null);
        return cost;
    }
}
