package dev.tally.core.pricing;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Objects;

/**
 * A list price: {@code unitPrice} USD per {@code per} units of {@code metric}, for a provider (and optionally one
 * model), in effect from {@code effectiveFrom} until the next price for the same provider, model, metric and tier.
 *
 * @param provider           e.g. {@code openai}
 * @param model              e.g. {@code gpt-4}; null for the provider's default for this metric
 * @param metric             a sent metric such as {@code input_tokens}, or {@code requests} for a price per call
 * @param unitPrice          exact USD per {@code per} units
 * @param per                how many units {@code unitPrice} buys, e.g. 1000 tokens
 * @param effectiveFrom      the first instant the price applies to; {@link Instant#EPOCH} when not given
 * @param abovePromptTokens  0 for the base price; else the price applies only to events whose prompt is larger than
 *                           this many tokens (LiteLLM's {@code *_above_200k_tokens}), see {@link PriceCatalog}
 */
public record Price(String provider, String model, String metric, BigDecimal unitPrice, long per,
                    Instant effectiveFrom, long abovePromptTokens) {
    public Price {
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(metric, "metric");
        Objects.requireNonNull(unitPrice, "unitPrice");
        if (abovePromptTokens < 0) {
            throw new IllegalArgumentException("abovePromptTokens must be >= 0, was " + abovePromptTokens);
        }
        effectiveFrom = effectiveFrom == null ? Instant.EPOCH : effectiveFrom;
    }

    /** A base price, for every prompt size. */
    public Price(String provider, String model, String metric, BigDecimal unitPrice, long per,
                 Instant effectiveFrom) {
        this(provider, model, metric, unitPrice, per, effectiveFrom, 0);
    }

    /** What identifies a price line apart from its start: a later price with the same key replaces it. */
    public String seriesKey() {
        return PriceCatalog.seriesKey(provider, model, metric) + '\u0000' + abovePromptTokens;
    }

    /** Whether this price applies only above a prompt size. */
    public boolean isTier() {
        return abovePromptTokens > 0;
    }
}
