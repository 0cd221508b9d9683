package dev.tally.store;

import dev.tally.core.event.Buckets;
import dev.tally.core.event.LedgerEntry;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.money.Money;
import dev.tally.core.pricing.EventPricer.PricedCost;
import dev.tally.core.rerate.Rerater;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * One page of a re-rating ({@link dev.tally.core.rerate.RerateStore#reprice}): reads a customer's events after a
 * (timestamp, seq) cursor and prices each again ({@link #read}). Applying stages the page ({@link RerateStaging}).
 */
final class LedgerRepricing {
    /**
     * A page: the columns repricing, the diff and the staged sums use, by position, and the cost as readers see it
     * ({@link EventLog#COST}) through one join rather than its two subqueries a row: re-rating 10 M events spent
     * most of its reading in SQLite and in finding columns by name.
     */
    private static final String PAGE = "SELECT events.seq, events.event_id, events.customer_id, events.ts_ms, "
            + "events.received_ms, events.provider, events.model, events.endpoint, events.user_id, events.usage, "
            + "COALESCE(s.new_cost_nanos, events.cost_nanos), events.cost_override_nanos, "
            + "NULLIF(COALESCE(s.new_unpriced, events.unpriced_metrics), ''), events.dimensions, events.hour_ms, "
            + "events.day_ms, events.month_ms FROM events LEFT JOIN rerate_staged_events s ON s.seq = events.seq "
            + "AND s.rerating_id IN (SELECT r.id FROM reratings r WHERE r.state = 'applied') "
            + "WHERE events.customer_id = ? AND events.ts_ms < ? AND (events.ts_ms, events.seq) > (?, ?) "
            + "ORDER BY events.ts_ms, events.seq LIMIT ?";
    private static final String UPDATE_ROLLUP = "UPDATE usage_rollup SET cost_nanos = cost_nanos + ?, "
            + "unpriced = unpriced + ? WHERE customer_id = ? AND grain = ? AND bucket_start_ms = ? AND provider = ? "
            + "AND model = ? AND endpoint = ?";
    private static final String UPDATE_USER = "UPDATE user_rollup SET cost_nanos = cost_nanos + ? "
            + "WHERE customer_id = ? AND month_ms = ? AND user_id = ?";
    private static final String UPDATE_DIMENSION = "UPDATE dimension_rollup SET cost_nanos = cost_nanos + ? "
            + "WHERE customer_id = ? AND month_ms = ? AND dim_key = ? AND dim_value = ?";

    private LedgerRepricing() {
    }

    /** Where a page ends: the next page starts strictly after it. */
    record Cursor(long timestampMs, long seq) {
        static Cursor before(Instant from) {
            return new Cursor(from.toEpochMilli(), -1);
        }
    }

    /**
     * A page read and repriced.
     *
     * @param entries  the events, as stored when read
     * @param seqs     their seqs
     * @param repriced each event's new price
     * @param next     the cursor after the page's last event
     * @param full     whether the page was full (more may follow)
     */
    record Page(List<LedgerEntry> entries, List<Long> seqs, List<PricedCost> repriced, Cursor next, boolean full) {
        /** Whether any event of the page changes. */
        boolean changes() {
            for (int i = 0; i < entries.size(); i++) {
                if (Rerater.changed(entries.get(i), repriced.get(i))) {
                    return true;
                }
            }
            return false;
        }

        /** This page without the events at {@code indices} (of {@link #entries}); the cursor stays where it was. */
        Page without(java.util.Set<Integer> indices) {
            List<LedgerEntry> keptEntries = new ArrayList<>(entries.size());
            List<Long> keptSeqs = new ArrayList<>(entries.size());
            List<PricedCost> keptPrices = new ArrayList<>(entries.size());
            for (int i = 0; i < entries.size(); i++) {
                if (!indices.contains(i)) {
                    keptEntries.add(entries.get(i));
                    keptSeqs.add(seqs.get(i));
                    keptPrices.add(repriced.get(i));
                }
            }
            return new Page(keptEntries, keptSeqs, keptPrices, next, full);
        }
    }

    /**
     * Reads and reprices one page, outside any write transaction: on SQLite the single writer is taken only to
     * stage it, so ingestion waits for the staging of a page, not for its reading and pricing.
     */
    static Page read(Connection c, String customerId, Instant to, Cursor after, int size,
                     Function<LedgerEntry, PricedCost> repricer) throws SQLException {
        List<LedgerEntry> entries = new ArrayList<>(Math.min(size, 1024));
        List<Long> seqs = new ArrayList<>(Math.min(size, 1024));
        Cursor next = after;
        try (PreparedStatement ps = c.prepareStatement(PAGE)) {
            ps.setString(1, customerId);
            ps.setLong(2, to.toEpochMilli());
            ps.setLong(3, after.timestampMs());
            ps.setLong(4, after.seq());
            ps.setInt(5, size);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    entries.add(entry(rs));
                    long seq = rs.getLong(1);
                    seqs.add(seq);
                    next = new Cursor(rs.getLong(4), seq);
                }
            }
        }
        List<PricedCost> repriced = new ArrayList<>(entries.size());
        for (LedgerEntry e : entries) {
            repriced.add(repricer.apply(e));
        }
        return new Page(entries, seqs, repriced, next, entries.size() == size);
    }

    /**
     * A row of {@link #PAGE} as the event it was stored as, with what a re-rating reads of it: its cost and unpriced
     * metrics as readers see them, and its buckets. Not read: method, status, latency, reservation, metadata and the
     * CloudEvents context, which neither price nor sums depend on.
     */
    private static LedgerEntry entry(ResultSet rs) throws SQLException {
        Instant timestamp = Instant.ofEpochMilli(rs.getLong(4));
        long overrideNanos = rs.getLong(12);
        Money override = rs.wasNull() ? null : Money.ofNanos(overrideNanos);
        String dimensions = rs.getString(14);
        UsageEvent event = new UsageEvent(rs.getString(2), rs.getString(3), timestamp, rs.getString(6),
                rs.getString(7), rs.getString(8), null, null, null, rs.getString(9), UsageCodec.decode(rs.getString(10)),
                override, null, null, null, dimensions == null ? null : DimensionsCodec.decode(dimensions));
        String unpriced = rs.getString(13);
        Buckets buckets = new Buckets(timestamp.truncatedTo(ChronoUnit.MINUTES), instant(rs, 15), instant(rs, 16),
                instant(rs, 17));
        return new LedgerEntry(event, Money.ofNanos(rs.getLong(11)),
                unpriced == null ? List.of() : Arrays.asList(unpriced.split(",")),
                Instant.ofEpochMilli(rs.getLong(5)), buckets);
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        long ms = rs.getLong(column);
        return rs.wasNull() ? null : Instant.ofEpochMilli(ms);
    }
}
