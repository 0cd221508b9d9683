package dev.tally.core.counter;

/**
 * One limit's counter as a decision saw it.
 *
 * @param used     usage committed by recorded events in the current window
 * @param reserved estimates held by open reservations
 * @param fits     whether {@code used + reserved + amount <= limit}; always true for an unlimited limit
 * @param retryMs  when it does not fit: how long until it would; 0 otherwise
 * @param resetMs  when the window resets (calendar) or its oldest usage falls out (sliding), epoch milliseconds
 */
public record CounterState(long used, long reserved, boolean fits, long retryMs, long resetMs) {
}
