package dev.tally.store;

import dev.tally.core.event.LedgerEntry;
import dev.tally.core.period.Window;
import dev.tally.core.rollup.RollupDimension;
import dev.tally.core.store.LedgerFixtures;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Retention and close on PostgreSQL while other appends queue events faster than a roller pass rolls them (two nodes
 * ingesting about 30,000 events/s did). Both rolled the whole queue up first, pass after pass while a pass came back
 * full, so they never ended while the load lasted: retention deleted nothing and held the roller's lock pass after
 * pass. They now roll what was queued when they began; what comes later is the scheduled roller's.
 *
 * <p>The load is made certain, not raced: passes of about {@value #PASS} events, and after each of retention's passes
 * a hook queues two passes' worth, while a writer thread appends throughout. Both stop at a deadline, so that code
 * which keeps passing while the queue refills ends too, and fails the test by ending after it.
 */
class PostgresRetentionUnderLoadTest {
    private static final Instant T0 = LedgerFixtures.T0;
    private static final Instant OLD = T0.minus(Duration.ofDays(10));
    private static final Instant CUTOFF = T0.minus(Duration.ofDays(1));
    private static final Instant PAST = Instant.parse("2000-01-01T00:00:00Z");
    private static final Instant FUTURE = Instant.parse("2100-01-01T00:00:00Z");
    private static final String BASE_URL = PostgresStoreTest.baseUrl();
    /** Events a pass claims, about (at least one queue row). */
    private static final int PASS = 10;
    /** Old events queued before retention begins, in appends of two passes each (a queue row per append). */
    private static final int OLD_APPENDS = 5;
    private static final int OLD_EVENTS = OLD_APPENDS * 2 * PASS;
    /** How long retention may take: it runs a few short passes, so this is a generous bound on a busy machine. */
    private static final Duration DEADLINE = Duration.ofSeconds(15);

    private final String schema = "tally_test_" + UUID.randomUUID().toString().replace("-", "");
    private final String url = BASE_URL + "&currentSchema=" + schema;
    private final List<PostgresStore> nodes = new ArrayList<>();
    private final AtomicInteger nextId = new AtomicInteger();

    @AfterEach
    void drop() throws SQLException {
        nodes.forEach(store -> store.holdPendingPasses(QueuedRollups.MOST_PASS_EVENTS, () -> { }));
        nodes.forEach(PostgresStore::close);
        PostgresSchemas.drop(BASE_URL, schema);
    }

    @Test
    void deleteEventsReceivedBefore_whileAppendsQueueFasterThanAPassRolls_endsHavingDeletedTheOldEvents()
            throws Exception {
        PostgresStore store = node();
        queueOldEvents(store);

        Load load = new Load(store, store);
        long deleted = load.during(() -> store.deleteEventsReceivedBefore(CUTOFF));

        assertThat(deleted).as("every old event, all rolled up before the delete").isEqualTo(OLD_EVENTS);
        assertThat(store.countEvents()).as("the events queued meanwhile are kept").isEqualTo(load.appended());
        assertCaughtUp(store, OLD_EVENTS + load.appended());
    }

    @Test
    void deleteRollupsBefore_whileAppendsQueueFasterThanAPassRolls_endsAndNoRemovedRowComesBack() throws Exception {
        PostgresStore store = node();
        queueOldEvents(store);

        Load load = new Load(store, store);
        long deleted = load.during(() -> store.deleteRollupsBefore(Window.MINUTE, CUTOFF));

        assertThat(deleted).as("the old events' minute rows, one per append's minute").isEqualTo(OLD_APPENDS);
        assertCaughtUp(store, OLD_EVENTS + load.appended());
        assertThat(store.rollups("acme", Window.MINUTE, PAST, CUTOFF))
                .as("no old minute row came back from an event queued before retention began").isEmpty();
        assertThat(store.rollups("acme", Window.MINUTE, CUTOFF, FUTURE).stream()
                .mapToLong(r -> r.counts().requests()).sum()).isEqualTo(load.appended());
    }

    @Test
    void close_whileAnotherNodeQueuesFasterThanAPassRolls_endsHavingRolledWhatWasQueued() throws Exception {
        PostgresStore closing = node();
        PostgresStore other = node();
        queueOldEvents(closing);

        Load load = new Load(closing, other);
        load.during(() -> {
            closing.close();
            return 0;
        });

        assertThat(storedRequests()).as("the queue as close found it, rolled up; what came later may wait")
                .isGreaterThanOrEqualTo(OLD_EVENTS);
        assertCaughtUp(other, OLD_EVENTS + load.appended());
    }

    /**
     * Appends from a writer thread throughout, and two passes' worth after each pass that retention or close run;
     * both stop at the deadline.
     */
    private final class Load {
        private final PostgresStore passing;
        private final PostgresStore appending;
        private final long deadline = System.nanoTime() + DEADLINE.toNanos();
        private final AtomicLong stored = new AtomicLong();
        private final AtomicInteger passes = new AtomicInteger();
        private volatile boolean stopped;

        Load(PostgresStore passing, PostgresStore appending) {
            this.passing = passing;
            this.appending = appending;
        }

        /** Runs {@code work} under the load, checks it ended before the deadline, and returns what it returned. */
        long during(LongSupplier work) throws Exception {
            passing.holdPendingPasses(PASS, () -> {
                passes.incrementAndGet();
                if (!late()) {
                    append(2 * PASS);
                }
            });
            ExecutorService writer = Executors.newSingleThreadExecutor();
            try {
                Future<?> writing = writer.submit(() -> {
                    while (!stopped && !late()) {
                        append(PASS);
                    }
                });
                long started = System.nanoTime();
                long result = work.getAsLong();
                long tookMillis = Duration.ofNanos(System.nanoTime() - started).toMillis();
                boolean inTime = !late();
                stopped = true;
                writing.get();
                assertThat(passes.get()).as("passes run, each followed by more queued").isPositive();
                assertThat(inTime).as("ended within %s, while appends went on (took %d ms, %d passes)", DEADLINE,
                        tookMillis, passes.get()).isTrue();
                return result;
            } finally {
                writer.shutdownNow();
            }
        }

        /** The new events stored so far, all received at T0. */
        long appended() {
            return stored.get();
        }

        private boolean late() {
            return System.nanoTime() - deadline >= 0;
        }

        private void append(int events) {
            List<LedgerEntry> batch = new ArrayList<>();
            for (int i = 0; i < events; i++) {
                batch.add(entry("new" + nextId.incrementAndGet(), T0));
            }
            for (boolean s : appending.append(batch)) {
                stored.addAndGet(s ? 1 : 0);
            }
        }
    }

    /** A node whose roller passes only when called, so that the queue waits for retention. */
    private PostgresStore node() {
        PostgresStore store = PostgresStore.open(url, InstantSource.fixed(T0), Retention.DEFAULT_CHUNK_ROWS, null);
        nodes.add(store);
        return store;
    }

    /** Queues {@value #OLD_EVENTS} events received at {@link #OLD}, each append in its own minute. */
    private void queueOldEvents(PostgresStore store) throws SQLException {
        for (int a = 0; a < OLD_APPENDS; a++) {
            List<LedgerEntry> batch = new ArrayList<>();
            for (int i = 0; i < 2 * PASS; i++) {
                batch.add(entry("old" + a + "-" + i, OLD.plus(Duration.ofMinutes(a))));
            }
            assertThat(store.append(batch)).containsOnly(true);
        }
        assertThat(queuedRows()).isEqualTo(OLD_APPENDS);
    }

    /** Rolls the queue up as the scheduled roller would, then checks the rollups hold each event once. */
    private void assertCaughtUp(PostgresStore store, long events) throws SQLException {
        while (store.rollQueued() > 0) {
            continue;
        }
        assertThat(queuedRows()).isZero();
        assertThat(storedRequests()).as("the rollup tables: every event ever stored, once").isEqualTo(events);
        assertThat(store.rollupSums(Window.MONTH, PAST, FUTURE, EnumSet.noneOf(RollupDimension.class)).stream()
                .mapToLong(r -> r.counts().costNanos()).sum()).isEqualTo(3 * events);
    }

    private long storedRequests() throws SQLException {
        return PostgresSchemas.monthRequests(url);
    }

    private long queuedRows() throws SQLException {
        return PostgresSchemas.queuedRows(url);
    }

    /** An event of acme at {@code at}, received then, costing 3 nano-dollars. */
    private static LedgerEntry entry(String id, Instant at) {
        return LedgerFixtures.event(id).customer("acme").at(at).costNanos(3).build();
    }
}
