package dev.tally.core.event;

import dev.tally.core.money.Money;

import java.time.Instant;

/**
 * An event as read back from the ledger.
 *
 * @param seq        the store's sequence number, increasing in the order events were written
 * @param event      the event
 * @param cost       its cost
 * @param unpriced   whether some of its usage had no price
 * @param receivedAt when Tally accepted it
 */
public record StoredEvent(long seq, UsageEvent event, Money cost, boolean unpriced, Instant receivedAt) {
}
