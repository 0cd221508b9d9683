package dev.tally.core.pricing;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * An immutable snapshot of the price list, answering "which price applied at this instant?".
 *
 * <p>Lookup rule: the model's own price in effect at the instant (the latest {@code effectiveFrom <= t}); if the
 * model has none in effect then, the provider's default (model-less) price in effect at the instant; else none, and
 * the usage is unpriced.
 */
public final class PriceCatalog {
    public static final PriceCatalog EMPTY = new PriceCatalog(List.of());

    /**
     * Price series by provider, then model ("" for the provider's default), then metric. Nested maps rather than one
     * map by a joined key: a lookup then hashes only the caller's strings (whose hashes are cached) and builds none.
     */
    private final Map<String, Map<String, Map<String, NavigableMap<Instant, Price>>>> series = new HashMap<>();
    private final List<Price> all;

    public PriceCatalog(Collection<Price> prices) {
        for (Price p : prices) {
            series.computeIfAbsent(p.provider(), k -> new HashMap<>())
                    .computeIfAbsent(p.model() == null ? "" : p.model(), k -> new HashMap<>())
                    .computeIfAbsent(p.metric(), k -> new TreeMap<>())
                    .put(p.effectiveFrom(), p);
        }
        List<Price> sorted = new ArrayList<>(prices);
        sorted.sort(java.util.Comparator.comparing(Price::provider)
                .thenComparing(p -> p.model() == null ? "" : p.model())
                .thenComparing(Price::metric)
                .thenComparing(Price::effectiveFrom));
        this.all = List.copyOf(sorted);
    }

    /** The price of {@code metric} for this provider and model at instant {@code t}, or null if none applies. */
    public Price priceAt(String provider, String model, String metric, Instant t) {
        if (provider == null) {
            return null;
        }
        Map<String, Map<String, NavigableMap<Instant, Price>>> models = series.get(provider);
        if (models == null) {
            return null;
        }
        if (model != null) {
            Price own = floor(models.get(model), metric, t);
            if (own != null) {
                return own;
            }
        }
        return floor(models.get(""), metric, t);
    }

    private static Price floor(Map<String, NavigableMap<Instant, Price>> metrics, String metric, Instant t) {
        NavigableMap<Instant, Price> prices = metrics == null ? null : metrics.get(metric);
        if (prices == null) {
            return null;
        }
        Map.Entry<Instant, Price> entry = prices.floorEntry(t);
        return entry == null ? null : entry.getValue();
    }

    /** Every price, sorted by provider, model, metric and start. */
    public List<Price> all() {
        return all;
    }

    static String seriesKey(String provider, String model, String metric) {
        return provider + '\u0000' + (model == null ? "" : model) + '\u0000' + metric;
    }
}
