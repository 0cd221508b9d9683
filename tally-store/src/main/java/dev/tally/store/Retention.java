package dev.tally.store;

import dev.tally.core.period.Window;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Removes old raw events and old rollups in short transactions, so that appends are never blocked for long.
 *
 * <p>Raw events: {@code received_ms} is not indexed (an index would cost every insert). Instead the cut is found by
 * binary search over {@code seq}, which works because events are received in seq order: exactly for one writer,
 * nearly for several PostgreSQL writers. Then seq ranges of {@link #chunkRows} events are deleted, each in its own
 * transaction. Every delete also checks {@code received_ms < cutoff}, so an event that arrived late in seq order is
 * never removed early; at worst an old one waits for the next run.
 *
 * <p>An event that a re-rating has staged stays until that re-rating is applied and merged into the events, or
 * abandoned: the next run removes it. So the re-rating's switch moves the sums only for events that exist, and its
 * record's diff names events that were there to change. On PostgreSQL each delete takes the staging's lock
 * exclusive ({@link RerateStaging#holdAgainstStaging}), so that it sees every page staged before it.
 *
 * <p>Rollups: removed customer by customer through the primary keys ({@code customer_id} first), so the metric table
 * needs no second index just for retention.
 */
final class Retention {
    /** Events deleted per transaction. */
    static final int DEFAULT_CHUNK_ROWS = 10_000;
    /** Customers whose old rollups are deleted per transaction. */
    static final int CUSTOMERS_PER_TRANSACTION = 50;

    private final Transactor tx;
    private final int chunkRows;
    private final boolean postgres;

    /** @param postgres whether deletes take PostgreSQL's lock against re-rating staging */
    Retention(Transactor tx, int chunkRows, boolean postgres) {
        if (chunkRows < 1) {
            throw new IllegalArgumentException("chunkRows must be >= 1, was " + chunkRows);
        }
        this.tx = tx;
        this.chunkRows = chunkRows;
        this.postgres = postgres;
    }

    /**
     * Deletes the events received before the cutoff, never one with seq {@code keepFromSeq} or higher.
     *
     * @return how many were deleted
     */
    long deleteEventsReceivedBefore(Instant cutoff, long keepFromSeq) {
        long cutoffMs = cutoff.toEpochMilli();
        long end = Math.min(keepFromSeq,
                tx.read("finding events received before " + cutoff, c -> firstSeqReceivedFrom(c, cutoffMs)));
        long deleted = 0;
        Long start = tx.read("finding the oldest event", c -> firstSeqFrom(c, Long.MIN_VALUE, 0));
        while (start != null && start < end) {
            long from = start;
            Long next = tx.read("finding a chunk of old events", c -> firstSeqFrom(c, from, chunkRows));
            long to = next == null ? end : Math.min(next, end);
            deleted += tx.write("deleting events received before " + cutoff, c -> {
                if (postgres) {
                    RerateStaging.holdAgainstStaging(c);
                }
                return deleteEvents(c, from, to, cutoffMs);
            });
            start = to;
        }
        return deleted;
    }

    long deleteRollupsBefore(Window grain, Instant cutoff) {
        List<String> customers = tx.read("finding old " + grain.wireName() + " rollups",
                c -> customersWithRollupsBefore(c, grain, cutoff));
        long deleted = 0;
        for (int i = 0; i < customers.size(); i += CUSTOMERS_PER_TRANSACTION) {
            List<String> group = customers.subList(i, Math.min(customers.size(), i + CUSTOMERS_PER_TRANSACTION));
            deleted += tx.write("deleting " + grain.wireName() + " rollups before " + cutoff,
                    c -> deleteRollups(c, group, grain, cutoff));
        }
        return deleted;
    }

    /**
     * The smallest seq from which on events were received at or after the cutoff (one past the last seq if none
     * was): the invariant is that the first event at or after {@code lo} is older than the cutoff, and the first at
     * or after {@code hi} is not.
     */
    private static long firstSeqReceivedFrom(Connection c, long cutoffMs) throws SQLException {
        Long lo = firstSeqFrom(c, Long.MIN_VALUE, 0);
        if (lo == null || !receivedBefore(c, lo, cutoffMs)) {
            return lo == null ? Long.MIN_VALUE : lo;
        }
        long hi = lastSeq(c) + 1;
        while (hi - lo > 1) {
            long mid = lo + (hi - lo) / 2;
            if (receivedBefore(c, mid, cutoffMs)) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return hi;
    }

    /** Whether the first event with seq >= {@code seq} exists and was received before the cutoff. */
    private static boolean receivedBefore(Connection c, long seq, long cutoffMs) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT received_ms FROM events WHERE seq >= ? ORDER BY seq LIMIT 1")) {
            ps.setLong(1, seq);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getLong(1) < cutoffMs;
            }
        }
    }

    /** The seq of the event {@code skip} rows after the first with seq >= {@code seq}, or null if there is none. */
    private static Long firstSeqFrom(Connection c, long seq, int skip) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT seq FROM events WHERE seq >= ? ORDER BY seq LIMIT 1 OFFSET ?")) {
            ps.setLong(1, seq);
            ps.setInt(2, skip);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : null;
            }
        }
    }

    private static long lastSeq(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT MAX(seq) FROM events");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Deletes the old events of a seq range but those a re-rating has staged (see the class comment). */
    private static int deleteEvents(Connection c, long fromSeq, long toSeq, long cutoffMs) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM events WHERE seq >= ? AND seq < ? "
                + "AND received_ms < ? "
                + "AND NOT EXISTS (SELECT 1 FROM rerate_staged_events s WHERE s.seq = events.seq)")) {
            ps.setLong(1, fromSeq);
            ps.setLong(2, toSeq);
            ps.setLong(3, cutoffMs);
            return ps.executeUpdate();
        }
    }

    private static List<String> customersWithRollupsBefore(Connection c, Window grain, Instant cutoff)
            throws SQLException {
        List<String> customers = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT DISTINCT customer_id FROM usage_rollup WHERE grain = ? AND bucket_start_ms < ?")) {
            ps.setString(1, Grains.name(grain));
            ps.setLong(2, cutoff.toEpochMilli());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    customers.add(rs.getString(1));
                }
            }
        }
        return customers;
    }

    private static long deleteRollups(Connection c, List<String> customers, Window grain, Instant cutoff)
            throws SQLException {
        long deleted = 0;
        for (String customer : customers) {
            deleteByCustomer(c, "usage_rollup_metric", customer, grain, cutoff);
            deleted += deleteByCustomer(c, "usage_rollup", customer, grain, cutoff);
            if (grain == Window.DAY) {
                // The latency histogram is a daily rollup too; it goes with the day rows it was counted beside.
                deleteLatency(c, customer, cutoff);
            }
        }
        return deleted;
    }

    private static int deleteByCustomer(Connection c, String table, String customer, Window grain, Instant cutoff)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table
                + " WHERE customer_id = ? AND grain = ? AND bucket_start_ms < ?")) {
            ps.setString(1, customer);
            ps.setString(2, Grains.name(grain));
            ps.setLong(3, cutoff.toEpochMilli());
            return ps.executeUpdate();
        }
    }

    private static void deleteLatency(Connection c, String customer, Instant cutoff) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "DELETE FROM latency_rollup WHERE customer_id = ? AND day_start_ms < ?")) {
            ps.setString(1, customer);
            ps.setLong(2, cutoff.toEpochMilli());
            ps.executeUpdate();
        }
    }
}
