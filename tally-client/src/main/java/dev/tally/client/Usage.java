package dev.tally.client;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A customer's usage in a billing period: the totals and every limit in its current window. A summary of
 * {@code GET /v1/customers/{id}/usage}; breakdowns by provider, model, day and endpoint are left to that route.
 *
 * @param customer       the customer's id
 * @param plan           its plan, or null
 * @param period         the billing period
 * @param totals         the period's totals
 * @param limits         every limit that applies to the customer, each in its own current window
 * @param unpricedEvents events with usage no price matched (counted, not billed at $0)
 */
public record Usage(String customer, String plan, Period period, Totals totals, List<LimitState> limits,
                    long unpricedEvents) {
    public Usage {
        limits = List.copyOf(limits);
    }

    /**
     * A billing period, {@code [start, end)}.
     *
     * @param start    inclusive
     * @param end      exclusive
     * @param resetsAt when the period's counters start again (its end)
     */
    public record Period(Instant start, Instant end, Instant resetsAt) {
    }

    /**
     * Sums over a period.
     *
     * @param requests events
     * @param errors   events with status 400 or above
     * @param tokens   sum of the token metrics
     * @param cost     exact cost in USD
     * @param metrics  the sum of every sent metric ({@code input_tokens}, {@code output_tokens}, {@code seconds},
     *                 ...), exact
     */
    public record Totals(long requests, long errors, long tokens, BigDecimal cost, Map<String, BigDecimal> metrics) {
        public Totals {
            metrics = Map.copyOf(metrics);
        }

        /** The sum of {@code metric}, zero when none was sent. */
        public BigDecimal metric(String metric) {
            return metrics.getOrDefault(metric, BigDecimal.ZERO);
        }
    }
}
