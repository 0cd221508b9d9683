package dev.tally.store;

import dev.tally.core.customer.Messages;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The {@code plan_messages} table: a plan's texts for denials and alerts, one row per kind, plan-wide
 * ({@code limit_name = ''}) or for one limit. Written and read inside the caller's transaction.
 */
final class PlanMessageRows {
    private static final String PLAN_WIDE = "";

    private PlanMessageRows() {
    }

    /** Replaces every text of {@code planId} with {@code messages}. */
    static void replace(Connection c, String planId, Messages messages) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM plan_messages WHERE plan_id = ?")) {
            ps.setString(1, planId);
            ps.executeUpdate();
        }
        if (messages.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO plan_messages (plan_id, limit_name, kind, template) VALUES (?, ?, ?, ?)")) {
            for (Map.Entry<String, String> e : messages.kinds().entrySet()) {
                add(ps, planId, PLAN_WIDE, e.getKey(), e.getValue());
            }
            for (Map.Entry<String, Map<String, String>> limit : messages.limits().entrySet()) {
                for (Map.Entry<String, String> e : limit.getValue().entrySet()) {
                    add(ps, planId, limit.getKey(), e.getKey(), e.getValue());
                }
            }
            ps.executeBatch();
        }
    }

    private static void add(PreparedStatement ps, String planId, String limitName, String kind, String template)
            throws SQLException {
        ps.setString(1, planId);
        ps.setString(2, limitName);
        ps.setString(3, kind);
        ps.setString(4, template);
        ps.addBatch();
    }

    /** The texts of every plan that has any, or of {@code planId} only when it is not null. */
    static Map<String, Messages> byPlan(Connection c, String planId) throws SQLException {
        Map<String, Map<String, String>> kinds = new HashMap<>();
        Map<String, Map<String, Map<String, String>>> limits = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT plan_id, limit_name, kind, template FROM plan_messages"
                + (planId == null ? "" : " WHERE plan_id = ?"))) {
            if (planId != null) {
                ps.setString(1, planId);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String plan = rs.getString(1);
                    String limit = rs.getString(2);
                    if (PLAN_WIDE.equals(limit)) {
                        kinds.computeIfAbsent(plan, k -> new HashMap<>()).put(rs.getString(3), rs.getString(4));
                    } else {
                        limits.computeIfAbsent(plan, k -> new HashMap<>()).computeIfAbsent(limit, k -> new HashMap<>())
                                .put(rs.getString(3), rs.getString(4));
                    }
                }
            }
        }
        Map<String, Messages> out = new HashMap<>();
        for (String plan : union(kinds, limits)) {
            out.put(plan, new Messages(kinds.getOrDefault(plan, Map.of()), limits.getOrDefault(plan, Map.of())));
        }
        return out;
    }

    private static Set<String> union(Map<String, ?> a, Map<String, ?> b) {
        Set<String> all = new HashSet<>(a.keySet());
        all.addAll(b.keySet());
        return all;
    }
}
