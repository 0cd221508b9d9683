package dev.tally.core.counter;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 13, item 6: a per-user minute or hour counter keeps only the slots it touched ({@link SparseSlidingCounter}),
 * and answers exactly what the 60-slot {@link SlidingWindowCounter} answers.
 */
class SparseSlidingCounterTest {
    private static final long START = Instant.parse("2026-11-20T12:00:00Z").toEpochMilli();

    /**
     * Random operations over several windows (events in and out of order and from the near future, holds, releases
     * of holds that may have left the window, a clock that sometimes stands still): after each, both counters say the
     * same used, reserved, reset and time until a need fits.
     */
    @ParameterizedTest
    @ValueSource(longs = {60_000L, 3_600_000L})
    void randomOperations_answerLikeTheDenseCounter(long windowMs) {
        Random random = new Random(13 + windowMs);
        SlidingWindowCounter dense = new SlidingWindowCounter(windowMs);
        SparseSlidingCounter sparse = new SparseSlidingCounter(windowMs);
        List<long[]> holds = new ArrayList<>();
        long now = START;
        for (int step = 0; step < 20_000; step++) {
            now += random.nextInt(4) == 0 ? 0 : random.nextLong(windowMs / 20);
            long at = now - random.nextLong(windowMs + windowMs / 10) + (random.nextInt(50) == 0 ? 5_000 : 0);
            long amount = 1 + random.nextInt(5);
            switch (random.nextInt(4)) {
                case 0, 1 -> {
                    dense.add(at, amount, now);
                    sparse.add(at, amount, now);
                }
                case 2 -> {
                    dense.hold(now, amount, now);
                    sparse.hold(now, amount, now);
                    holds.add(new long[]{now, amount});
                }
                default -> {
                    if (!holds.isEmpty()) {
                        long[] h = holds.remove(random.nextInt(holds.size()));
                        dense.unhold(h[0], h[1]);
                        sparse.unhold(h[0], h[1]);
                    }
                }
            }
            assertThat(sparse.used(now)).as("used at step %d", step).isEqualTo(dense.used(now));
            assertThat(sparse.reserved(now)).as("reserved at step %d", step).isEqualTo(dense.reserved(now));
            assertThat(sparse.resetMs(now)).as("reset at step %d", step).isEqualTo(dense.resetMs(now));
            long limit = random.nextInt(60);
            long need = 1 + random.nextInt(10);
            if (dense.used(now) + dense.reserved(now) + need > limit) {
                assertThat(sparse.millisUntilFits(now, need, limit)).as("wait at step %d", step)
                        .isEqualTo(dense.millisUntilFits(now, need, limit));
            }
        }
    }

    @Test
    void oneCall_keepsOneSlot_andSlotsThatLeftTheWindowAreDropped() {
        SparseSlidingCounter c = new SparseSlidingCounter(60_000);
        c.add(START, 1, START);
        assertThat(c.used(START + 59_000)).isEqualTo(1);
        assertThat(c.used(START + 60_000)).isZero();
        // Every second of a minute, then a call a minute later: the 60 old slots go, one is left.
        for (int s = 0; s < 60; s++) {
            c.add(START + s * 1000L, 1, START + s * 1000L);
        }
        assertThat(c.used(START + 59_000)).isEqualTo(61);
        long later = START + 130_000;
        c.add(later, 2, later);
        assertThat(c.used(later)).isEqualTo(2);
        assertThat(c.resetMs(later)).isEqualTo(later + 60_000);
    }
}
