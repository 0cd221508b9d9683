package dev.tally.store;

import dev.tally.core.adjust.Adjustment;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;

/** The {@code adjustments} table: inserted once, read by billing month, never updated. */
final class AdjustmentRows {
    private static final String INSERT = "INSERT INTO adjustments (id, customer_id, period, period_start_ms, metric, "
            + "amount, raw, reason, created_by, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    private static final String SELECT = "SELECT id, customer_id, period, period_start_ms, metric, amount, raw, "
            + "reason, created_by, created_ms FROM adjustments WHERE period_start_ms >= ? AND period_start_ms < ?";

    private AdjustmentRows() {
    }

    static void add(Connection c, Adjustment a) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(INSERT)) {
            ps.setString(1, a.id());
            ps.setString(2, a.customerId());
            ps.setString(3, a.period().toString());
            ps.setLong(4, a.periodStart().toEpochMilli());
            ps.setString(5, a.metric());
            ps.setString(6, DecimalText.format(a.amount()));
            ps.setLong(7, a.raw());
            ps.setString(8, a.reason());
            ps.setString(9, a.createdBy());
            ps.setLong(10, a.createdAt().toEpochMilli());
            ps.executeUpdate();
        }
    }

    static List<Adjustment> between(Connection c, String customerId, Instant from, Instant to) throws SQLException {
        String sql = SELECT + (customerId == null ? "" : " AND customer_id = ?") + " ORDER BY created_ms, id";
        List<Adjustment> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, from.toEpochMilli());
            ps.setLong(2, to.toEpochMilli());
            if (customerId != null) {
                ps.setString(3, customerId);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Adjustment(rs.getString("id"), rs.getString("customer_id"),
                            YearMonth.parse(rs.getString("period")),
                            Instant.ofEpochMilli(rs.getLong("period_start_ms")), rs.getString("metric"),
                            DecimalText.parse(rs.getString("amount")), rs.getLong("raw"), rs.getString("reason"),
                            rs.getString("created_by"), Instant.ofEpochMilli(rs.getLong("created_ms"))));
                }
            }
        }
        return out;
    }
}
