package dev.tally.core.event;

import dev.tally.core.money.Money;

import java.time.Instant;
import java.util.List;

/**
 * An event ready to be written to the ledger: priced, and with its rollup buckets fixed.
 *
 * @param event           the validated event
 * @param cost            its cost, computed once at ingestion (or the sender's override)
 * @param unpricedMetrics sent metrics that had no price; empty when fully priced
 * @param receivedAt      when Tally accepted it
 * @param buckets         the starts of its minute, hour, day and month rollups
 */
public record LedgerEntry(UsageEvent event, Money cost, List<String> unpricedMetrics, Instant receivedAt,
                          Buckets buckets) {
    public LedgerEntry {
        unpricedMetrics = List.copyOf(unpricedMetrics);
    }

    public boolean isUnpriced() {
        return !unpricedMetrics.isEmpty();
    }
}
