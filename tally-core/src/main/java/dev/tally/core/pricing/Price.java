package dev.tally.core.pricing;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Objects;

/**
 * A list price: {@code unitPrice} USD per {@code per} units of {@code metric}, for a provider (and optionally one
 * model), in effect from {@code effectiveFrom} until the next price for the same provider, model and metric.
 *
 * @param provider      e.g. {@code openai}
 * @param model         e.g. {@code gpt-4}; null for the provider's default for this metric
 * @param metric        a sent metric such as {@code input_tokens}, or {@code requests} for a price per call
 * @param unitPrice     exact USD per {@code per} units
 * @param per           how many units {@code unitPrice} buys, e.g. 1000 tokens
 * @param effectiveFrom the first instant the price applies to; {@link Instant#EPOCH} when not given
 */
public record Price(String provider, String model, String metric, BigDecimal unitPrice, long per,
                    Instant effectiveFrom) {
    public Price {
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(metric, "metric");
        Objects.requireNonNull(unitPrice, "unitPrice");
        effectiveFrom = effectiveFrom == null ? Instant.EPOCH : effectiveFrom;
    }

    /** What identifies a price line apart from its start: a later price with the same key replaces it. */
    public String seriesKey() {
        return PriceCatalog.seriesKey(provider, model, metric);
    }
}
