package dev.tally.store;

import dev.tally.core.catalog.Catalog;
import dev.tally.core.customer.Customer;
import dev.tally.core.event.EventCursor;
import dev.tally.core.event.EventPage;
import dev.tally.core.event.EventQuery;
import dev.tally.core.event.StoredEvent;
import dev.tally.core.period.Window;
import dev.tally.core.pricing.Price;
import dev.tally.core.rerate.Rerater;
import dev.tally.core.rerate.Rerating;
import dev.tally.core.rollup.RollupRow;
import dev.tally.core.store.LedgerFixtures;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 16, reads during a re-rating's merge: from the switch on, the event log, the day rows (the CSV's lines), the
 * month rows (the report's totals) and the end users' sums all show the new cost, whether an event's row is merged
 * yet or not; no event shows a cost that is neither the old nor the new one, and none counts twice. The merge is held
 * after each chunk of 30 of 100 events ({@link JdbcStore#holdMerges}) and the store is read there. A merge that fails
 * after the switch leaves the re-rating applied and read the same, and the next start finishes it.
 */
class RerateMergeReadTest extends RerateStoreFixture {
    private static final int EVENTS = 100;
    private static final int CHUNK = 30;
    private static final long OLD_NANOS = 1_000;
    private static final long NEW_NANOS = 5_000;
    private static final long PRICED_NANOS = 1_400_000_000;

    /**
     * A merge that fails after its first chunk (its connection lost, say) once the switch committed: the re-rating is
     * applied, so the staging must stay (dropping it, as abandoning did, left the events at their old cost under sums
     * of the new one); the listeners (counters, alerts) are told at the switch; every read shows the new cost; the
     * next start merges the rest.
     */
    @ParameterizedTest
    @EnumSource(Kind.class)
    void mergeFailsAfterTheSwitch_staysApplied_countersTold_readersSeeTheNewCost_nextStartMerges(Kind kind) {
        store = open(kind);
        fill();
        Catalog catalog = new Catalog(store);
        catalog.putCustomer(new Customer("acme", "Acme", null, ZoneOffset.UTC, 1, List.of(), LedgerFixtures.T0));
        catalog.putPrices(List.of( // the fixtures' 500 input and 100 output tokens: 1.4 USD an event
                new Price("openai", "gpt-4o", "input_tokens", new BigDecimal("0.002"), 1, Instant.EPOCH),
                new Price("openai", "gpt-4o", "output_tokens", new BigDecimal("0.004"), 1, Instant.EPOCH)));
        Rerater rerater = new Rerater(catalog, store, store, clock);
        List<Long> stagedWhenTold = new ArrayList<>();
        rerater.onApplied((r, deltas) -> stagedWhenTold.add(count("SELECT COUNT(*) FROM rerate_staged_events")));
        store.holdMerges(CHUNK, () -> {
            throw new IllegalStateException("the merge's connection was lost");
        });

        Rerating r = rerater.run(YearMonth.of(2026, 11), "acme", false, "test");

        assertThat(r.state()).isEqualTo(Rerating.State.APPLIED);
        assertThat(store.rerating(r.id()).orElseThrow().state()).isEqualTo(Rerating.State.APPLIED);
        assertThat(stagedWhenTold).as("counters and alerts told at the switch, before the merge")
                .containsExactly((long) EVENTS);
        assertThat(count("SELECT COUNT(*) FROM rerate_staged_events")).isEqualTo(EVENTS - CHUNK);
        assertAgree(PRICED_NANOS, 0);
        store.abandonRerating(r.id());
        assertThat(store.rerating(r.id()).orElseThrow().state()).as("an applied re-rating is never abandoned")
                .isEqualTo(Rerating.State.APPLIED);
        store.close();

        store = open(kind);
        assertThat(count("SELECT COUNT(*) FROM rerate_staged_events")).as("merged at the start").isZero();
        assertThat(count("SELECT COUNT(*) FROM events WHERE cost_nanos = " + PRICED_NANOS)).isEqualTo(EVENTS);
        assertAgree(PRICED_NANOS, 0);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void mergeHeldMidWay_logDaysMonthAndUsersAgreeOnTheNewCost(Kind kind) {
        store = open(kind);
        fill();
        Rerating head = head("rr_merge");
        store.beginRerating(head);
        long[] counted = stage(head.id(), NEW_NANOS, 40, () -> { });
        assertThat(counted[1]).isEqualTo(EVENTS);
        assertAgree(OLD_NANOS, EVENTS);

        List<Long> mergedAtHolds = new ArrayList<>();
        store.holdMerges(CHUNK, () -> {
            mergedAtHolds.add(count("SELECT COUNT(*) FROM events WHERE cost_nanos = " + NEW_NANOS));
            assertThat(count("SELECT COUNT(*) FROM rerate_staged_events"))
                    .as("each row not merged yet is still staged, and only those")
                    .isEqualTo(count("SELECT COUNT(*) FROM events WHERE cost_nanos = " + OLD_NANOS));
            assertAgree(NEW_NANOS, 0);
        });
        store.applyStaged(applied(head, counted[0], counted[1]));

        assertThat(mergedAtHolds).as("held after each chunk, mid-way three times").containsExactly(30L, 60L, 90L,
                100L);
        assertAgree(NEW_NANOS, 0);
        assertThat(count("SELECT COUNT(*) FROM rerate_staged_events")).isZero();
    }

    /**
     * The log lists every event at {@code nanos} ({@code unpriced} of them unpriced); each day's rows hold what the
     * log lists of that day; the month rows, every grain and the end users hold the same total.
     */
    private void assertAgree(long nanos, long unpriced) {
        Map<Instant, Long> loggedDays = new TreeMap<>();
        long logged = 0;
        long loggedUnpriced = 0;
        EventCursor after = null;
        do {
            EventPage page = store.events(new EventQuery("acme", MONTH, NEXT, null, null, null, false, 1000, after));
            for (StoredEvent e : page.events()) {
                assertThat(e.cost().nanos()).as("event " + e.event().id()).isEqualTo(nanos);
                loggedDays.merge(e.event().timestamp().truncatedTo(ChronoUnit.DAYS), nanos, Long::sum);
                logged++;
                loggedUnpriced += e.unpriced() ? 1 : 0;
            }
            after = page.next();
        } while (after != null);
        assertThat(logged).as("events listed once each").isEqualTo(EVENTS);
        assertThat(loggedUnpriced).isEqualTo(unpriced);

        Map<Instant, Long> days = new TreeMap<>();
        for (RollupRow r : store.rollups("acme", Window.DAY, MONTH, NEXT)) {
            days.merge(r.key().bucketStart(), r.counts().costNanos(), Long::sum);
        }
        assertThat(days).as("each day's rows (the CSV) hold what the log lists of it").isEqualTo(loggedDays);
        for (Window grain : List.of(Window.MONTH, Window.HOUR, Window.MINUTE)) {
            List<RollupRow> rows = store.rollups("acme", grain, MONTH, NEXT);
            assertThat(rows.stream().mapToLong(r -> r.counts().costNanos()).sum()).as(grain + " cost")
                    .isEqualTo(EVENTS * nanos);
            assertThat(rows.stream().mapToLong(r -> r.counts().unpriced()).sum()).as(grain + " unpriced")
                    .isEqualTo(unpriced);
        }
        assertThat(store.endUserUsage("acme", MONTH).users().stream().mapToLong(u -> u.costNanos()).sum())
                .as("end users' cost").isEqualTo(EVENTS * nanos);
    }

    /** A hundred unpriced events at {@link #OLD_NANOS}, seven hours apart, of five users. */
    private void fill() {
        fillMonth(EVENTS, Duration.ofHours(7), 5, OLD_NANOS);
    }
}
