package dev.tally.core.rollup;

import java.util.Map;
import java.util.SortedMap;

/**
 * A fixed log-linear bucketing of latencies in milliseconds, so that histograms are stored as plain
 * (bucket, count) rows that add up with SQL upserts and merge across days by addition.
 *
 * <p>Values 0-63 ms have a bucket each (exact). Above that, every power of two is split into 32 equal buckets, the
 * scheme of HdrHistogram with five bits of sub-bucket precision: a bucket's width is at most 1/32 of its lower bound,
 * so a percentile read back is within 1.6% of the true value (the midpoint of the bucket is reported).
 */
public final class LatencyBuckets {
    private static final int EXACT = 64;
    private static final int SUB_BITS = 5;
    private static final int SUBS = 1 << SUB_BITS;

    private LatencyBuckets() {
    }

    /** The bucket of a latency; negative latencies count as 0. */
    public static int indexOf(long latencyMs) {
        if (latencyMs < EXACT) {
            return (int) Math.max(0, latencyMs);
        }
        int exponent = 63 - Long.numberOfLeadingZeros(latencyMs);
        int sub = (int) ((latencyMs >>> (exponent - SUB_BITS)) & (SUBS - 1));
        return EXACT + (exponent - 6) * SUBS + sub;
    }

    /** The smallest latency in a bucket. */
    public static long lowerBound(int index) {
        if (index < EXACT) {
            return index;
        }
        int exponent = (index - EXACT) / SUBS + 6;
        int sub = (index - EXACT) % SUBS;
        return (long) (SUBS + sub) << (exponent - SUB_BITS);
    }

    /** The value reported for a bucket: exact below 64 ms, else the bucket's midpoint. */
    public static long representative(int index) {
        if (index < EXACT) {
            return index;
        }
        int exponent = (index - EXACT) / SUBS + 6;
        long width = 1L << (exponent - SUB_BITS);
        return lowerBound(index) + width / 2;
    }

    /**
     * The latency at percentile {@code p} (0-100) of a histogram given as counts by bucket, sorted by bucket; null if
     * it is empty. Uses the nearest-rank definition: the smallest value with at least p% of values at or below it.
     */
    public static Long percentile(SortedMap<Integer, Long> counts, double p) {
        long total = 0;
        for (long c : counts.values()) {
            total += c;
        }
        if (total == 0) {
            return null;
        }
        long rank = Math.max(1, (long) Math.ceil(p / 100.0 * total));
        long seen = 0;
        for (Map.Entry<Integer, Long> e : counts.entrySet()) {
            seen += e.getValue();
            if (seen >= rank) {
                return representative(e.getKey());
            }
        }
        return representative(counts.lastKey());
    }
}
