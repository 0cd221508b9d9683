package dev.tally.core.pricing;

import dev.tally.core.metric.Quantity;
import dev.tally.core.money.Money;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/** Prices by prompt size (issue 16): which tier an event's prompt selects, on the exact and the long path alike. */
class PriceTierTest {
    private static final Instant JUL = Instant.parse("2026-07-01T00:00:00Z");
    private static final Instant AUG = Instant.parse("2026-08-01T00:00:00Z");

    private final PriceCatalog catalog = new PriceCatalog(List.of(
            new Price("anthropic", "sonnet", "input_tokens", new BigDecimal("3"), 1_000_000, JUL),
            new Price("anthropic", "sonnet", "input_tokens", new BigDecimal("6"), 1_000_000, JUL, 200_000),
            // A 1M tier that starts only in August.
            new Price("anthropic", "sonnet", "input_tokens", new BigDecimal("9"), 1_000_000, AUG, 1_000_000),
            new Price("anthropic", "sonnet", "cached_tokens", new BigDecimal("0.3"), 1_000_000, JUL),
            new Price("anthropic", "sonnet", "cached_tokens", new BigDecimal("0.6"), 1_000_000, JUL, 200_000)));

    @ParameterizedTest(name = "{0} input + {1} cached at {2}: {3}")
    @CsvSource({
            "200000, 0, 2026-07-05T00:00:00Z, 0.6",         // exactly 200k is not above it
            "200001, 0, 2026-07-05T00:00:00Z, 1.200006",
            "150000, 60000, 2026-07-05T00:00:00Z, 0.936",   // cache reads count in the prompt: 0.9 + 0.036
            "1500000, 0, 2026-07-05T00:00:00Z, 9",          // the 1M tier is not in effect yet: 200k tier
            "1500000, 0, 2026-08-05T00:00:00Z, 13.5",
    })
    void price_promptSize_selectsTheHighestTierInEffect(long input, long cached, Instant at, String expected) {
        Map<String, Long> usage = new TreeMap<>();
        usage.put("input_tokens", Quantity.toMicros(BigDecimal.valueOf(input)));
        if (cached > 0) {
            usage.put("cached_tokens", Quantity.toMicros(BigDecimal.valueOf(cached)));
        }
        Money exact = EventPricer.price(catalog, "anthropic", "sonnet", at, usage).cost();
        assertThat(exact).isEqualTo(Money.parse(expected));
        assertThat(EventPricer.priceNanos(catalog, "anthropic", "sonnet", at, usage)).isEqualTo(exact.nanos());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"input_cost_per_token, 2.5e-06, 2.5", "output_cost_per_token, 1e-05, 10",
            "cache_read_input_token_cost, 3.0000000000000004e-07, 0.30000000000000004"})
    void litellm_numberText_storedPerMillionExactly(String field, String text, String perMillion) {
        Map<String, BigDecimal> costs = new TreeMap<>(Map.of("input_cost_per_token", new BigDecimal("1e-06")));
        costs.put(field, new BigDecimal(text));
        LitellmMapping.Mapped m = LitellmMapping.map(new LitellmModel("x", "openai", "chat", costs), JUL);
        Price p = m.prices().stream().filter(pr -> pr.unitPrice().compareTo(new BigDecimal(perMillion)) == 0)
                .findFirst().orElseThrow(() -> new AssertionError(m.toString()));
        assertThat(p.per()).isEqualTo(1_000_000);
        assertThat(p.unitPrice().toPlainString()).isEqualTo(perMillion);
    }

    @ParameterizedTest(name = "{0} of {1}")
    @CsvSource({"anthropic/claude-x, anthropic, anthropic, claude-x", "gemini/gemini-2.5-pro, gemini, google, "
            + "gemini-2.5-pro", "gpt-4o, text-completion-openai, openai, gpt-4o",
            "openrouter/anthropic/claude-x, openrouter, openrouter, anthropic/claude-x",
            "gemini-2.5-pro, vertex_ai-language-models, vertex_ai, gemini-2.5-pro"})
    void litellm_keysAndProviders_mapToTallyNames(String key, String litellmProvider, String provider,
                                                  String model) {
        LitellmMapping.Mapped m = LitellmMapping.map(new LitellmModel(key, litellmProvider, "chat",
                Map.of("input_cost_per_token", new BigDecimal("1e-06"))), JUL);
        assertThat(m.provider()).isEqualTo(provider);
        assertThat(m.model()).isEqualTo(model);
    }
}
