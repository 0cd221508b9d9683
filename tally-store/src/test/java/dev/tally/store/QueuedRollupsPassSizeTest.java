package dev.tally.store;

import org.junit.jupiter.api.Test;

import static dev.tally.store.QueuedRollups.FEWEST_PASS_EVENTS;
import static dev.tally.store.QueuedRollups.MOST_PASS_EVENTS;
import static dev.tally.store.QueuedRollups.PASS_ROWS;
import static dev.tally.store.QueuedRollups.nextPassEvents;
import static org.assertj.core.api.Assertions.assertThat;

/** How many events a roller pass claims after one that rolled so many events into so many rows. */
class QueuedRollupsPassSizeTest {

    @Test
    void eventsOfFewSeries_claimAsManyAsKeepTheRowsWithinTheBudget_atMostThePassCap() {
        // The benchmark's mix: 200,000 events of an interval into some 170,000 rows of all tables.
        assertThat(nextPassEvents(200_000, 170_000)).isEqualTo((int) (PASS_ROWS * 200_000L / 170_000));
        assertThat(nextPassEvents(400_000, 100_000)).as("a fraction of a row an event").isEqualTo(MOST_PASS_EVENTS);
    }

    @Test
    void eventsOfASeriesEach_claimTheFewest_asBeforeTheCapWasRaised() {
        // Four grains, a latency cell and two end user rows an event.
        assertThat(nextPassEvents(100_000, 700_000)).isEqualTo(FEWEST_PASS_EVENTS);
        assertThat(nextPassEvents(50, 400)).isEqualTo(FEWEST_PASS_EVENTS);
    }

    @Test
    void aPassThatWroteNoRows_leavesTheNextAtTheCap() {
        assertThat(nextPassEvents(0, 0)).isEqualTo(MOST_PASS_EVENTS);
        assertThat(nextPassEvents(1_000, 0)).isEqualTo(MOST_PASS_EVENTS);
    }

    @Test
    void aSmallPass_overstatesTheRowsPerEvent_soTheNextClaimsFewerThanItCould() {
        // 1,000 events of a quiet moment into 900 rows: a larger pass of the same traffic touches far fewer per event.
        assertThat(nextPassEvents(1_000, 900)).isEqualTo((int) (PASS_ROWS * 1_000L / 900))
                .isBetween(FEWEST_PASS_EVENTS, MOST_PASS_EVENTS);
    }
}
