package dev.tally.bench;

import dev.tally.core.event.LedgerEntry;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.period.Window;
import dev.tally.core.pricing.PriceCatalog;
import dev.tally.core.rollup.RollupBatch;
import dev.tally.core.rollup.RollupKey;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Aggregating the rollups of a 1,000-event batch in memory, {@link RollupBatch#of}, which the store does before
 * every append (four grains per event, plus the latency histogram). The events are those of one group commit:
 * two seconds of traffic of the mix, for 1 or 100 customers ({@code customers}), which decides how many distinct
 * rollup keys the batch has.
 *
 * <p>Beside it, {@code countOnly}: the same grouping by the same {@link RollupKey}s in a {@link HashMap}, counting
 * calls only, none of the sums (no cost, status classes, latency, metric maps) and no latency histogram: the floor
 * of any in-memory aggregation with these keys, so the difference is what the sums cost.
 *
 * <pre>
 * ./mvnw -o -q -pl tally-bench -am package -DskipTests
 * java -jar tally-bench/target/benchmarks.jar RollupBatchBenchmark -f 1 -wi 3 -i 5 -w 1s -r 1s
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class RollupBatchBenchmark {
    @Param({"1", "100"})
    public int customers;

    private List<LedgerEntry> entries;

    @Setup
    public void setUp() {
        PriceCatalog prices = new PriceCatalog(EventMix.prices());
        SplittableRandom random = new SplittableRandom(42);
        Instant start = Instant.parse("2026-11-22T10:15:59Z");
        entries = new ArrayList<>(1000);
        for (int i = 0; i < 1000; i++) {
            Instant t = start.plusMillis(i * 2L);
            entries.add(EventMix.Call.draw(random).ledgerEntry("evt_" + i,
                    AdminApi.customerId(random.nextInt(customers)), t, prices));
        }
    }

    @Benchmark
    public RollupBatch rollupBatch() {
        return RollupBatch.of(entries);
    }

    @Benchmark
    public Map<RollupKey, long[]> countOnly() {
        Map<RollupKey, long[]> counts = new HashMap<>();
        for (LedgerEntry entry : entries) {
            UsageEvent e = entry.event();
            for (Window grain : RollupBatch.GRAINS) {
                RollupKey key = new RollupKey(e.customerId(), grain, entry.buckets().start(grain), e.provider(),
                        e.model(), e.endpoint());
                counts.computeIfAbsent(key, k -> new long[1])[0]++;
            }
        }
        return counts;
    }
}
