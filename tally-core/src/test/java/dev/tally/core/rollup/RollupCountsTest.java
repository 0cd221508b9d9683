package dev.tally.core.rollup;

import dev.tally.core.event.LedgerEntry;
import dev.tally.core.metric.Quantity;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static dev.tally.core.store.LedgerFixtures.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Sums of events: token metrics kept in fields read back exactly like any other metric. */
class RollupCountsTest {
    @Test
    void metrics_tokensAndOthers_readBackSortedByName_withATokenSentAsZero() {
        RollupCounts counts = new RollupCounts();
        counts.add(event("e1").noUsage().usage("output_tokens", 0).usage("images", Quantity.ofUnits(2))
                .usage("input_tokens", Quantity.ofUnits(5)).build());
        counts.add(event("e2").noUsage().usage("characters", 7).usage("input_tokens", Quantity.ofUnits(1)).build());

        assertThat(counts.metricMicros()).containsExactly(Map.entry("characters", 7L),
                Map.entry("images", Quantity.ofUnits(2)), Map.entry("input_tokens", Quantity.ofUnits(6)),
                Map.entry("output_tokens", 0L));
        assertThat(counts.micros("input_tokens")).isEqualTo(Quantity.ofUnits(6));
        assertThat(counts.micros("cached_tokens")).isZero();
        assertThat(counts.micros("images")).isEqualTo(Quantity.ofUnits(2));
        assertThat(counts.metricMicros()).doesNotContainKey("cached_tokens");
    }

    @Test
    void add_otherCounts_equalsAddingTheirEventsOneByOne() {
        List<LedgerEntry> entries = List.of(event("a").build(), event("b").status(500).latencyMs(9L).build(),
                event("c").noUsage().usage("cached_tokens", 3).usage("seconds", 4).costNanos(11).build());
        RollupCounts oneByOne = new RollupCounts();
        entries.forEach(oneByOne::add);
        RollupCounts first = new RollupCounts();
        first.add(entries.get(0));
        RollupCounts rest = new RollupCounts();
        rest.add(entries.get(1));
        rest.add(entries.get(2));

        first.add(rest);

        assertThat(first).usingRecursiveComparison().isEqualTo(oneByOne);
        assertThat(first.metricMicros()).isEqualTo(oneByOne.metricMicros());
        assertThat(first.largestSum()).isEqualTo(oneByOne.metricMicros().values().stream()
                .mapToLong(Long::longValue).max().orElseThrow());
    }

    @Test
    void readBackConstructor_splitsTokenMetricsFromOthers() {
        TreeMap<String, Long> metrics = new TreeMap<>(Map.of("input_tokens", 10L, "minutes", 3L));
        RollupCounts counts = new RollupCounts(2, 0, 2, 0, 0, 0, 50, 0, 30, 2, metrics);

        assertThat(counts.metricMicros()).isEqualTo(metrics);
        assertThat(counts.micros("minutes")).isEqualTo(3);
        assertThat(counts.largestSum()).isEqualTo(50);
    }

    @Test
    void add_tokenSumBeyondALong_isRefused() {
        RollupCounts counts = new RollupCounts();
        counts.add(event("big").noUsage().usage("input_tokens", Long.MAX_VALUE).build());

        assertThatThrownBy(() -> counts.add(event("one").noUsage().usage("input_tokens", 1).build()))
                .isInstanceOf(ArithmeticException.class);
    }

    @Test
    void keyStrings_ofEventsWithEqualCopies_areOneInstance() {
        String provider = new String("openai".toCharArray());
        RollupBatch a = RollupBatch.of(List.of(event("a").provider(provider).build()));
        RollupBatch b = RollupBatch.of(List.of(event("b").provider(new String("openai".toCharArray())).build()));

        RollupKey keyA = a.counts().keySet().iterator().next();
        RollupKey keyB = b.counts().keySet().iterator().next();
        assertThat(keyA.provider()).isSameAs(keyB.provider());
    }

    @Test
    void batch_ofEventsAcrossSeriesMinutesAndZones_sumsEachGrainAsAddingItsEventsOneByOne() {
        java.util.Random random = new java.util.Random(7);
        String[] models = {"gpt-4o", "gpt-4o-mini", "claude-sonnet-4"};
        java.time.ZoneId[] zones = {java.time.ZoneOffset.UTC, java.time.ZoneId.of("America/New_York")};
        List<LedgerEntry> entries = new java.util.ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            dev.tally.core.store.LedgerFixtures.Builder b = event("e" + i).customer("cust-" + random.nextInt(5))
                    .model(models[random.nextInt(models.length)]).zone(zones[random.nextInt(zones.length)])
                    // three days of minutes: events share a minute, an hour, a day, a month, or none of them
                    .at(dev.tally.core.store.LedgerFixtures.T0.plusSeconds(random.nextInt(3 * 86_400)))
                    .status(random.nextInt(4) == 0 ? 500 : 200).costNanos(random.nextInt(1_000_000))
                    .latencyMs(random.nextBoolean() ? (long) random.nextInt(3_000) : null);
            if (random.nextInt(3) == 0) {
                b.usage("seconds", random.nextInt(100));
            }
            entries.add(b.build());
        }

        RollupBatch batch = RollupBatch.of(entries);

        Map<RollupKey, RollupCounts> oneByOne = new java.util.HashMap<>();
        for (LedgerEntry entry : entries) {
            for (dev.tally.core.period.Window grain : RollupBatch.GRAINS) {
                var e = entry.event();
                oneByOne.computeIfAbsent(new RollupKey(e.customerId(), grain, entry.buckets().start(grain),
                        e.provider(), e.model(), e.endpoint()), k -> new RollupCounts()).add(entry);
            }
        }
        assertThat(batch.counts().keySet()).isEqualTo(oneByOne.keySet());
        oneByOne.forEach((key, expected) -> {
            assertThat(batch.counts().get(key)).as(key.toString()).usingRecursiveComparison().isEqualTo(expected);
            assertThat(batch.counts().get(key).metricMicros()).isEqualTo(expected.metricMicros());
        });
    }

    @Test
    void addExactly_aSumBeyondALong_isRefused() {
        RollupCounts big = new RollupCounts();
        big.add(event("big").costNanos(Long.MAX_VALUE).build());
        RollupCounts one = new RollupCounts();
        one.add(event("one").costNanos(1).build());

        assertThatThrownBy(() -> big.addExactly(one)).isInstanceOf(ArithmeticException.class);
    }
}
