package dev.tally.store;

import dev.tally.core.event.EndUsers;
import dev.tally.core.event.LedgerEntry;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.period.Window;
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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * One page of a re-rating ({@link dev.tally.core.rerate.RerateStore#reprice}): reads a customer's events after a
 * (timestamp, seq) cursor and prices each again ({@link #read}); when applying, writes the changed ones with the
 * difference added to every sum that holds them, inside the caller's transaction ({@link #write}).
 *
 * <p>Why differences rather than recomputed sums: the sums also hold events of other pages, of other periods that
 * share a bucket, and events past retention, which must stay as they were; an additive update is also what the
 * write path does, so it composes with events arriving meanwhile. The caller makes sure every walked event is
 * already in the sums ({@code queued} names those that are not: their new price reaches the sums when they are
 * rolled up, from the updated row).
 */
final class LedgerRepricing {
    private static final String PAGE = "SELECT " + EventLog.COLUMNS + ", hour_ms, day_ms, month_ms FROM events "
            + "WHERE customer_id = ? AND ts_ms < ? AND (ts_ms, seq) > (?, ?) ORDER BY ts_ms, seq LIMIT ?";
    private static final String UPDATE_EVENT = "UPDATE events SET cost_nanos = ?, unpriced_metrics = ? WHERE seq = ? "
            + "AND cost_nanos = ? AND COALESCE(unpriced_metrics, '') = ?";
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
    }

    /**
     * Reads and reprices one page, outside any write transaction: on SQLite the single writer is taken only for
     * {@link #write}, so ingestion waits for the writes of a page, not for its reading and pricing.
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
                    entries.add(LedgerReplay.entry(rs, false));
                    long seq = rs.getLong("seq");
                    seqs.add(seq);
                    next = new Cursor(rs.getLong("ts_ms"), seq);
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
     * Writes a page's changed events and moves the sums by their difference, in the caller's transaction. An event
     * is updated only if it still has the cost and unpriced metrics it was read with (another re-rating, on another
     * node, may have changed it since): only the events this write changed move the sums.
     *
     * @param queued seqs whose rollups are not written yet (their sums are not moved); empty if none
     * @param added  receives the positive cost added to the sums, for the overflow bound
     */
    static void write(Connection c, Page page, Set<Long> queued, long[] added) throws SQLException {
        List<Integer> changed = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(UPDATE_EVENT)) {
            for (int i = 0; i < page.entries().size(); i++) {
                LedgerEntry entry = page.entries().get(i);
                PricedCost now = page.repriced().get(i);
                if (!Rerater.changed(entry, now)) {
                    continue;
                }
                ps.setLong(1, now.cost().nanos());
                ps.setString(2, now.isUnpriced() ? String.join(",", now.unpricedMetrics()) : null);
                ps.setLong(3, page.seqs().get(i));
                ps.setLong(4, entry.cost().nanos());
                ps.setString(5, String.join(",", entry.unpricedMetrics()));
                ps.addBatch();
                changed.add(i);
            }
            int[] counts = ps.executeBatch();
            Map<List<Object>, long[]> rollups = new TreeMap<>(LedgerRepricing::compareKeys);
            Map<List<Object>, long[]> users = new TreeMap<>(LedgerRepricing::compareKeys);
            Map<List<Object>, long[]> dimensions = new TreeMap<>(LedgerRepricing::compareKeys);
            for (int k = 0; k < changed.size(); k++) {
                int i = changed.get(k);
                if (counts[k] == 0 || queued.contains(page.seqs().get(i))) {
                    continue;
                }
                LedgerEntry entry = page.entries().get(i);
                PricedCost now = page.repriced().get(i);
                long cost = now.cost().nanos() - entry.cost().nanos();
                long unpriced = (now.isUnpriced() ? 1 : 0) - (entry.isUnpriced() ? 1 : 0);
                added[0] += Math.max(0, cost);
                addRollups(rollups, entry, cost, unpriced);
                if (cost != 0) {
                    addEndUsers(users, dimensions, entry, cost);
                }
            }
            updateRollups(c, rollups);
            updateEndUsers(c, UPDATE_USER, users);
            updateEndUsers(c, UPDATE_DIMENSION, dimensions);
        }
    }

    /** The event's rollup row of every grain it has a bucket of (events of old versions may lack some). */
    private static void addRollups(Map<List<Object>, long[]> rollups, LedgerEntry entry, long cost, long unpriced) {
        if (cost == 0 && unpriced == 0) {
            return;
        }
        UsageEvent e = entry.event();
        Instant[] buckets = {e.timestamp().truncatedTo(ChronoUnit.MINUTES), entry.buckets().hour(),
                entry.buckets().day(), entry.buckets().month()};
        Window[] grains = {Window.MINUTE, Window.HOUR, Window.DAY, Window.MONTH};
        for (int g = 0; g < grains.length; g++) {
            if (buckets[g] == null) {
                continue;
            }
            List<Object> key = Arrays.asList(e.customerId(), Grains.name(grains[g]), buckets[g].toEpochMilli(),
                    orEmpty(e.provider()), orEmpty(e.model()), orEmpty(e.endpoint()));
            long[] sums = rollups.computeIfAbsent(key, k -> new long[2]);
            sums[0] += cost;
            sums[1] += unpriced;
        }
    }

    private static void addEndUsers(Map<List<Object>, long[]> users, Map<List<Object>, long[]> dimensions,
                                    LedgerEntry entry, long cost) {
        Instant month = entry.buckets().month();
        if (month == null) {
            return;
        }
        UsageEvent e = entry.event();
        if (e.user() != null) {
            users.computeIfAbsent(Arrays.asList(e.customerId(), month.toEpochMilli(), e.user()),
                    k -> new long[1])[0] += cost;
        }
        e.dimensions().forEach((k, v) -> dimensions.computeIfAbsent(Arrays.asList(e.customerId(),
                month.toEpochMilli(), k, v), x -> new long[1])[0] += cost);
    }

    private static void updateRollups(Connection c, Map<List<Object>, long[]> rollups) throws SQLException {
        if (rollups.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(UPDATE_ROLLUP)) {
            for (Map.Entry<List<Object>, long[]> row : rollups.entrySet()) {
                ps.setLong(1, row.getValue()[0]);
                ps.setLong(2, row.getValue()[1]);
                List<Object> k = row.getKey();
                ps.setString(3, (String) k.get(0));
                ps.setString(4, (String) k.get(1));
                ps.setLong(5, (Long) k.get(2));
                ps.setString(6, (String) k.get(3));
                ps.setString(7, (String) k.get(4));
                ps.setString(8, (String) k.get(5));
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /**
     * Moves end user (or dimension value) sums; a name not kept in its month was summed under
     * {@link EndUsers#OTHER}, so a row not found there is looked for under that name.
     */
    private static void updateEndUsers(Connection c, String sql, Map<List<Object>, long[]> sums)
            throws SQLException {
        if (sums.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (Map.Entry<List<Object>, long[]> row : sums.entrySet()) {
                List<Object> k = row.getKey();
                if (bind(ps, row.getValue()[0], k, (String) k.get(k.size() - 1)).executeUpdate() == 0) {
                    bind(ps, row.getValue()[0], k, EndUsers.OTHER).executeUpdate();
                }
            }
        }
    }

    private static PreparedStatement bind(PreparedStatement ps, long cost, List<Object> key, String name)
            throws SQLException {
        ps.setLong(1, cost);
        ps.setString(2, (String) key.get(0));
        ps.setLong(3, (Long) key.get(1));
        for (int i = 2; i < key.size() - 1; i++) {
            ps.setString(i + 2, (String) key.get(i));
        }
        ps.setString(key.size() + 1, name);
        return ps;
    }

    /** Orders keys part by part, so that concurrent writers of the same rows take their locks in one order. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static int compareKeys(List<Object> a, List<Object> b) {
        for (int i = 0; i < a.size(); i++) {
            int c = ((Comparable) a.get(i)).compareTo(b.get(i));
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }

    /** The seqs of a customer's events waiting in PostgreSQL's rollup queue. */
    static Set<Long> queuedSeqs(Connection c, String customerId) throws SQLException {
        Set<Long> seqs = new HashSet<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT s FROM rollup_pending, unnest(seqs) AS s WHERE customer_id = ?")) {
            ps.setString(1, customerId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    seqs.add(rs.getLong(1));
                }
            }
        }
        return seqs;
    }
}
