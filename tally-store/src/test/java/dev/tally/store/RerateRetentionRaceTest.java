package dev.tally.store;

import dev.tally.core.event.EventCursor;
import dev.tally.core.event.EventPage;
import dev.tally.core.event.EventQuery;
import dev.tally.core.event.LedgerEntry;
import dev.tally.core.event.StoredEvent;
import dev.tally.core.period.Window;
import dev.tally.core.rerate.Rerating;
import dev.tally.core.rollup.RollupRow;
import dev.tally.core.store.LedgerFixtures;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
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
class RerateRetentionRaceTest extends RerateStoreFixture {
    private static final Instant T0 = LedgerFixtures.T0;
    private static final int EVENTS = 10;
    private static final int PAST_RETENTION = 6;
    /** Every event received before it is past retention: the six oldest. */
    private static final Instant CUTOFF = T0.minusSeconds(3_600L * (EVENTS - PAST_RETENTION) + 1);
    private static final long OLD_NANOS = 1_000;
    private static final long NEW_NANOS = 5_000;

    @ParameterizedTest
    @EnumSource(Kind.class)
    void retentionAfterStaging_keepsStagedEventsUntilMerged_sumsMoveOnlyForStoredEvents(Kind kind) {
        store = open(kind);
        fill();
        Rerating head = head("rr_retention");
        store.beginRerating(head);
        long[] counted = stage(head.id(), NEW_NANOS, 100, () -> { });

        long removed = store.deleteEventsReceivedBefore(CUTOFF);
        store.applyStaged(applied(head, counted[0], counted[1]));
        assertMonthIsListedPlusRemoved(removed * OLD_NANOS);
        assertThat(removed).as("events staged by a re-rating stay until it is merged").isZero();
        assertThat(listedCost()).isEqualTo(EVENTS * NEW_NANOS);

        long later = store.deleteEventsReceivedBefore(CUTOFF);
        assertThat(later).as("merged, the next run removes them").isEqualTo(PAST_RETENTION);
        assertMonthIsListedPlusRemoved(later * NEW_NANOS);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void retentionBetweenReadAndStaging_removedEventsNotStaged_countedPastRetention(Kind kind) {
        store = open(kind);
        fill();
        Rerating head = head("rr_retention");
        store.beginRerating(head);
        AtomicLong removed = new AtomicLong();
        AtomicBoolean once = new AtomicBoolean();
        // The repricer runs once the page is read, before it is staged: retention goes in between.
        long[] counted = stage(head.id(), NEW_NANOS, 100, () -> {
            if (once.compareAndSet(false, true)) {
                removed.set(store.deleteEventsReceivedBefore(CUTOFF));
            }
        });
        assertThat(removed.get()).isEqualTo(PAST_RETENTION);
        long staged = count("SELECT COUNT(*) FROM rerate_staged_events");
        store.applyStaged(applied(head, counted[0], counted[1]));
        assertMonthIsListedPlusRemoved(PAST_RETENTION * OLD_NANOS);
        assertThat(staged).as("only stored events are staged").isEqualTo(EVENTS - PAST_RETENTION);
        assertThat(counted[0]).as("the page answered without the removed events").isEqualTo(EVENTS - PAST_RETENTION);
        assertThat(listedCost()).isEqualTo((EVENTS - PAST_RETENTION) * NEW_NANOS);
    }

    /** Ten events of the month received an hour apart, the last an hour before now, unpriced at {@link #OLD_NANOS}. */
    private void fill() {
        List<LedgerEntry> entries = new ArrayList<>();
        for (int i = 0; i < EVENTS; i++) {
            Instant at = T0.minusSeconds(3_600L * (EVENTS - i));
            entries.add(LedgerFixtures.event("e" + i).at(at).received(at).user("u" + (i % 3))
                    .costNanos(OLD_NANOS).unpriced("input_tokens").build());
        }
        appendAll(entries);
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
