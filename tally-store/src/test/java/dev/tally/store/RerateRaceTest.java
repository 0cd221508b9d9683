package dev.tally.store;

import dev.tally.core.event.LedgerEntry;
import dev.tally.core.period.Window;
import dev.tally.core.rerate.Rerating;
import dev.tally.core.rollup.EndUserUsage;
import dev.tally.core.rollup.RollupRow;
import dev.tally.core.store.LedgerFixtures;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 16: a re-rating racing live ingestion neither loses nor double-counts the events arriving meanwhile. Events
 * stored at 1,000 nano-dollars (and unpriced) are re-rated to 5,000, staged in pages of 100 (each its own transaction)
 * and switched in at once, while two threads append events already priced at 5,000 into the same month, the same
 * buckets and the same end users.
 * Afterwards every sum (month, day, minute rollups, end users) is exactly 5,000 per event, and the diff changed
 * exactly the old events.
 */
class RerateRaceTest extends RerateStoreFixture {
    private static final int OLD_EVENTS = 3_000;
    private static final long NEW_NANOS = 5_000;

    /** On PostgreSQL the roller runs meanwhile too. */
    @ParameterizedTest
    @EnumSource(Kind.class)
    void rerateRacingIngestion_countsEachEventOnceAtItsNewPrice(Kind kind) throws Exception {
        store = open(kind);
        race();
    }

    /** An event of the month: spread over days, minutes and five end users, so that old and new share sums. */
    private static LedgerEntry entry(String id, int i, long nanos, boolean unpriced) {
        LedgerFixtures.Builder b = LedgerFixtures.event(id).at(MONTH.plus(Duration.ofMinutes(37L * (i % 900))))
                .user("u" + (i % 5)).costNanos(nanos);
        return (unpriced ? b.unpriced("input_tokens") : b).build();
    }

    private void race() throws Exception {
        List<LedgerEntry> old = new ArrayList<>();
        for (int i = 0; i < OLD_EVENTS; i++) {
            old.add(entry("old-" + i, i, 1_000, true));
        }
        for (int i = 0; i < old.size(); i += 500) {
            store.append(old.subList(i, i + 500));
        }
        AtomicBoolean done = new AtomicBoolean();
        AtomicLong appended = new AtomicLong();
        ExecutorService threads = Executors.newFixedThreadPool(2);
        List<Future<?>> writers = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            int thread = t;
            writers.add(threads.submit(() -> {
                int batch = 0;
                // At least a few batches, and on until the re-rating is done.
                while (!done.get() || batch < 5) {
                    List<LedgerEntry> entries = new ArrayList<>();
                    for (int i = 0; i < 20; i++) {
                        int n = batch * 20 + i;
                        entries.add(entry("new-" + thread + "-" + n, n + thread, NEW_NANOS, false));
                    }
                    store.append(entries);
                    appended.addAndGet(entries.size());
                    batch++;
                }
                return null;
            }));
        }
        Rerating head = head("rr_race");
        store.beginRerating(head);
        long[] counted = stage(head.id(), NEW_NANOS, 100, () -> { });
        store.applyStaged(applied(head, counted[0], counted[1]));
        done.set(true);
        for (Future<?> w : writers) {
            w.get();
        }
        threads.shutdown();
        rollQueued();

        long events = OLD_EVENTS + appended.get();
        assertThat(counted[1]).as("exactly the old events changed").isEqualTo(OLD_EVENTS);
        assertThat(counted[0]).isBetween((long) OLD_EVENTS, events);
        assertThat(appended.get()).isPositive();
        for (Window grain : List.of(Window.MONTH, Window.DAY, Window.MINUTE)) {
            long requests = 0;
            long cost = 0;
            long unpriced = 0;
            for (RollupRow r : store.rollups("acme", grain, MONTH, NEXT)) {
                requests += r.counts().requests();
                cost += r.counts().costNanos();
                unpriced += r.counts().unpriced();
            }
            assertThat(requests).as(grain + " requests").isEqualTo(events);
            assertThat(cost).as(grain + " cost").isEqualTo(events * NEW_NANOS);
            assertThat(unpriced).as(grain + " unpriced").isZero();
        }
        EndUserUsage users = store.endUserUsage("acme", MONTH);
        assertThat(users.users().stream().mapToLong(u -> u.costNanos()).sum()).as("end users' cost")
                .isEqualTo(events * NEW_NANOS);
    }
}
