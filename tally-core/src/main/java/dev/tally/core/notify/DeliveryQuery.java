package dev.tally.core.notify;

import java.time.Instant;

/**
 * A page of the outbox, newest first: optionally only one channel's or one state's rows, continuing after the row
 * ({@code beforeCreatedAt}, {@code beforeId}) that ended the previous page.
 *
 * @param channelId       only this channel's rows, or null for all
 * @param state           only rows in this state, or null for all
 * @param beforeCreatedAt with {@code beforeId}: the last row of the previous page, or null for the first page
 * @param beforeId        see {@code beforeCreatedAt}
 * @param limit           the most rows returned
 */
public record DeliveryQuery(String channelId, DeliveryState state, Instant beforeCreatedAt, String beforeId,
                            int limit) {
    public DeliveryQuery {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be >= 1, was " + limit);
        }
        if ((beforeCreatedAt == null) != (beforeId == null)) {
            throw new IllegalArgumentException("beforeCreatedAt and beforeId go together");
        }
    }
}
