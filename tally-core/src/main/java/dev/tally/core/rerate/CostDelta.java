package dev.tally.core.rerate;

/**
 * How much an applied re-rating moved the cost of one customer's series on one day (and, for the last hour's events,
 * in one minute): what the enforcing counters and the alerts are moved by.
 *
 * @param customerId whose
 * @param provider   the events' provider, null when absent
 * @param model      the events' model, null when absent
 * @param endpoint   the events' endpoint, null when absent
 * @param dayStart   the start of the events' day bucket (where the counters place the change)
 * @param monthStart the start of the events' billing month bucket
 * @param minuteStart the start of the events' UTC minute when they lie in the hour before the re-rating began (the
 *                    minute and hour windows that may still count them), else null
 * @param nanos      the signed change of cost in nano-dollars
 */
public record CostDelta(String customerId, String provider, String model, String endpoint,
                        java.time.Instant dayStart, java.time.Instant monthStart, java.time.Instant minuteStart,
                        long nanos) {
}
