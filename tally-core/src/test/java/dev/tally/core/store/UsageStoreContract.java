package dev.tally.core.store;

import dev.tally.core.event.LedgerEntry;
import dev.tally.core.metric.Quantity;
import dev.tally.core.period.Window;
import dev.tally.core.persistence.TallyStore;
import dev.tally.core.rollup.LatencyBuckets;
import dev.tally.core.rollup.RollupCounts;
import dev.tally.core.rollup.RollupDimension;
import dev.tally.core.rollup.RollupKey;
import dev.tally.core.rollup.RollupRow;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static dev.tally.core.store.LedgerFixtures.T0;
import static dev.tally.core.store.LedgerFixtures.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The {@link UsageStore} contract: appends, duplicates, atomicity and rollups. */
public interface UsageStoreContract {
    Instant MINUTE = Instant.parse("2026-11-20T10:15:00Z");
    Instant HOUR = Instant.parse("2026-11-20T10:00:00Z");
    Instant DAY = Instant.parse("2026-11-20T00:00:00Z");
    Instant MONTH = Instant.parse("2026-11-01T00:00:00Z");
    Instant FAR_PAST = Instant.parse("2000-01-01T00:00:00Z");
    Instant FAR_FUTURE = Instant.parse("2100-01-01T00:00:00Z");

    TallyStore store();

    /** Closes the store and opens another over the same storage; returns it (also from {@link #store()}). */
    TallyStore reopen() throws Exception;

    @Test
    default void append_newEvents_storesEachAndReturnsTrue() {
        boolean[] stored = store().append(List.of(event("e1").build(), event("e2").build()));

        assertThat(stored).containsExactly(true, true);
        assertThat(store().countEvents()).isEqualTo(2);
    }

    @Test
    default void append_emptyBatch_returnsEmptyAndStoresNothing() {
        assertThat(store().append(List.of())).isEmpty();
        assertThat(store().countEvents()).isZero();
    }

    @Test
    default void append_twoEventsOfOneKey_rollsUpEveryGrainWithAllSums() {
        store().append(List.of(
                event("e1").status(200).latencyMs(100L).costNanos(1_500).build(),
                event("e2").status(503).latencyMs(300L).costNanos(2_500).unpriced("images")
                        .usage("images", Quantity.ofUnits(2)).build()));

        Map<Window, Instant> starts = Map.of(Window.MINUTE, MINUTE, Window.HOUR, HOUR, Window.DAY, DAY,
                Window.MONTH, MONTH);
        for (Window grain : Window.values()) {
            RollupRow row = onlyRow(store().rollups("acme", grain, FAR_PAST, FAR_FUTURE));
            assertThat(row.key()).isEqualTo(new RollupKey("acme", grain, starts.get(grain), "openai", "gpt-4o",
                    "/v1/chat"));
            RollupCounts c = row.counts();
            assertThat(List.of(c.requests(), c.errors(), c.status2xx(), c.status3xx(), c.status4xx(), c.status5xx()))
                    .as(grain + " counts").containsExactly(2L, 1L, 1L, 0L, 0L, 1L);
            assertThat(List.of(c.costNanos(), c.unpriced(), c.latencySumMs(), c.latencyCount()))
                    .as(grain + " sums").containsExactly(4_000L, 1L, 400L, 2L);
            assertThat(c.metricMicros()).as(grain + " metrics").containsExactlyInAnyOrderEntriesOf(Map.of(
                    "input_tokens", Quantity.ofUnits(1000), "output_tokens", Quantity.ofUnits(200),
                    "images", Quantity.ofUnits(2)));
        }
    }

    @Test
    default void append_everyMetricKind_readsBackExactMicros() {
        store().append(List.of(event("e1").noUsage().usage("input_tokens", 7).usage("cached_tokens", 3)
                .usage("seconds", 1_500_000).usage("gpu_ms", 42).build()));

        assertThat(onlyRow(store().rollups("acme", Window.DAY, FAR_PAST, FAR_FUTURE)).counts().metricMicros())
                .containsExactlyInAnyOrderEntriesOf(Map.of("input_tokens", 7L, "cached_tokens", 3L,
                        "seconds", 1_500_000L, "gpu_ms", 42L));
    }

    @Test
    default void append_absentProviderModelEndpoint_rollsUpUnderEmptyStrings() {
        store().append(List.of(event("e1").provider(null).model(null).endpoint(null).status(null).latencyMs(null)
                .build()));

        RollupRow row = onlyRow(store().rollups("acme", Window.HOUR, FAR_PAST, FAR_FUTURE));
        assertThat(List.of(row.key().provider(), row.key().model(), row.key().endpoint())).containsExactly("", "", "");
        assertThat(row.counts().status2xx() + row.counts().errors() + row.counts().latencyCount()).isZero();
        assertThat(store().latencyHistogram("acme", FAR_PAST, FAR_FUTURE)).isEmpty();
    }

    @Test
    default void append_differentKeys_rollUpSeparately() {
        store().append(List.of(event("e1").build(), event("e2").model("gpt-4o-mini").build(),
                event("e3").endpoint("/v1/embed").build(), event("e4").customer("globex").build()));

        assertThat(store().rollups("acme", Window.MONTH, FAR_PAST, FAR_FUTURE)).hasSize(3);
        assertThat(store().rollups(null, Window.MONTH, FAR_PAST, FAR_FUTURE)).hasSize(4);
    }

    @Test
    default void append_latencies_fillTheDailyHistogram() {
        store().append(List.of(event("e1").latencyMs(5L).build(), event("e2").latencyMs(5L).build(),
                event("e3").latencyMs(1_000L).build(), event("e4").customer("globex").latencyMs(7L).build()));

        assertThat(store().latencyHistogram("acme", DAY, DAY.plus(Duration.ofDays(1))))
                .containsExactly(Map.entry(LatencyBuckets.indexOf(5), 2L),
                        Map.entry(LatencyBuckets.indexOf(1_000), 1L));
    }

    @Test
    default void latencyHistogram_severalDays_sumsDaysInRangeOnly() {
        store().append(List.of(event("e1").latencyMs(5L).build(),
                event("e2").latencyMs(5L).at(T0.plus(Duration.ofDays(1))).build(),
                event("e3").latencyMs(5L).at(T0.plus(Duration.ofDays(2))).build()));

        assertThat(store().latencyHistogram("acme", DAY, DAY.plus(Duration.ofDays(2))))
                .containsExactly(Map.entry(LatencyBuckets.indexOf(5), 2L));
    }

    @Test
    default void append_sameIdTwiceInOneBatch_storesOnce() {
        boolean[] stored = store().append(List.of(event("e1").build(), event("e1").costNanos(9).build()));

        assertThat(stored).containsExactly(true, false);
        assertThat(store().countEvents()).isEqualTo(1);
        RollupCounts month = onlyRow(store().rollups("acme", Window.MONTH, FAR_PAST, FAR_FUTURE)).counts();
        assertThat(month.requests()).isEqualTo(1);
        assertThat(month.costNanos()).isEqualTo(1_000);
    }

    @Test
    default void append_sameIdInLaterBatch_isDuplicateAndChangesNoRollup() {
        store().append(List.of(event("e1").build()));

        boolean[] stored = store().append(List.of(event("e2").build(), event("e1").build()));

        assertThat(stored).containsExactly(true, false);
        assertThat(onlyRow(store().rollups("acme", Window.MINUTE, FAR_PAST, FAR_FUTURE)).counts().requests())
                .isEqualTo(2);
        assertThat(store().latencyHistogram("acme", FAR_PAST, FAR_FUTURE).values()).containsExactly(2L);
    }

    @Test
    default void append_sameIdAfterReopen_isDuplicate() throws Exception {
        store().append(List.of(event("e1").build()));

        boolean[] stored = reopen().append(List.of(event("e1").build()));

        assertThat(stored).containsExactly(false);
        assertThat(store().countEvents()).isEqualTo(1);
        assertThat(onlyRow(store().rollups("acme", Window.DAY, FAR_PAST, FAR_FUTURE)).counts().requests())
                .isEqualTo(1);
    }

    @Test
    default void append_cloudEventIdFromTwoSources_storesBoth() {
        boolean[] stored = store().append(List.of(event("req-1").cloudEvent(ce("//a.example")).build(),
                event("req-1").cloudEvent(ce("//b.example")).build()));

        assertThat(stored).containsExactly(true, true);
        assertThat(store().countEvents()).isEqualTo(2);
    }

    @Test
    default void append_cloudEventIdSameAsPlainId_storesBothEitherOrder() {
        boolean[] first = store().append(List.of(event("req-1").build(),
                event("req-1").cloudEvent(ce("//a.example")).build()));
        boolean[] second = store().append(List.of(event("req-2").cloudEvent(ce("//a.example")).build(),
                event("req-2").build()));

        assertThat(first).containsExactly(true, true);
        assertThat(second).containsExactly(true, true);
        assertThat(store().countEvents()).isEqualTo(4);
    }

    @Test
    default void append_sameSourceAndIdAgain_isDuplicateInBatchAndLater() throws Exception {
        boolean[] once = store().append(List.of(event("req-1").cloudEvent(ce("//a.example")).build(),
                event("req-1").cloudEvent(ce("//a.example")).costNanos(9).build()));
        boolean[] later = reopen().append(List.of(event("req-1").cloudEvent(ce("//a.example")).build()));

        assertThat(once).containsExactly(true, false);
        assertThat(later).containsExactly(false);
        assertThat(onlyRow(store().rollups("acme", Window.MONTH, FAR_PAST, FAR_FUTURE)).counts().requests())
                .isEqualTo(1);
    }

    private static dev.tally.core.event.CloudEventAttributes ce(String source) {
        return new dev.tally.core.event.CloudEventAttributes(source, "com.example.call", null);
    }

    @Test
    default void append_failingBatch_leavesNothing() {
        store().append(List.of(event("big").costNanos(Long.MAX_VALUE - 10).build()));
        List<RollupRow> before = store().rollups(null, Window.MONTH, FAR_PAST, FAR_FUTURE);

        // The events insert fine; adding e1's cost to the month rollup then overflows: the events' fault, not the
        // store's, so it says so (the writer then refuses e1 alone instead of asking for a retry; issue 11).
        assertThatThrownBy(() -> store().append(List.of(event("e0").customer("globex").build(),
                event("e1").costNanos(100).build())))
                .isInstanceOf(SumBoundException.class);

        assertThat(store().countEvents()).isEqualTo(1);
        assertThat(store().rollups(null, Window.MONTH, FAR_PAST, FAR_FUTURE)).usingRecursiveComparison()
                .isEqualTo(before);
        assertThat(store().append(List.of(event("e0").customer("globex").build()))).containsExactly(true);
    }

    @Test
    default void rollupSums_dimensionsSummedAway_equalInMemorySumsOfTheRows() {
        store().append(List.of(
                event("e1").status(200).latencyMs(100L).costNanos(1_000).usage("images", Quantity.ofUnits(1)).build(),
                event("e2").model("gpt-4o-mini").status(500).latencyMs(50L).costNanos(7).build(),
                event("e3").endpoint("/v1/embed").usage("characters", Quantity.ofUnits(3)).build(),
                event("e4").provider("anthropic").model("claude").unpriced("images")
                        .usage("images", Quantity.ofUnits(2)).build(),
                event("e5").customer("globex").provider(null).model(null).endpoint(null).build(),
                event("e6").at(T0.plus(Duration.ofHours(2))).build()));
        List<Set<RollupDimension>> choices = List.of(EnumSet.noneOf(RollupDimension.class),
                EnumSet.of(RollupDimension.PROVIDER), EnumSet.of(RollupDimension.PROVIDER, RollupDimension.MODEL),
                EnumSet.of(RollupDimension.ENDPOINT), EnumSet.allOf(RollupDimension.class));
        for (Window grain : Window.values()) {
            List<RollupRow> all = store().rollups(null, grain, FAR_PAST, FAR_FUTURE);
            for (Set<RollupDimension> keep : choices) {
                List<RollupRow> summed = store().rollupSums(grain, FAR_PAST, FAR_FUTURE, keep);
                assertThat(describe(summed)).as(grain + " keeping " + keep)
                        .isEqualTo(describe(RollupDimension.sum(all, keep)));
            }
        }
        List<RollupRow> byCustomer = store().rollupSums(Window.MONTH, FAR_PAST, FAR_FUTURE,
                EnumSet.noneOf(RollupDimension.class));
        assertThat(byCustomer).extracting(r -> r.key().customerId()).containsExactly("acme", "globex");
        RollupCounts acme = byCustomer.get(0).counts();
        assertThat(List.of(acme.requests(), acme.errors(), acme.costNanos(), acme.unpriced()))
                .containsExactly(5L, 1L, 4_007L, 1L);
        assertThat(acme.metricMicros()).containsEntry("images", Quantity.ofUnits(3))
                .containsEntry("characters", Quantity.ofUnits(3));
    }

    @Test
    default void rollupSums_timeRange_includesFromAndExcludesTo() {
        store().append(List.of(event("e1").build(), event("e2").at(T0.plus(Duration.ofMinutes(1))).build()));

        assertThat(store().rollupSums(Window.MINUTE, MINUTE.plus(Duration.ofMinutes(1)),
                MINUTE.plus(Duration.ofMinutes(2)), EnumSet.noneOf(RollupDimension.class)))
                .extracting(r -> r.key().bucketStart()).containsExactly(MINUTE.plus(Duration.ofMinutes(1)));
    }

    /** Rows as text: key and every sum, so that two lists compare field by field. */
    private static List<String> describe(List<RollupRow> rows) {
        return rows.stream().map(r -> r.key() + " " + List.of(r.counts().requests(), r.counts().errors(),
                r.counts().status2xx(), r.counts().status3xx(), r.counts().status4xx(), r.counts().status5xx(),
                r.counts().costNanos(), r.counts().unpriced(), r.counts().latencySumMs(), r.counts().latencyCount())
                + " " + new java.util.TreeMap<>(r.counts().metricMicros())).toList();
    }

    @Test
    default void rollups_customerGiven_returnsOnlyThatCustomersRows() {
        store().append(List.of(event("e1").build(), event("e2").customer("globex").build()));

        assertThat(store().rollups("globex", Window.DAY, FAR_PAST, FAR_FUTURE))
                .extracting(r -> r.key().customerId()).containsExactly("globex");
        assertThat(store().rollups("nobody", Window.DAY, FAR_PAST, FAR_FUTURE)).isEmpty();
    }

    @Test
    default void rollups_timeRange_includesFromAndExcludesTo() {
        store().append(List.of(event("e1").build(), event("e2").at(T0.plus(Duration.ofMinutes(1))).build(),
                event("e3").at(T0.plus(Duration.ofMinutes(2))).build()));

        List<RollupRow> rows = store().rollups("acme", Window.MINUTE, MINUTE.plus(Duration.ofMinutes(1)),
                MINUTE.plus(Duration.ofMinutes(2)));

        assertThat(rows).extracting(r -> r.key().bucketStart()).containsExactly(MINUTE.plus(Duration.ofMinutes(1)));
    }

    @Test
    default void rollups_severalBuckets_orderedByBucketStart() {
        store().append(List.of(event("e1").at(T0.plus(Duration.ofHours(2))).build(), event("e2").build()));

        assertThat(store().rollups("acme", Window.HOUR, FAR_PAST, FAR_FUTURE)).extracting(r -> r.key().bucketStart())
                .containsExactly(HOUR, HOUR.plus(Duration.ofHours(2)));
    }

    @Test
    default void rollupTotalsByBucket_severalSeriesAndDays_sumsEachDayOverProviderModelAndEndpoint() {
        Instant nextDay = T0.plus(Duration.ofDays(1));
        store().append(List.of(
                event("e1").status(200).latencyMs(100L).costNanos(1_000).usage("images", Quantity.ofUnits(2)).build(),
                event("e2").model("gpt-4o-mini").endpoint("/v1/embed").status(503).latencyMs(300L).costNanos(2_000)
                        .usage("images", Quantity.ofUnits(3)).build(),
                event("e3").provider("anthropic").model("claude").at(nextDay).costNanos(4_000).unpriced("images")
                        .build(),
                event("e4").customer("globex").costNanos(8_000).build()));

        List<RollupRow> totals = store().rollupTotalsByBucket("acme", Window.DAY, FAR_PAST, FAR_FUTURE);

        assertThat(totals).extracting(RollupRow::key).containsExactly(
                new RollupKey("acme", Window.DAY, DAY, "", "", ""),
                new RollupKey("acme", Window.DAY, DAY.plus(Duration.ofDays(1)), "", "", ""));
        RollupCounts first = totals.get(0).counts();
        assertThat(List.of(first.requests(), first.errors(), first.status2xx(), first.status5xx(), first.costNanos(),
                first.latencySumMs(), first.latencyCount())).containsExactly(2L, 1L, 1L, 1L, 3_000L, 400L, 2L);
        assertThat(first.metricMicros()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "input_tokens", Quantity.ofUnits(1000), "output_tokens", Quantity.ofUnits(200),
                "images", Quantity.ofUnits(5)));
        RollupCounts second = totals.get(1).counts();
        assertThat(List.of(second.requests(), second.costNanos(), second.unpriced())).containsExactly(1L, 4_000L, 1L);
    }

    @Test
    default void rollupTotalsByBucket_equalsTheSumOfTheRowsOfEachBucket() {
        Random random = new Random(7);
        List<LedgerEntry> entries = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            entries.add(event("r" + i).model(random.nextBoolean() ? "a" : "b").endpoint("/e" + random.nextInt(3))
                    .at(T0.plus(Duration.ofHours(random.nextInt(72)))).costNanos(random.nextInt(1_000))
                    .latencyMs((long) random.nextInt(500)).status(random.nextInt(10) == 0 ? 500 : 200).build());
        }
        store().append(entries);

        Map<Instant, RollupCounts> expected = new java.util.TreeMap<>();
        for (RollupRow row : store().rollups("acme", Window.HOUR, FAR_PAST, FAR_FUTURE)) {
            expected.computeIfAbsent(row.key().bucketStart(), k -> new RollupCounts()).add(row.counts());
        }
        List<RollupRow> totals = store().rollupTotalsByBucket("acme", Window.HOUR, HOUR.plus(Duration.ofHours(5)),
                HOUR.plus(Duration.ofHours(60)));

        expected.keySet().removeIf(t -> t.isBefore(HOUR.plus(Duration.ofHours(5)))
                || !t.isBefore(HOUR.plus(Duration.ofHours(60))));
        assertThat(totals).extracting(r -> r.key().bucketStart()).containsExactlyElementsOf(expected.keySet());
        for (RollupRow row : totals) {
            assertThat(row.counts()).usingRecursiveComparison().isEqualTo(expected.get(row.key().bucketStart()));
        }
        assertThat(store().rollupTotalsByBucket("nobody", Window.HOUR, FAR_PAST, FAR_FUTURE)).isEmpty();
    }

    @Test
    default void deleteRollupsBefore_grain_removesOnlyOlderRowsOfThatGrain() {
        store().append(List.of(event("old").at(T0.minus(Duration.ofDays(3))).usage("gpu_ms", 5).build(),
                event("new").usage("gpu_ms", 7).build()));

        long deleted = store().deleteRollupsBefore(Window.DAY, DAY);

        assertThat(deleted).isEqualTo(1);
        RollupRow kept = onlyRow(store().rollups("acme", Window.DAY, FAR_PAST, FAR_FUTURE));
        assertThat(kept.key().bucketStart()).isEqualTo(DAY);
        assertThat(kept.counts().micros("gpu_ms")).isEqualTo(7);
        assertThat(store().rollups("acme", Window.HOUR, FAR_PAST, FAR_FUTURE)).hasSize(2);
        assertThat(store().countEvents()).isEqualTo(2);
    }

    @Test
    default void deleteRollupsBefore_dayGrain_removesOlderLatencyDaysToo() {
        store().append(List.of(event("old").at(T0.minus(Duration.ofDays(3))).build(), event("new").build()));

        store().deleteRollupsBefore(Window.DAY, DAY);

        assertThat(store().latencyHistogram("acme", FAR_PAST, FAR_FUTURE).values()).containsExactly(1L);
    }

    @Test
    default void deleteRollupsBefore_metricsOfDeletedRows_doNotComeBack() {
        store().append(List.of(event("old").at(T0.minus(Duration.ofDays(3))).usage("gpu_ms", 5).build()));
        store().deleteRollupsBefore(Window.DAY, DAY);

        store().append(List.of(event("again").at(T0.minus(Duration.ofDays(3))).noUsage().build()));

        assertThat(onlyRow(store().rollups("acme", Window.DAY, FAR_PAST, FAR_FUTURE)).counts().metricMicros())
                .isEmpty();
    }

    @Test
    default void append_concurrentOverlappingBatches_countEachIdOnce() throws Exception {
        int ids = 200;
        int threads = 4;
        CountDownLatch start = new CountDownLatch(1);
        List<Callable<Integer>> appenders = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Random random = new Random(t);
            appenders.add(() -> appendShuffled(ids, random, start));
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (Callable<Integer> appender : appenders) {
                results.add(pool.submit(appender));
            }
            start.countDown();
            int stored = 0;
            for (Future<Integer> result : results) {
                stored += result.get();
            }
            assertThat(stored).isEqualTo(ids);
        } finally {
            pool.shutdownNow();
        }
        assertThat(store().countEvents()).isEqualTo(ids);
        assertThat(onlyRow(store().rollups("acme", Window.MONTH, FAR_PAST, FAR_FUTURE)).counts().requests())
                .isEqualTo(ids);
    }

    /** Appends ids 0 to count-1 in a random order, in batches of 20; returns how many it stored. */
    private int appendShuffled(int count, Random random, CountDownLatch start) throws InterruptedException {
        List<LedgerEntry> entries = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            entries.add(event("c" + i).build());
        }
        Collections.shuffle(entries, random);
        start.await();
        int stored = 0;
        for (int from = 0; from < count; from += 20) {
            for (boolean s : store().append(entries.subList(from, from + 20))) {
                stored += s ? 1 : 0;
            }
        }
        return stored;
    }

    private static RollupRow onlyRow(List<RollupRow> rows) {
        assertThat(rows).hasSize(1);
        return rows.get(0);
    }
}
