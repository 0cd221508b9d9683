package dev.tally.core.notify;

import java.time.Instant;
import java.util.Objects;

/**
 * One row of the notification outbox: one event for one recipient of one channel, with its delivery state. Its id
 * is the Standard Webhooks message id ({@code webhook-id}): the same on every retry, so receivers can drop
 * duplicates.
 *
 * @param id            {@code msg_...}, derived from the event and the recipient, so enqueuing twice stores once
 * @param channelId     the channel it goes out through
 * @param recipient     the webhook URL or the e-mail address
 * @param eventType     e.g. {@code alert.threshold}
 * @param payload       the event as JSON, exactly the bytes a webhook receiver gets and verifies
 * @param attempts      attempts made so far
 * @param nextAttemptAt when it is due next (also the end of a claim's lease while an attempt runs)
 * @param state         pending, failed, delivered or dead
 * @param lastError     what went wrong in the last failed attempt, or null
 * @param createdAt     when it was enqueued
 * @param deliveredAt   when a receiver accepted it, or null
 */
public record Notification(String id, String channelId, String recipient, String eventType, String payload,
                           int attempts, Instant nextAttemptAt, DeliveryState state, String lastError,
                           Instant createdAt, Instant deliveredAt) {
    public Notification {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(channelId, "channelId");
        Objects.requireNonNull(recipient, "recipient");
        Objects.requireNonNull(eventType, "eventType");
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(nextAttemptAt, "nextAttemptAt");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(createdAt, "createdAt");
    }

    /** A new row, due at once. */
    public static Notification pending(String id, String channelId, String recipient, String eventType,
                                       String payload, Instant now) {
        return new Notification(id, channelId, recipient, eventType, payload, 0, now, DeliveryState.PENDING, null,
                now, null);
    }

    /** This row after an accepted attempt. */
    public Notification delivered(Instant at) {
        return new Notification(id, channelId, recipient, eventType, payload, attempts + 1, at,
                DeliveryState.DELIVERED, null, createdAt, at);
    }

    /** This row after a failed attempt: retried at {@code retryAt}, or dead if that is null. */
    public Notification failed(String error, Instant now, Instant retryAt) {
        return new Notification(id, channelId, recipient, eventType, payload, attempts + 1,
                retryAt == null ? now : retryAt, retryAt == null ? DeliveryState.DEAD : DeliveryState.FAILED, error,
                createdAt, null);
    }
}
