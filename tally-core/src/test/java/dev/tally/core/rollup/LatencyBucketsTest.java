package dev.tally.core.rollup;

import org.junit.jupiter.api.Test;

import java.util.SortedMap;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

class LatencyBucketsTest {
    @Test
    void indexOf_belowSixtyFour_isExact() {
        for (long v = 0; v < 64; v++) {
            assertThat(LatencyBuckets.representative(LatencyBuckets.indexOf(v))).isEqualTo(v);
        }
    }

    @Test
    void representative_isWithinOnePointSixPercent_andIndexIsMonotonic() {
        int previous = -1;
        for (long v = 1; v < 10_000_000; v = v * 21 / 20 + 1) {
            int index = LatencyBuckets.indexOf(v);
            assertThat(index).isGreaterThanOrEqualTo(previous);
            previous = index;
            long rep = LatencyBuckets.representative(index);
            assertThat(Math.abs(rep - v)).isLessThanOrEqualTo((long) Math.ceil(v * 0.016));
            assertThat(LatencyBuckets.lowerBound(index)).isLessThanOrEqualTo(v);
        }
    }

    @Test
    void percentile_nearestRank() {
        SortedMap<Integer, Long> h = new TreeMap<>();
        for (long v = 1; v <= 100; v++) {
            h.merge(LatencyBuckets.indexOf(v), 1L, Long::sum);
        }
        assertThat(LatencyBuckets.percentile(h, 50)).isEqualTo(50);
        assertThat(LatencyBuckets.percentile(h, 99)).isBetween(98L, 100L);
        assertThat(LatencyBuckets.percentile(new TreeMap<>(), 50)).isNull();
    }

    @Test
    void indexOf_negative_countsAsZero() {
        assertThat(LatencyBuckets.indexOf(-5)).isZero();
    }
}
