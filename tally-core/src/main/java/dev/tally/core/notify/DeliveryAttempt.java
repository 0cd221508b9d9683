package dev.tally.core.notify;

import java.time.Instant;
import java.util.Objects;

/**
 * One entry of the delivery log: an attempt at one outbox row and how it went.
 *
 * @param notificationId the outbox row
 * @param attempt        1 for the first attempt
 * @param at             when it started
 * @param succeeded      whether the receiver accepted it
 * @param statusCode     the HTTP status (webhooks) or SMTP reply code, or null when there was no answer
 * @param error          what went wrong, or null on success
 * @param durationMillis how long it took
 */
public record DeliveryAttempt(String notificationId, int attempt, Instant at, boolean succeeded, Integer statusCode,
                              String error, long durationMillis) {
    public DeliveryAttempt {
        Objects.requireNonNull(notificationId, "notificationId");
        Objects.requireNonNull(at, "at");
    }
}
