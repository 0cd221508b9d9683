package dev.tally.store;

import dev.tally.core.catalog.Catalog;
import dev.tally.core.customer.Customer;
import dev.tally.core.pricing.Price;
import dev.tally.core.rerate.RerateLine;
import dev.tally.core.rerate.Rerater;
import dev.tally.core.rerate.Rerating;
import dev.tally.core.store.LedgerFixtures;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 16: events past retention cannot be re-rated. Of ten events, the six received first are deleted by
 * retention; the re-rating changes the four left, says six are past retention, and the month's summary keeps their
 * old cost beside the four new ones.
 */
class RerateRetentionTest {
    private static final Instant T0 = LedgerFixtures.T0;

    @TempDir
    Path dir;
    private SqliteStore store;

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void sixOfTenEventsPastRetention_fourRerated_sixCountedAndKeptAsTheyWere() {
        store = SqliteStore.open("jdbc:sqlite:" + dir.resolve("tally.db"), InstantSource.fixed(T0));
        Catalog catalog = new Catalog(store);
        catalog.putCustomer(new Customer("acme", "Acme", null, ZoneOffset.UTC, 1, List.of(), T0));
        List<dev.tally.core.event.LedgerEntry> entries = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            entries.add(LedgerFixtures.event("e" + i).at(T0.minusSeconds(3_600L * (10 - i)))
                    .received(T0.minusSeconds(3_600L * (10 - i))).costNanos(1_000).build());
        }
        store.append(entries);
        assertThat(store.deleteEventsReceivedBefore(T0.minusSeconds(3_600L * 5 - 1))).isEqualTo(6);
        // 500 input tokens at 0.002 and 100 output at 0.004 per token: 1.4 USD an event.
        catalog.putPrices(List.of(
                new Price("openai", "gpt-4o", "input_tokens", new BigDecimal("0.002"), 1, Instant.EPOCH),
                new Price("openai", "gpt-4o", "output_tokens", new BigDecimal("0.004"), 1, Instant.EPOCH)));

        Rerating r = new Rerater(catalog, store, store, InstantSource.fixed(T0))
                .run(YearMonth.of(2026, 11), "acme", false, "admin");

        RerateLine line = r.lines().get(0);
        assertThat(line.events()).isEqualTo(4);
        assertThat(line.changed()).isEqualTo(4);
        assertThat(line.pastRetention()).isEqualTo(6);
        assertThat(line.costAfterNanos()).isEqualTo(4 * 1_400_000_000L);
        long month = store.rollups("acme", dev.tally.core.period.Window.MONTH, T0.minusSeconds(30L * 86_400),
                T0.plusSeconds(86_400)).stream().mapToLong(row -> row.counts().costNanos()).sum();
        assertThat(month).as("the six past retention keep their old cost").isEqualTo(6 * 1_000L + 4 * 1_400_000_000L);
        assertThat(store.rerating(r.id()).orElseThrow().pastRetention()).isEqualTo(6);
    }
}
