package dev.tally.core.pricing;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * An immutable snapshot of the price list, answering "which price applied at this instant, to a prompt this large?".
 *
 * <p>Lookup rule: the model's own price in effect at the instant (the latest {@code effectiveFrom <= t}); if the
 * model has none in effect then, the provider's default (model-less) price in effect at the instant; else none, and
 * the usage is unpriced.
 *
 * <p>Tiers by prompt size: a price with {@code abovePromptTokens = N > 0} replaces the base price of its metric for
 * an event whose prompt has more than N tokens (the highest such tier in effect wins). The prompt of an event is
 * {@code input_tokens + cached_tokens + cache_write_tokens}, judged per event, as LiteLLM and the providers count it.
 */
public final class PriceCatalog {
    public static final PriceCatalog EMPTY = new PriceCatalog(List.of());

    /**
     * Price series by provider, then model ("" for the provider's default), then metric. Nested maps rather than one
     * map by a joined key: a lookup then hashes only the caller's strings (whose hashes are cached) and builds none.
     */
    private final Map<String, Map<String, Map<String, Series>>> series = new HashMap<>();
    private final List<Price> all;
    private final boolean hasTiers;

    public PriceCatalog(Collection<Price> prices) {
        boolean tiers = false;
        for (Price p : prices) {
            Series s = series.computeIfAbsent(p.provider(), k -> new HashMap<>())
                    .computeIfAbsent(p.model() == null ? "" : p.model(), k -> new HashMap<>())
                    .computeIfAbsent(p.metric(), k -> new Series());
            s.byTier.computeIfAbsent(p.abovePromptTokens(), k -> new TreeMap<>()).put(p.effectiveFrom(), p);
            tiers |= p.isTier();
        }
        List<Price> sorted = new ArrayList<>(prices);
        sorted.sort(Comparator.comparing(Price::provider)
                .thenComparing(p -> p.model() == null ? "" : p.model())
                .thenComparing(Price::metric)
                .thenComparingLong(Price::abovePromptTokens)
                .thenComparing(Price::effectiveFrom));
        this.all = List.copyOf(sorted);
        this.hasTiers = tiers;
    }

    /** The base price of {@code metric} for this provider and model at instant {@code t}, or null if none applies. */
    public Price priceAt(String provider, String model, String metric, Instant t) {
        return priceAt(provider, model, metric, t, 0);
    }

    /**
     * The price of {@code metric} for this provider and model at instant {@code t} for an event whose prompt has
     * {@code promptTokens} tokens, or null if none applies.
     */
    public Price priceAt(String provider, String model, String metric, Instant t, long promptTokens) {
        if (provider == null) {
            return null;
        }
        Map<String, Map<String, Series>> models = series.get(provider);
        if (models == null) {
            return null;
        }
        if (model != null) {
            Price own = find(models.get(model), metric, t, promptTokens);
            if (own != null) {
                return own;
            }
        }
        return find(models.get(""), metric, t, promptTokens);
    }

    /**
     * The prices of one provider's model, found once: what {@link #priceAt} answers for it, without finding the
     * provider and the model again for every metric. (Enforcement keeps one per customer for the model it last
     * priced, so pricing an estimate looks up only its metrics.)
     */
    public ModelPrices pricesOf(String provider, String model) {
        Map<String, Map<String, Series>> models = provider == null ? null : series.get(provider);
        Map<String, Series> own = models == null || model == null ? null : models.get(model);
        return new ModelPrices(this, provider, model, own, models == null ? null : models.get(""));
    }

    /**
     * The price of exactly this series (the model's own, null model for the provider's default; this tier) in effect
     * at {@code t}, with no fallback, or null.
     */
    public Price seriesPriceAt(String provider, String model, String metric, long abovePromptTokens, Instant t) {
        Map<String, Map<String, Series>> models = series.get(provider);
        Map<String, Series> metrics = models == null ? null : models.get(model == null ? "" : model);
        Series s = metrics == null ? null : metrics.get(metric);
        NavigableMap<Instant, Price> tier = s == null ? null : s.byTier.get(abovePromptTokens);
        Map.Entry<Instant, Price> entry = tier == null ? null : tier.floorEntry(t);
        return entry == null ? null : entry.getValue();
    }

    /** Whether the provider's model has any price of its own in effect at {@code t}. */
    public boolean hasOwnPricesAt(String provider, String model, Instant t) {
        Map<String, Map<String, Series>> models = series.get(provider);
        Map<String, Series> metrics = models == null || model == null ? null : models.get(model);
        if (metrics == null) {
            return false;
        }
        return metrics.values().stream().flatMap(s -> s.byTier.values().stream())
                .anyMatch(tier -> tier.floorKey(t) != null);
    }

    /** Whether any price applies only above a prompt size (else the prompt need not be counted). */
    public boolean hasTiers() {
        return hasTiers;
    }

    private static Price find(Map<String, Series> metrics, String metric, Instant t, long promptTokens) {
        Series s = metrics == null ? null : metrics.get(metric);
        return s == null ? null : s.at(t, promptTokens);
    }

    /** Every price, sorted by provider, model, metric, tier and start. */
    public List<Price> all() {
        return all;
    }

    static String seriesKey(String provider, String model, String metric) {
        return provider + '\u0000' + (model == null ? "" : model) + '\u0000' + metric;
    }

    /**
     * The prices of one provider's model in one catalog: its own series and the provider's defaults.
     * {@link #priceAt} answers as {@link PriceCatalog#priceAt} does for this provider and model.
     */
    public static final class ModelPrices {
        private final PriceCatalog catalog;
        private final String provider;
        private final String model;
        private final Map<String, Series> own;
        private final Map<String, Series> defaults;

        private ModelPrices(PriceCatalog catalog, String provider, String model, Map<String, Series> own,
                            Map<String, Series> defaults) {
            this.catalog = catalog;
            this.provider = provider;
            this.model = model;
            this.own = own;
            this.defaults = defaults;
        }

        /** The price of {@code metric} at {@code t} for a prompt of {@code promptTokens} tokens, or null. */
        public Price priceAt(String metric, Instant t, long promptTokens) {
            Price p = own == null ? null : find(own, metric, t, promptTokens);
            return p != null || defaults == null ? p : find(defaults, metric, t, promptTokens);
        }

        /** The catalog these prices are from. */
        public PriceCatalog catalog() {
            return catalog;
        }

        /** The provider whose prices these are. */
        public String provider() {
            return provider;
        }

        /** The model whose prices these are (the provider's defaults apply where it has none); may be null. */
        public String model() {
            return model;
        }
    }

    /** One metric's prices of one model: by tier (0 = base), then by start. */
    private static final class Series {
        private final TreeMap<Long, NavigableMap<Instant, Price>> byTier = new TreeMap<>();
        /**
         * For a series without tiers, the price found last and the span of time it answers for: calls ask about
         * the present, so nearly every lookup is two comparisons instead of a walk down two tree maps.
         */
        private volatile Current current;

        Price at(Instant t, long promptTokens) {
            Current c = current;
            if (c != null && c.covers(t)) {
                return c.price;
            }
            if (byTier.size() == 1 && byTier.firstKey() == 0) {
                NavigableMap<Instant, Price> base = byTier.firstEntry().getValue();
                Map.Entry<Instant, Price> floor = base.floorEntry(t);
                c = new Current(floor == null ? Instant.MIN : floor.getKey(), base.higherKey(t),
                        floor == null ? null : floor.getValue());
                current = c;
                return c.price;
            }
            // Highest tier below the prompt size first; the base tier (0) applies to every prompt.
            for (Map.Entry<Long, NavigableMap<Instant, Price>> tier = byTier.lastEntry(); tier != null;
                 tier = byTier.lowerEntry(tier.getKey())) {
                if (tier.getKey() > 0 && tier.getKey() >= promptTokens) {
                    continue;
                }
                Map.Entry<Instant, Price> entry = tier.getValue().floorEntry(t);
                if (entry != null) {
                    return entry.getValue();
                }
            }
            return null;
        }
    }

    /** The price a series without tiers has from {@code from} until {@code until} (null: no later price). */
    private record Current(Instant from, Instant until, Price price) {
        boolean covers(Instant t) {
            return t.compareTo(from) >= 0 && (until == null || t.compareTo(until) < 0);
        }
    }
}
