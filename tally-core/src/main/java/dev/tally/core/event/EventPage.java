package dev.tally.core.event;

import java.util.List;

/**
 * One page of an event log.
 *
 * @param events the events, newest first
 * @param next   where the next page starts, or null if this is the last
 */
public record EventPage(List<StoredEvent> events, EventCursor next) {
}
