package dev.tally.store;

import dev.tally.core.pricing.Price;
import dev.tally.core.rollup.RollupKey;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code prices} table. A provider's default price has model {@code ''}, so that it can be part of the key; a base
 * price has {@code above_prompt_tokens} 0.
 */
final class PriceRows {
    private static final String UPSERT = "INSERT INTO prices (provider, model, metric, above_prompt_tokens, "
            + "effective_from_ms, unit_price, per) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (provider, model, metric, "
            + "above_prompt_tokens, effective_from_ms) DO UPDATE SET unit_price = excluded.unit_price, "
            + "per = excluded.per";
    private static final String SELECT = "SELECT provider, model, metric, above_prompt_tokens, effective_from_ms, "
            + "unit_price, per FROM prices ORDER BY provider, model, metric, above_prompt_tokens, effective_from_ms";

    private PriceRows() {
    }

    static void put(Connection c, List<Price> prices) throws SQLException {
        if (prices.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(UPSERT)) {
            for (Price price : prices) {
                ps.setString(1, price.provider());
                ps.setString(2, RollupKey.nonNull(price.model()));
                ps.setString(3, price.metric());
                ps.setLong(4, price.abovePromptTokens());
                ps.setLong(5, price.effectiveFrom().toEpochMilli());
                ps.setString(6, DecimalText.format(price.unitPrice()));
                ps.setLong(7, price.per());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    static List<Price> all(Connection c) throws SQLException {
        List<Price> prices = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(SELECT); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                prices.add(new Price(rs.getString("provider"), RollupKey.nullIfEmpty(rs.getString("model")),
                        rs.getString("metric"), DecimalText.parse(rs.getString("unit_price")), rs.getLong("per"),
                        Instant.ofEpochMilli(rs.getLong("effective_from_ms")), rs.getLong("above_prompt_tokens")));
            }
        }
        return prices;
    }
}
