package dev.tally.store;

import dev.tally.core.limit.Limit;
import dev.tally.core.limit.LimitMode;
import dev.tally.core.period.Window;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The {@code limits} table: the ordered limits of a plan or a customer, one row per limit, every field in its own
 * column. Replacing an owner's limits deletes its rows and inserts the new ones in the caller's transaction.
 */
final class LimitRows {
    static final String PLAN = "plan";
    static final String CUSTOMER = "customer";

    private static final String INSERT = "INSERT INTO limits (owner_kind, owner_id, position, name, metric, win, "
            + "amount, mode, provider, model, endpoint, thresholds, end_user, dimensions, per) "
            + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    private static final String SELECT = "SELECT owner_id, name, metric, win, amount, mode, provider, model, "
            + "endpoint, thresholds, end_user, dimensions, per FROM limits WHERE owner_kind = ?";

    private LimitRows() {
    }

    static void replace(Connection c, String ownerKind, String ownerId, List<Limit> limits) throws SQLException {
        delete(c, ownerKind, ownerId);
        try (PreparedStatement ps = c.prepareStatement(INSERT)) {
            for (int position = 0; position < limits.size(); position++) {
                bind(ps, ownerKind, ownerId, position, limits.get(position));
                ps.addBatch();
            }
            if (!limits.isEmpty()) {
                ps.executeBatch();
            }
        }
    }

    static void delete(Connection c, String ownerKind, String ownerId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM limits WHERE owner_kind = ? AND owner_id = ?")) {
            ps.setString(1, ownerKind);
            ps.setString(2, ownerId);
            ps.executeUpdate();
        }
    }

    /** One owner's limits in order. */
    static List<Limit> of(Connection c, String ownerKind, String ownerId) throws SQLException {
        return byOwner(c, ownerKind, ownerId).getOrDefault(ownerId, List.of());
    }

    /** The limits of every owner of a kind (or of one, if {@code ownerId} is not null), by owner id, in order. */
    static Map<String, List<Limit>> byOwner(Connection c, String ownerKind, String ownerId) throws SQLException {
        String sql = SELECT + (ownerId == null ? "" : " AND owner_id = ?") + " ORDER BY owner_id, position";
        Map<String, List<Limit>> limits = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, ownerKind);
            if (ownerId != null) {
                ps.setString(2, ownerId);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    limits.computeIfAbsent(rs.getString("owner_id"), k -> new ArrayList<>()).add(limit(rs));
                }
            }
        }
        return limits;
    }

    private static void bind(PreparedStatement ps, String ownerKind, String ownerId, int position, Limit limit)
            throws SQLException {
        ps.setString(1, ownerKind);
        ps.setString(2, ownerId);
        ps.setInt(3, position);
        ps.setString(4, limit.name());
        ps.setString(5, limit.metric());
        ps.setString(6, limit.window().wireName());
        ps.setString(7, DecimalText.format(limit.amount()));
        ps.setString(8, limit.mode().wireName());
        ps.setString(9, limit.provider());
        ps.setString(10, limit.model());
        ps.setString(11, limit.endpoint());
        ps.setString(12, limit.thresholds().stream().map(String::valueOf).collect(Collectors.joining(",")));
        ps.setString(13, limit.user());
        ps.setString(14, encodeDimensions(limit.dimensions()));
        ps.setString(15, limit.per());
    }

    private static Limit limit(ResultSet rs) throws SQLException {
        return new Limit(rs.getString("name"), rs.getString("metric"), Window.fromWireName(rs.getString("win")),
                DecimalText.parse(rs.getString("amount")), LimitMode.fromWireName(rs.getString("mode")),
                rs.getString("provider"), rs.getString("model"), rs.getString("endpoint"),
                thresholds(rs.getString("thresholds")), rs.getString("end_user"),
                decodeDimensions(rs.getString("dimensions")), rs.getString("per"));
    }

    /** {@code key=LENGTH:value} pairs in key order, or null for none; the length makes any value safe. */
    static String encodeDimensions(SortedMap<String, String> dimensions) {
        if (dimensions.isEmpty()) {
            return null;
        }
        StringBuilder sb = new StringBuilder();
        dimensions.forEach((k, v) -> sb.append(k).append('=').append(v.length()).append(':').append(v));
        return sb.toString();
    }

    static SortedMap<String, String> decodeDimensions(String text) {
        SortedMap<String, String> dimensions = new TreeMap<>();
        int i = 0;
        while (text != null && i < text.length()) {
            int eq = text.indexOf('=', i);
            int colon = text.indexOf(':', eq);
            int length = Integer.parseInt(text.substring(eq + 1, colon));
            dimensions.put(text.substring(i, eq), text.substring(colon + 1, colon + 1 + length));
            i = colon + 1 + length;
        }
        return dimensions;
    }

    private static List<Integer> thresholds(String text) {
        if (text.isEmpty()) {
            return List.of();
        }
        return Arrays.stream(text.split(",")).map(Integer::valueOf).collect(Collectors.toList());
    }
}
