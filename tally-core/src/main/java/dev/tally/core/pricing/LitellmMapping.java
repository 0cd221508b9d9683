package dev.tally.core.pricing;

import dev.tally.core.bounds.Bounds;
import dev.tally.core.metric.Metrics;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a LiteLLM price entry becomes Tally prices.
 *
 * <p>Fields: {@code input_cost_per_token} prices {@code input_tokens}, {@code output_cost_per_token}
 * {@code output_tokens}, {@code cache_read_input_token_cost} {@code cached_tokens} and
 * {@code cache_creation_input_token_cost} {@code cache_write_tokens}; each with the suffix
 * {@code _above_<N>k_tokens} is the same metric's price for prompts of more than N&times;1000 tokens. Every other
 * price field (batch, priority and flex tiers, audio, images, seconds, one-hour cache writes, web search) is left
 * out and named in the report. LiteLLM prices per token; Tally stores the same number per 1,000,000 tokens (the
 * decimal point moved, exactly), which reads as the providers' price lists do.
 *
 * <p>Provider: {@code litellm_provider}, renamed where Tally's name differs: {@code text-completion-openai} is
 * {@code openai}, {@code gemini} is {@code google}, {@code vertex_ai-*} is {@code vertex_ai}. Model: the entry's key,
 * without a leading {@code provider/} when that prefix is the LiteLLM or the Tally provider name (so
 * {@code anthropic/claude-sonnet-4} is model {@code claude-sonnet-4} of {@code anthropic}). An entry without a
 * provider or without any field Tally can price is skipped, with the reason.
 */
public final class LitellmMapping {
    /** Tally prices LiteLLM's per-token numbers per this many tokens. */
    public static final long PER = 1_000_000;
    private static final int PER_DIGITS = 6;
    private static final Pattern FIELD = Pattern.compile(
            "(input_cost_per_token|output_cost_per_token|cache_read_input_token_cost|cache_creation_input_token_cost)"
                    + "(?:_above_([0-9]{1,6})k_tokens)?");
    private static final Map<String, String> METRICS = Map.of(
            "input_cost_per_token", Metrics.INPUT_TOKENS,
            "output_cost_per_token", Metrics.OUTPUT_TOKENS,
            "cache_read_input_token_cost", Metrics.CACHED_TOKENS,
            "cache_creation_input_token_cost", Metrics.CACHE_WRITE_TOKENS);
    private static final Map<String, String> PROVIDERS = Map.of(
            "text-completion-openai", "openai",
            "gemini", "google");

    private LitellmMapping() {
    }

    /** Tally's provider name for a {@code litellm_provider}. */
    public static String provider(String litellmProvider) {
        if (litellmProvider.startsWith("vertex_ai")) {
            return "vertex_ai";
        }
        return PROVIDERS.getOrDefault(litellmProvider, litellmProvider);
    }

    /** Tally's model name for an entry key of a provider. */
    public static String model(String key, String litellmProvider, String provider) {
        int slash = key.indexOf('/');
        if (slash > 0) {
            String prefix = key.substring(0, slash);
            if (prefix.equals(litellmProvider) || prefix.equals(provider)) {
                return key.substring(slash + 1);
            }
        }
        return key;
    }

    /** The entry as Tally prices from {@code effectiveFrom}, or the reason it cannot be. */
    public static Mapped map(LitellmModel entry, Instant effectiveFrom) {
        if (entry.litellmProvider() == null || entry.litellmProvider().isBlank()) {
            return Mapped.skipped(entry.key(), "has no litellm_provider");
        }
        String provider = provider(entry.litellmProvider());
        String model = model(entry.key(), entry.litellmProvider(), provider);
        List<Price> prices = new ArrayList<>();
        List<String> leftOut = new ArrayList<>();
        for (Map.Entry<String, BigDecimal> field : new TreeMap<>(entry.costs()).entrySet()) {
            Matcher m = FIELD.matcher(field.getKey());
            BigDecimal perMillion = field.getValue().movePointRight(PER_DIGITS);
            if (!m.matches() || !importable(perMillion)) {
                leftOut.add(field.getKey());
                continue;
            }
            long above = m.group(2) == null ? 0 : Long.parseLong(m.group(2)) * 1000;
            prices.add(new Price(provider, model, METRICS.get(m.group(1)), perMillion, PER, effectiveFrom, above));
        }
        if (prices.stream().noneMatch(p -> !p.isTier())) {
            return Mapped.skipped(entry.key(), "has no per-token price Tally can map"
                    + (leftOut.isEmpty() ? "" : " (its price fields: " + String.join(", ", leftOut) + ")"));
        }
        return new Mapped(entry.key(), provider, model, List.copyOf(prices), List.copyOf(leftOut), null);
    }

    /** Whether a price per 1,000,000 tokens is one Tally accepts: not negative, within the exact-arithmetic bounds. */
    private static boolean importable(BigDecimal perMillion) {
        return perMillion.signum() >= 0 && Bounds.digitsProblem(perMillion) == null
                && perMillion.compareTo(Bounds.MAX_UNIT_PRICE_USD) <= 0;
    }

    /**
     * One entry mapped.
     *
     * @param key        the entry's key in the file
     * @param provider   Tally's provider, or null when skipped
     * @param model      Tally's model, or null when skipped
     * @param prices     the prices, empty when skipped
     * @param leftOut    the entry's price fields that Tally does not import
     * @param skipReason why the whole entry is skipped, or null
     */
    public record Mapped(String key, String provider, String model, List<Price> prices, List<String> leftOut,
                         String skipReason) {
        static Mapped skipped(String key, String reason) {
            return new Mapped(key, null, null, List.of(), List.of(), reason);
        }

        public boolean isSkipped() {
            return skipReason != null;
        }
    }
}
