package dev.tally.store;

import dev.tally.core.alert.Alert;
import dev.tally.core.alert.AlertCursor;
import dev.tally.core.alert.AlertKind;
import dev.tally.core.alert.AlertPage;
import dev.tally.core.alert.AlertQuery;
import dev.tally.core.alert.AlertState;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The {@code alerts} table. */
final class AlertRows {
    private static final String COLUMNS = "id, customer_id, kind, limit_name, threshold, percent, message, period, "
            + "state, created_ms, updated_ms, acknowledged_by, acknowledged_ms, resolved_by, resolved_ms, per_value";
    private static final String RESOLVED = AlertState.RESOLVED.wireName();

    private AlertRows() {
    }

    /**
     * Inserts unless an open alert of the same key exists. No conflict target: the only constraints are the primary
     * key (random ids) and the partial unique index on open keys, and both SQLite and PostgreSQL then skip the row.
     */
    static boolean insertIfNoneOpen(Connection c, Alert a) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO alerts (dedup_key, " + COLUMNS
                + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
            ps.setString(1, a.dedupKey());
            ps.setString(2, a.id());
            ps.setString(3, a.customer());
            ps.setString(4, a.kind().wireName());
            ps.setString(5, a.limit());
            Columns.setInt(ps, 6, a.threshold());
            ps.setString(7, a.percent() == null ? null : a.percent().toPlainString());
            ps.setString(8, a.message());
            ps.setString(9, a.period());
            ps.setString(10, a.state().wireName());
            ps.setLong(11, a.createdAt().toEpochMilli());
            ps.setLong(12, a.updatedAt().toEpochMilli());
            ps.setString(13, a.acknowledgedBy());
            Columns.setMillis(ps, 14, a.acknowledgedAt());
            ps.setString(15, a.resolvedBy());
            Columns.setMillis(ps, 16, a.resolvedAt());
            ps.setString(17, a.perValue());
            return ps.executeUpdate() > 0;
        }
    }

    static Optional<Alert> find(Connection c, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM alerts WHERE id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(read(rs)) : Optional.empty();
            }
        }
    }

    static AlertPage page(Connection c, AlertQuery q) throws SQLException {
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM alerts WHERE 1 = 1");
        List<Object> args = new ArrayList<>();
        if (q.state() != null) {
            sql.append(" AND state = ?");
            args.add(q.state().wireName());
        }
        if (q.customer() != null) {
            sql.append(" AND customer_id = ?");
            args.add(q.customer());
        }
        if (q.kind() != null) {
            sql.append(" AND kind = ?");
            args.add(q.kind().wireName());
        }
        if (q.after() != null) {
            sql.append(" AND (created_ms < ? OR (created_ms = ? AND id < ?))");
            args.add(q.after().createdMs());
            args.add(q.after().createdMs());
            args.add(q.after().id());
        }
        sql.append(" ORDER BY created_ms DESC, id DESC LIMIT ?");
        args.add(q.limit() + 1);
        List<Alert> alerts = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
            bind(ps, args);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    alerts.add(read(rs));
                }
            }
        }
        if (alerts.size() <= q.limit()) {
            return new AlertPage(alerts, null);
        }
        Alert last = alerts.get(q.limit() - 1);
        return new AlertPage(alerts.subList(0, q.limit()),
                new AlertCursor(last.createdAt().toEpochMilli(), last.id()));
    }

    static List<Alert> open(Connection c) throws SQLException {
        List<Alert> alerts = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS
                + " FROM alerts WHERE state <> ? ORDER BY created_ms, id")) {
            ps.setString(1, RESOLVED);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    alerts.add(read(rs));
                }
            }
        }
        return alerts;
    }

    static boolean acknowledge(Connection c, String id, String by, Instant at) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE alerts SET state = ?, acknowledged_by = ?, "
                + "acknowledged_ms = ?, updated_ms = ? WHERE id = ? AND state = ?")) {
            ps.setString(1, AlertState.ACKNOWLEDGED.wireName());
            ps.setString(2, by);
            ps.setLong(3, at.toEpochMilli());
            ps.setLong(4, at.toEpochMilli());
            ps.setString(5, id);
            ps.setString(6, AlertState.ACTIVE.wireName());
            return ps.executeUpdate() > 0;
        }
    }

    static boolean resolve(Connection c, String id, String by, Instant at) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE alerts SET state = ?, resolved_by = ?, "
                + "resolved_ms = ?, updated_ms = ? WHERE id = ? AND state <> ?")) {
            ps.setString(1, RESOLVED);
            ps.setString(2, by);
            ps.setLong(3, at.toEpochMilli());
            ps.setLong(4, at.toEpochMilli());
            ps.setString(5, id);
            ps.setString(6, RESOLVED);
            return ps.executeUpdate() > 0;
        }
    }

    private static void bind(PreparedStatement ps, List<Object> args) throws SQLException {
        for (int i = 0; i < args.size(); i++) {
            Object arg = args.get(i);
            if (arg instanceof Long l) {
                ps.setLong(i + 1, l);
            } else if (arg instanceof Integer n) {
                ps.setInt(i + 1, n);
            } else {
                ps.setString(i + 1, (String) arg);
            }
        }
    }

    private static Alert read(ResultSet rs) throws SQLException {
        String percent = rs.getString("percent");
        return new Alert(rs.getString("id"), rs.getString("customer_id"),
                AlertKind.fromWire(rs.getString("kind")).orElseThrow(),
                rs.getString("limit_name"), Columns.getInt(rs, "threshold"),
                percent == null ? null : new BigDecimal(percent), rs.getString("message"), rs.getString("period"),
                AlertState.fromWire(rs.getString("state")).orElseThrow(),
                Instant.ofEpochMilli(rs.getLong("created_ms")), Instant.ofEpochMilli(rs.getLong("updated_ms")),
                rs.getString("acknowledged_by"), Columns.getMillis(rs, "acknowledged_ms"),
                rs.getString("resolved_by"), Columns.getMillis(rs, "resolved_ms"), rs.getString("per_value"));
    }
}
