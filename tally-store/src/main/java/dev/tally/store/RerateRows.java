package dev.tally.store;

import dev.tally.core.rerate.RerateCursor;
import dev.tally.core.rerate.RerateLine;
import dev.tally.core.rerate.Rerating;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code reratings} and {@code rerating_lines} tables: a record, stored as staging when its apply begins, and
 * its diff, written once with the switch that applies it; after that only an abandoned record's state changes.
 */
final class RerateRows {
    private static final String INSERT = "INSERT INTO reratings (id, period, customer_id, created_by, created_ms, "
            + "state, updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?)";
    private static final String INSERT_LINE = "INSERT INTO rerating_lines (rerating_id, customer_id, provider, model, "
            + "events, changed, cost_before_nanos, cost_after_nanos, newly_priced, still_unpriced, past_retention, "
            + "changed_ids) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    private static final String SELECT = "SELECT id, period, customer_id, created_by, created_ms, state "
            + "FROM reratings";
    private static final String LINES = "SELECT customer_id, provider, model, events, changed, cost_before_nanos, "
            + "cost_after_nanos, newly_priced, still_unpriced, past_retention, changed_ids FROM rerating_lines "
            + "WHERE rerating_id = ? ORDER BY customer_id, provider, model";

    private RerateRows() {
    }

    /** Stores a record's head (no lines) in its state, touched at {@code nowMs}. */
    static void add(Connection c, Rerating r, long nowMs) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(INSERT)) {
            ps.setString(1, r.id());
            ps.setString(2, r.period().toString());
            ps.setString(3, r.customerId());
            ps.setString(4, r.createdBy());
            ps.setLong(5, r.createdAt().toEpochMilli());
            ps.setString(6, r.state().text());
            ps.setLong(7, nowMs);
            ps.executeUpdate();
        }
    }

    /**
     * Moves a record from {@code from} to {@code to}, touched at {@code nowMs}.
     *
     * @return whether it was in {@code from}
     */
    static boolean move(Connection c, String id, Rerating.State from, Rerating.State to, long nowMs)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE reratings SET state = ?, updated_ms = ? WHERE id = ? AND state = ?")) {
            ps.setString(1, to.text());
            ps.setLong(2, nowMs);
            ps.setString(3, id);
            ps.setString(4, from.text());
            return ps.executeUpdate() == 1;
        }
    }

    /** Whether the record {@code id} is applied. */
    static boolean applied(Connection c, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM reratings WHERE id = ? AND state = ?")) {
            ps.setString(1, id);
            ps.setString(2, Rerating.State.APPLIED.text());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** Marks an applied record's counter moves done at {@code nowMs}; a record marked already keeps its time. */
    static void markCountersMoved(Connection c, String id, long nowMs) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE reratings SET counters_moved_ms = ? "
                + "WHERE id = ? AND state = ? AND counters_moved_ms IS NULL")) {
            ps.setLong(1, nowMs);
            ps.setString(2, id);
            ps.setString(3, Rerating.State.APPLIED.text());
            ps.executeUpdate();
        }
    }

    /** The ids of applied records whose counter moves were not marked done, oldest first. */
    static List<String> countersNotMoved(Connection c) throws SQLException {
        List<String> ids = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT id FROM reratings WHERE state = ? "
                + "AND counters_moved_ms IS NULL ORDER BY updated_ms, id")) {
            ps.setString(1, Rerating.State.APPLIED.text());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getString(1));
                }
            }
        }
        return ids;
    }

    /** Stores a record's diff. */
    static void addLines(Connection c, Rerating r) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(INSERT_LINE)) {
            for (RerateLine l : r.lines()) {
                ps.setString(1, r.id());
                ps.setString(2, l.customerId());
                ps.setString(3, l.provider());
                ps.setString(4, l.model());
                ps.setLong(5, l.events());
                ps.setLong(6, l.changed());
                ps.setLong(7, l.costBeforeNanos());
                ps.setLong(8, l.costAfterNanos());
                ps.setLong(9, l.newlyPriced());
                ps.setLong(10, l.stillUnpriced());
                ps.setLong(11, l.pastRetention());
                ps.setString(12, joinIds(l.changedIds()));
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /** Of one customer: its own re-ratings and those of every customer that changed its events. */
    private static final String OF_CUSTOMER = "(customer_id = ? OR (customer_id IS NULL AND id IN "
            + "(SELECT rerating_id FROM rerating_lines WHERE customer_id = ?)))";
    /** Newest first, then by id: the order the cursor continues in. */
    private static final String NEWEST_FIRST = " ORDER BY created_ms DESC, id DESC";

    /**
     * Newest first, at most {@code limit}, after {@code after} if given; of one customer if given (see
     * {@link #OF_CUSTOMER}).
     */
    static List<Rerating> list(Connection c, String customerId, RerateCursor after, int limit)
            throws SQLException {
        List<String> where = new ArrayList<>();
        List<Object> args = new ArrayList<>();
        if (customerId != null) {
            where.add(OF_CUSTOMER);
            args.add(customerId);
            args.add(customerId);
        }
        if (after != null) {
            where.add("(created_ms < ? OR (created_ms = ? AND id < ?))");
            args.add(after.createdAt().toEpochMilli());
            args.add(after.createdAt().toEpochMilli());
            args.add(after.id());
        }
        args.add(limit);
        return select(c, (where.isEmpty() ? "" : " WHERE " + String.join(" AND ", where)) + NEWEST_FIRST
                + " LIMIT ?", args);
    }

    /** Every applied re-rating of {@code period} of one customer (see {@link #OF_CUSTOMER}), newest first. */
    static List<Rerating> applied(Connection c, String customerId, YearMonth period) throws SQLException {
        return select(c, " WHERE period = ? AND state = ? AND " + OF_CUSTOMER + NEWEST_FIRST,
                List.of(period.toString(), Rerating.State.APPLIED.text(), customerId, customerId));
    }

    /** The records {@code SELECT} with {@code tail} (its WHERE, ORDER and LIMIT) finds, each with its lines. */
    private static List<Rerating> select(Connection c, String tail, List<Object> args) throws SQLException {
        Map<String, Object[]> heads = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement(SELECT + tail)) {
            for (int i = 0; i < args.size(); i++) {
                ps.setObject(i + 1, args.get(i));
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    heads.put(rs.getString("id"), head(rs));
                }
            }
        }
        List<Rerating> out = new ArrayList<>();
        for (Map.Entry<String, Object[]> h : heads.entrySet()) {
            out.add(rerating(c, h.getKey(), h.getValue()));
        }
        return out;
    }

    static Optional<Rerating> find(Connection c, String id) throws SQLException {
        Object[] head;
        try (PreparedStatement ps = c.prepareStatement(SELECT + " WHERE id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                head = head(rs);
            }
        }
        return Optional.of(rerating(c, id, head));
    }

    /** Each id as its length, a colon and the id: an event id may hold any character, a separator too. */
    static String joinIds(List<String> ids) {
        StringBuilder out = new StringBuilder();
        ids.forEach(id -> out.append(id.length()).append(':').append(id));
        return out.toString();
    }

    static List<String> splitIds(String text) {
        List<String> ids = new ArrayList<>();
        int i = 0;
        while (i < text.length()) {
            int colon = text.indexOf(':', i);
            int length = Integer.parseInt(text.substring(i, colon));
            ids.add(text.substring(colon + 1, colon + 1 + length));
            i = colon + 1 + length;
        }
        return ids;
    }

    private static Object[] head(ResultSet rs) throws SQLException {
        return new Object[]{YearMonth.parse(rs.getString("period")), rs.getString("customer_id"),
                rs.getString("created_by"), Instant.ofEpochMilli(rs.getLong("created_ms")),
                Rerating.State.ofText(rs.getString("state"))};
    }

    private static Rerating rerating(Connection c, String id, Object[] head) throws SQLException {
        List<RerateLine> lines = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(LINES)) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String ids = rs.getString("changed_ids");
                    lines.add(new RerateLine(rs.getString("customer_id"), rs.getString("provider"),
                            rs.getString("model"), rs.getLong("events"), rs.getLong("changed"),
                            rs.getLong("cost_before_nanos"), rs.getLong("cost_after_nanos"),
                            rs.getLong("newly_priced"), rs.getLong("still_unpriced"),
                            splitIds(ids),
                            rs.getLong("past_retention")));
                }
            }
        }
        return new Rerating(id, (YearMonth) head[0], (String) head[1], (Rerating.State) head[4], (String) head[2],
                (Instant) head[3], lines);
    }
}
