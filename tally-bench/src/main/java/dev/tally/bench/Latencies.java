package dev.tally.bench;

import org.HdrHistogram.Histogram;

/** Request latencies in microseconds, recorded in an HdrHistogram and printed as milliseconds. */
final class Latencies {
    private Latencies() {
    }

    /** A histogram of 1 µs to 10 min at three significant digits. */
    static Histogram histogram() {
        return new Histogram(1, 600_000_000L, 3);
    }

    static double ms(long micros) {
        return micros / 1000.0;
    }

    /** {@code p50 1.23 ms, p95 ..., p99 ..., max ...} of {@code h}. */
    static String summary(Histogram h) {
        return String.format("n %d, p50 %.2f ms, p95 %.2f ms, p99 %.2f ms, max %.2f ms, mean %.2f ms",
                h.getTotalCount(), ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(95)),
                ms(h.getValueAtPercentile(99)), ms(h.getMaxValue()), h.getMean() / 1000.0);
    }
}
