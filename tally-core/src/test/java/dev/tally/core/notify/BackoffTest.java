package dev.tally.core.notify;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BackoffTest {
    /** A random source that always answers its lowest or highest value. */
    private static RandomGenerator fixed(boolean highest) {
        return new RandomGenerator() {
            @Override
            public long nextLong() {
                return 0;
            }

            @Override
            public long nextLong(long bound) {
                return highest ? bound - 1 : 0;
            }
        };
    }

    @Test
    void delayAfter_withoutJitter_growsThenCapsAtTwoHours() {
        Backoff backoff = new Backoff(20, fixed(false));

        assertThat(backoff.delayAfter(1)).isEqualTo(Duration.ofSeconds(10));
        assertThat(backoff.delayAfter(2)).isEqualTo(Duration.ofSeconds(30));
        assertThat(backoff.delayAfter(3)).isEqualTo(Duration.ofMinutes(2));
        assertThat(backoff.delayAfter(4)).isEqualTo(Duration.ofMinutes(10));
        assertThat(backoff.delayAfter(5)).isEqualTo(Duration.ofMinutes(30));
        assertThat(backoff.delayAfter(6)).isEqualTo(Duration.ofHours(1));
        assertThat(backoff.delayAfter(7)).isEqualTo(Duration.ofHours(2));
        assertThat(backoff.delayAfter(19)).isEqualTo(Duration.ofHours(2));
    }

    @Test
    void delayAfter_highestJitter_addsTwentyPercent() {
        Backoff backoff = new Backoff(20, fixed(true));

        assertThat(backoff.delayAfter(1)).isEqualTo(Duration.ofSeconds(12));
        assertThat(backoff.delayAfter(10)).isEqualTo(Backoff.longestDelay());
    }

    @Test
    void delayAfter_randomJitter_staysWithinItsBounds() {
        Backoff backoff = new Backoff(20, new SplittableRandom(42));
        for (int i = 0; i < 1000; i++) {
            assertThat(backoff.delayAfter(2)).isBetween(Duration.ofSeconds(30), Duration.ofSeconds(36));
        }
    }

    @Test
    void delayAfter_lastAttempt_isNull() {
        Backoff backoff = new Backoff(3, fixed(false));

        assertThat(backoff.delayAfter(2)).isNotNull();
        assertThat(backoff.delayAfter(3)).isNull();
    }

    @Test
    void defaultSchedule_givesUpAboutADayAfterTheFirstAttempt() {
        Backoff backoff = new Backoff(Backoff.DEFAULT_MAX_ATTEMPTS, fixed(false));
        Duration total = Duration.ZERO;
        for (int attempt = 1; backoff.delayAfter(attempt) != null; attempt++) {
            total = total.plus(backoff.delayAfter(attempt));
        }
        assertThat(total).isBetween(Duration.ofHours(20), Duration.ofHours(26));
    }

    @Test
    void constructor_noAttempts_isRefused() {
        assertThatThrownBy(() -> new Backoff(0, fixed(false))).hasMessageContaining("maxAttempts must be >= 1, was 0");
    }
}
