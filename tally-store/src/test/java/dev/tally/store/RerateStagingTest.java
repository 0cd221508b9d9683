package dev.tally.store;

import dev.tally.core.money.Money;
import dev.tally.core.period.Window;
import dev.tally.core.pricing.EventPricer.PricedCost;
import dev.tally.core.problem.ConflictException;
import dev.tally.core.rerate.Rerating;
import dev.tally.core.rollup.RollupRow;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue 16: an applied re-rating changes events, rollups and end user sums together, in one step. Staged pages are
 * invisible; a run that dies between pages leaves nothing applied, and the next start marks its record abandoned and
 * drops its staging; from the switch on every reader sees the new costs, and a run that dies before it has merged
 * them into the rows has them merged at the next start; two runs cannot stage the same events.
 */
class RerateStagingTest extends RerateStoreFixture {
    private static final int EVENTS = 1_000;
    private static final long OLD_NANOS = 1_000;
    private static final long NEW_NANOS = 5_000;

    @ParameterizedTest
    @EnumSource(Kind.class)
    void crashBetweenPages_restartAbandonsItAndNothingIsApplied(Kind kind) throws Exception {
        crashBetweenPages(kind);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void crashAfterTheSwitch_readersSeeItAll_restartMergesTheRows(Kind kind) {
        crashAfterTheSwitch(kind);
    }

    @Test
    void sqlite_twoRunsStagingTheSameEvents_secondRefused() {
        store = open(Kind.SQLITE);
        fill();
        store.beginRerating(head("rr_first"));
        stage("rr_first");
        store.beginRerating(head("rr_second"));
        assertThatThrownBy(() -> stage("rr_second")).isInstanceOf(ConflictException.class)
                .hasMessageContaining("another re-rating");
    }

    private void crashBetweenPages(Kind kind) throws Exception {
        store = open(kind);
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
        store = open(kind);
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

    private void crashAfterTheSwitch(Kind kind) {
        store = open(kind);
        fill();
        Rerating head = head("rr_switched");
        store.beginRerating(head);
        long[] counted = stage(head.id());
        store.switchStaged(applied(head, counted[0], counted[1])); // and then the process dies: no merge
        assertThat(rowsAt(OLD_NANOS)).as("rows not merged yet").isEqualTo(EVENTS);
        assertSums(NEW_NANOS, 0);
        store.close();

        store = open(kind);
        assertThat(rowsAt(NEW_NANOS)).as("rows merged at the start").isEqualTo(EVENTS);
        assertThat(staged("rerate_staged_events") + staged("rerate_staged_sums")).isZero();
        assertThat(store.rerating(head.id()).orElseThrow().state()).isEqualTo(Rerating.State.APPLIED);
        assertSums(NEW_NANOS, 0);
    }

    /** Stages every event of the month at the new price, in pages of 100; answers {walked, changed}. */
    private long[] stage(String id) {
        return stage(id, NEW_NANOS, 100, () -> { });
    }

    private static PricedCost newPrice() {
        return new PricedCost(Money.ofNanos(NEW_NANOS), List.of());
    }

    private void fill() {
        fillMonth(EVENTS, Duration.ofMinutes(41), 7, OLD_NANOS);
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

    /** Stands for the process dying: an Error, which no clean-up of the run catches. */
    private static final class SimulatedCrash extends Error {
    }
}
