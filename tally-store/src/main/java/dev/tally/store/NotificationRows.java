package dev.tally.store;

import dev.tally.core.notify.Channel;
import dev.tally.core.notify.ChannelType;
import dev.tally.core.notify.DeliveryAttempt;
import dev.tally.core.notify.DeliveryQuery;
import dev.tally.core.notify.DeliveryState;
import dev.tally.core.notify.Notification;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The {@code channels}, {@code notifications} (the outbox) and {@code delivery_attempts} (the log) tables. Claims
 * take rows with {@code FOR UPDATE SKIP LOCKED} on PostgreSQL, so that several nodes claim disjoint rows without
 * waiting on each other; SQLite has one writer at a time, which is enough.
 */
final class NotificationRows {
    private static final String CHANNEL_COLUMNS = "id, type, url, secret, events, recipients, customer_contact";
    private static final String ROW_COLUMNS = "id, channel_id, recipient, event_type, payload, attempts, "
            + "next_attempt_ms, state, last_error, created_ms, delivered_ms";
    private static final String OPEN = "state IN ('pending', 'failed')";

    private final boolean skipLocked;

    NotificationRows(SqlDialect dialect) {
        this.skipLocked = !dialect.singleWriter();
    }

    void putChannel(Connection c, Channel channel, long nowMs) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO channels (" + CHANNEL_COLUMNS
                + ", created_ms, updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
                + "type = excluded.type, url = excluded.url, secret = excluded.secret, events = excluded.events, "
                + "recipients = excluded.recipients, customer_contact = excluded.customer_contact, "
                + "updated_ms = excluded.updated_ms")) {
            ps.setString(1, channel.id());
            ps.setString(2, channel.type().wireName());
            ps.setString(3, channel.url());
            ps.setString(4, channel.secret());
            ps.setString(5, String.join(",", channel.events()));
            ps.setString(6, String.join(",", channel.to()));
            ps.setBoolean(7, channel.customerContact());
            ps.setLong(8, nowMs);
            ps.setLong(9, nowMs);
            ps.executeUpdate();
        }
    }

    /** Every channel by id, or only the one with {@code id} if it is not null. */
    List<Channel> channels(Connection c, String id) throws SQLException {
        List<Channel> channels = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT " + CHANNEL_COLUMNS + " FROM channels"
                + (id == null ? "" : " WHERE id = ?") + " ORDER BY id")) {
            if (id != null) {
                ps.setString(1, id);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    channels.add(new Channel(rs.getString("id"),
                            ChannelType.fromWire(rs.getString("type")).orElseThrow(), rs.getString("url"),
                            rs.getString("secret"), list(rs.getString("events")), list(rs.getString("recipients")),
                            rs.getBoolean("customer_contact")));
                }
            }
        }
        return channels;
    }

    boolean deleteChannel(Connection c, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM channels WHERE id = ?")) {
            ps.setString(1, id);
            return ps.executeUpdate() > 0;
        }
    }

    int enqueue(Connection c, List<Notification> rows) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO notifications (" + ROW_COLUMNS
                + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING")) {
            for (Notification n : rows) {
                bindRow(ps, n);
                ps.addBatch();
            }
            return Arrays.stream(ps.executeBatch()).map(count -> count > 0 ? 1 : 0).sum();
        }
    }

    /** Whether any open row is due at {@code now}; one probe of the due index. */
    boolean anyDue(Connection c, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM notifications WHERE " + OPEN
                + " AND next_attempt_ms <= ? LIMIT 1")) {
            ps.setLong(1, now.toEpochMilli());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    List<Notification> claimDue(Connection c, Instant now, Instant leaseUntil, int max) throws SQLException {
        List<String> ids = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT id FROM notifications WHERE " + OPEN
                + " AND next_attempt_ms <= ? ORDER BY next_attempt_ms, id LIMIT ?"
                + (skipLocked ? " FOR UPDATE SKIP LOCKED" : ""))) {
            ps.setLong(1, now.toEpochMilli());
            ps.setInt(2, max);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getString(1));
                }
            }
        }
        List<Notification> claimed = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE notifications SET next_attempt_ms = ? WHERE id = ?")) {
            for (String id : ids) {
                ps.setLong(1, leaseUntil.toEpochMilli());
                ps.setString(2, id);
                ps.addBatch();
            }
            ps.executeBatch();
        }
        for (String id : ids) {
            notification(c, id).ifPresent(claimed::add);
        }
        claimed.sort(Comparator.comparing(Notification::createdAt).thenComparing(Notification::id));
        return claimed;
    }

    void recordAttempt(Connection c, DeliveryAttempt attempt, Notification updated) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO delivery_attempts (notification_id, attempt, "
                + "at_ms, succeeded, status_code, error, duration_ms) VALUES (?, ?, ?, ?, ?, ?, ?) "
                + "ON CONFLICT (notification_id, attempt) DO NOTHING")) {
            ps.setString(1, attempt.notificationId());
            ps.setInt(2, attempt.attempt());
            ps.setLong(3, attempt.at().toEpochMilli());
            ps.setBoolean(4, attempt.succeeded());
            Columns.setInt(ps, 5, attempt.statusCode());
            ps.setString(6, attempt.error());
            ps.setLong(7, attempt.durationMillis());
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement("UPDATE notifications SET attempts = ?, next_attempt_ms = ?, "
                + "state = ?, last_error = ?, delivered_ms = ? WHERE id = ?")) {
            ps.setInt(1, updated.attempts());
            ps.setLong(2, updated.nextAttemptAt().toEpochMilli());
            ps.setString(3, updated.state().wireName());
            ps.setString(4, updated.lastError());
            Columns.setMillis(ps, 5, updated.deliveredAt());
            ps.setString(6, updated.id());
            ps.executeUpdate();
        }
    }

    Optional<Notification> notification(Connection c, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + ROW_COLUMNS + " FROM notifications WHERE id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(row(rs)) : Optional.empty();
            }
        }
    }

    List<Notification> notifications(Connection c, DeliveryQuery q) throws SQLException {
        List<String> where = new ArrayList<>();
        if (q.channelId() != null) {
            where.add("channel_id = ?");
        }
        if (q.state() != null) {
            where.add("state = ?");
        }
        if (q.beforeId() != null) {
            where.add("(created_ms < ? OR (created_ms = ? AND id < ?))");
        }
        String sql = "SELECT " + ROW_COLUMNS + " FROM notifications"
                + (where.isEmpty() ? "" : " WHERE " + String.join(" AND ", where))
                + " ORDER BY created_ms DESC, id DESC LIMIT ?";
        List<Notification> rows = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            int i = 1;
            if (q.channelId() != null) {
                ps.setString(i++, q.channelId());
            }
            if (q.state() != null) {
                ps.setString(i++, q.state().wireName());
            }
            if (q.beforeId() != null) {
                ps.setLong(i++, q.beforeCreatedAt().toEpochMilli());
                ps.setLong(i++, q.beforeCreatedAt().toEpochMilli());
                ps.setString(i++, q.beforeId());
            }
            ps.setInt(i, q.limit());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(row(rs));
                }
            }
        }
        return rows;
    }

    List<DeliveryAttempt> attempts(Connection c, String notificationId) throws SQLException {
        List<DeliveryAttempt> attempts = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT attempt, at_ms, succeeded, status_code, error, "
                + "duration_ms FROM delivery_attempts WHERE notification_id = ? ORDER BY attempt")) {
            ps.setString(1, notificationId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    attempts.add(new DeliveryAttempt(notificationId, rs.getInt("attempt"),
                            Instant.ofEpochMilli(rs.getLong("at_ms")), rs.getBoolean("succeeded"),
                            Columns.getInt(rs, "status_code"), rs.getString("error"), rs.getLong("duration_ms")));
                }
            }
        }
        return attempts;
    }

    long deleteFinishedBefore(Connection c, Instant cutoff) throws SQLException {
        String finished = "SELECT id FROM notifications WHERE state IN ('delivered', 'dead') AND created_ms < ?";
        try (PreparedStatement ps = c.prepareStatement(
                "DELETE FROM delivery_attempts WHERE notification_id IN (" + finished + ")")) {
            ps.setLong(1, cutoff.toEpochMilli());
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM notifications WHERE id IN (" + finished + ")")) {
            ps.setLong(1, cutoff.toEpochMilli());
            return ps.executeUpdate();
        }
    }

    private static void bindRow(PreparedStatement ps, Notification n) throws SQLException {
        ps.setString(1, n.id());
        ps.setString(2, n.channelId());
        ps.setString(3, n.recipient());
        ps.setString(4, n.eventType());
        ps.setString(5, n.payload());
        ps.setInt(6, n.attempts());
        ps.setLong(7, n.nextAttemptAt().toEpochMilli());
        ps.setString(8, n.state().wireName());
        ps.setString(9, n.lastError());
        ps.setLong(10, n.createdAt().toEpochMilli());
        Columns.setMillis(ps, 11, n.deliveredAt());
    }

    private static Notification row(ResultSet rs) throws SQLException {
        return new Notification(rs.getString("id"), rs.getString("channel_id"), rs.getString("recipient"),
                rs.getString("event_type"), rs.getString("payload"), rs.getInt("attempts"),
                Instant.ofEpochMilli(rs.getLong("next_attempt_ms")),
                DeliveryState.valueOf(rs.getString("state").toUpperCase(Locale.ROOT)), rs.getString("last_error"),
                Instant.ofEpochMilli(rs.getLong("created_ms")), Columns.getMillis(rs, "delivered_ms"));
    }

    private static List<String> list(String joined) {
        return joined == null || joined.isEmpty() ? List.of() : List.of(joined.split(","));
    }
}
