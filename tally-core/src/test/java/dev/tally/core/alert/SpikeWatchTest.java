package dev.tally.core.alert;

import dev.tally.core.customer.Customer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SpikeWatchTest {
    private static final Customer ACME = new Customer("acme", "Acme", null, ZoneOffset.UTC, 1, List.of(),
            Instant.EPOCH);
    private static final Instant T0 = Instant.parse("2026-11-10T08:00:00Z");
    private static final Duration WINDOW = Duration.ofMinutes(5);

    private final SpikeWatch watch = new SpikeWatch(AlertSettings.SpikeRule.DEFAULT);
    private final List<Alert> fired = new ArrayList<>();

    /** {@code n} requests in window {@code w} (counted from T0). */
    private void requests(int w, int n) {
        Instant at = T0.plus(WINDOW.multipliedBy(w)).plusSeconds(10);
        for (int i = 0; i < n; i++) {
            watch.request(ACME, at, fired);
        }
    }

    private void baseline(int windows, int perWindow) {
        for (int w = 0; w < windows; w++) {
            requests(w, perWindow);
        }
    }

    @Test
    void request_jumpFarAboveBaseline_firesOnceAtTheRuleLine() {
        baseline(13, 30);

        requests(13, 400);

        assertThat(fired).hasSize(1);
        // More than 5 x 30 = 150: the 151st request of the window crosses.
        assertThat(fired.get(0).message()).startsWith("Acme sent 151 requests in 5 minutes, against a usual 30.0");
        assertThat(fired.get(0).period()).isEqualTo("2026-11-10T09");
        assertThat(fired.get(0).kind()).isEqualTo(AlertKind.RATE_SPIKE);
    }

    @Test
    void request_quietCustomerJumpsBelowMinimumVolume_neverFlagged() {
        baseline(13, 1);

        requests(13, 99);

        assertThat(fired).isEmpty();
    }

    @Test
    void request_duringWarmup_neverFlagged() {
        baseline(5, 10);

        requests(5, 1000);

        assertThat(fired).isEmpty();
    }

    @Test
    void request_steadyHighVolume_neverFlagged() {
        baseline(40, 500);

        assertThat(fired).isEmpty();
    }

    @Test
    void request_spikeLastingTheHour_oneAlertPerHour_forgetLetsItFireAgain() {
        baseline(13, 20);
        requests(13, 500);
        requests(14, 500);
        assertThat(fired).hasSize(1);

        watch.forget();
        requests(15, 5000);

        assertThat(fired).hasSize(2);
    }

    @Test
    void request_afterLongSilence_baselineDecaysSoModestTrafficIsASpikeOnlyAboveMinimum() {
        baseline(13, 200);
        // A day of silence: the baseline decays toward zero.
        requests(13 + 288, 100);

        assertThat(fired).hasSize(1);
        assertThat(fired.get(0).message()).startsWith("Acme sent 100 requests");
    }
}
