/**
 * Usage events: one metered call as sent ({@link dev.tally.core.event.UsageEvent}), as stored
 * ({@link dev.tally.core.event.StoredEvent}) and as queried from the log.
 *
 * <p>Rules: an event is immutable once validated; its idempotency key is (id, source). Its end user and dimensions
 * follow {@link dev.tally.core.event.EndUsers} (user 1-128 characters; at most 8 lower_snake_case keys with values
 * of 1-128 characters), which events, authorizations and limits share. {@code metadata} is opaque and never summed.
 *
 * <p>Plain data: depends on {@code money}, {@code period} and {@code problem} only.
 */
package dev.tally.core.event;
