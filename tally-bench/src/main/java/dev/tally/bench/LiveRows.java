package dev.tally.bench;

import dev.tally.core.event.LedgerEntry;
import dev.tally.core.pricing.PriceCatalog;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Batches of the mix's events as ledger entries stamped now, with unique ids, for random customers: what the
 * server's writer would hand the store for the same traffic.
 */
final class LiveRows {
    private final int customers;
    private final PriceCatalog prices;
    private final SplittableRandom random = new SplittableRandom(42);
    private final String run;
    private long sequence;
    private final EventMix.EndUserMix mix;

    LiveRows(int customers, PriceCatalog prices) {
        this(customers, prices, "");
    }

    /** Rows whose ids carry {@code label}, so that several sources of rows in one run never share an id. */
    LiveRows(int customers, PriceCatalog prices, String label) {
        this(customers, prices, label, EventMix.EndUserMix.DEFAULT);
    }

    /** Rows with the end users and dimensions of {@code mix}. */
    LiveRows(int customers, PriceCatalog prices, String label, EventMix.EndUserMix mix) {
        this.customers = customers;
        this.prices = prices;
        this.run = Long.toString(System.currentTimeMillis(), 36) + label;
        this.mix = mix;
    }

    List<LedgerEntry> next(int n) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        List<LedgerEntry> entries = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            entries.add(EventMix.Call.draw(random).ledgerEntry("evt_" + run + "_" + Long.toString(sequence++, 36),
                    AdminApi.customerId(random.nextInt(customers)), now, prices, mix, random));
        }
        return entries;
    }
}
