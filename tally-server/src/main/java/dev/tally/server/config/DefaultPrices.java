package dev.tally.server.config;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.tally.core.catalog.Catalog;
import dev.tally.core.pricing.Price;
import dev.tally.core.store.CatalogStore;
import dev.tally.server.json.CatalogJson;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Tally's own default price catalog ({@value #RESOURCE}: list prices of the common OpenAI, Anthropic and ElevenLabs
 * models, with their source and date in the file), which {@code tally serve} puts in a store that has no prices at
 * all, so that a new server does not count everything as unpriced at $0.00 (issue 15.7). A store with any price is
 * left alone: the operator's catalog is never mixed with this one.
 */
public final class DefaultPrices {
    /** Where the catalog is on the classpath. */
    public static final String RESOURCE = "/prices/default-prices.yaml";

    private DefaultPrices() {
    }

    /** The catalog's prices, parsed with the rules of {@code PUT /v1/prices}. */
    public static List<Price> read(CatalogJson parser) {
        try (InputStream in = DefaultPrices.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the jar");
            }
            JsonNode root = new ObjectMapper(new YAMLFactory())
                    .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).readTree(in);
            return parser.parsePrices(root.get("prices"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }

    /**
     * Puts the default prices in when {@code store} holds none.
     *
     * @return how many prices were put in; 0 when the store already had prices
     */
    public static int loadIfEmpty(CatalogStore store, Catalog catalog, CatalogJson parser) {
        if (!store.prices().isEmpty()) {
            return 0;
        }
        List<Price> prices = read(parser);
        catalog.putPrices(prices);
        return prices.size();
    }
}
