package dev.tally.core.enforce;

import dev.tally.core.money.Money;

import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What a call is expected to use, before it is made. {@code requests: 1} is always part of it.
 *
 * @param metricMicros sent metrics in micros, e.g. {@code input_tokens}
 * @param tokensMicros an estimate of {@code tokens} as a whole, or null to add up the token metrics
 * @param cost         an estimate of the cost, or null to price {@code metricMicros} with the catalog
 */
public record CallEstimate(SortedMap<String, Long> metricMicros, Long tokensMicros, Money cost) {
    public CallEstimate {
        metricMicros = metricMicros == null ? new TreeMap<>() : metricMicros;
    }

    /** An estimate of one request and nothing else. */
    public static CallEstimate requestOnly() {
        return new CallEstimate(new TreeMap<>(), null, null);
    }
}
