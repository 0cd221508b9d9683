package dev.tally.bench;

import dev.tally.core.metric.Quantity;
import dev.tally.core.pricing.EventPricer;
import dev.tally.core.pricing.Price;
import dev.tally.core.pricing.PriceCatalog;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Pricing one event with two metrics ({@code input_tokens}, {@code output_tokens}), as ingestion does once per
 * event: {@link EventPricer#price} against a catalog of the mix's five models, each with an older and a current
 * price (so the lookup is a real floor search), and provider defaults.
 *
 * <p>Beside it, the parts: {@code lookupOnly} finds the three prices the pricer looks up (two metrics and the
 * per-call {@code requests} price, absent here) and does no arithmetic; {@code longArithmetic} is the cheapest
 * exact alternative for the arithmetic (micros times nano-dollars in {@code long}, valid only while the product
 * fits), to show what the {@link BigDecimal} terms cost.
 *
 * <pre>
 * ./mvnw -o -q -pl tally-bench -am package -DskipTests
 * java -jar tally-bench/target/benchmarks.jar EventPricerBenchmark -f 1 -wi 3 -i 5 -w 1s -r 1s
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class EventPricerBenchmark {
    private PriceCatalog catalog;
    private Map<String, Long> usage;
    private Instant at;
    private long inputNanosPerToken;
    private long outputNanosPerMilliToken;

    @Setup
    public void setUp() {
        List<Price> prices = new ArrayList<>();
        Instant older = Instant.parse("2026-01-01T00:00:00Z");
        Instant current = Instant.parse("2026-06-01T00:00:00Z");
        for (Price p : EventMix.prices()) {
            prices.add(new Price(p.provider(), p.model(), p.metric(), p.unitPrice().multiply(BigDecimal.valueOf(2)),
                    p.per(), older));
            prices.add(new Price(p.provider(), p.model(), p.metric(), p.unitPrice(), p.per(), current));
            prices.add(new Price(p.provider(), null, p.metric(), p.unitPrice(), p.per(), null));
        }
        catalog = new PriceCatalog(prices);
        TreeMap<String, Long> u = new TreeMap<>();
        u.put("input_tokens", Quantity.ofUnits(1234));
        u.put("output_tokens", Quantity.ofUnits(567));
        usage = u;
        at = Instant.parse("2026-11-22T10:15:00Z");
        // gpt-4o: $0.0025 and $0.01 per 1,000 tokens = 2,500 and 10,000 nano-dollars per token.
        inputNanosPerToken = 2_500;
        outputNanosPerMilliToken = 10_000;
    }

    @Benchmark
    public EventPricer.PricedCost price() {
        return EventPricer.price(catalog, "openai", "gpt-4o", at, usage);
    }

    @Benchmark
    public void lookupOnly(Blackhole bh) {
        bh.consume(catalog.priceAt("openai", "gpt-4o", "input_tokens", at));
        bh.consume(catalog.priceAt("openai", "gpt-4o", "output_tokens", at));
        bh.consume(catalog.priceAt("openai", "gpt-4o", "requests", at));
    }

    @Benchmark
    public long longArithmetic() {
        // micros * nano-dollars per token / 1e6; exact here, overflowing for large quantities, hence not used.
        return (usage.get("input_tokens") * inputNanosPerToken + usage.get("output_tokens")
                * outputNanosPerMilliToken) / Quantity.ONE;
    }
}
