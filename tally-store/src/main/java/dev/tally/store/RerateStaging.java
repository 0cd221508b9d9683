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
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A re-rating's staging ({@code rerate_staged_events}, {@code rerate_staged_sums}) and its switch: how an applied
 * re-rating changes events, rollups and end user sums together in one transaction without holding the writer while it
 * walks the month.
 *
 * <p>Each page stages its changed events and the differences they make, summed by the row they move (pages are in
 * timestamp order, so a page's events share few minute, hour and day rows: a page of 10,000 events stages some
 * hundreds of sums, not 40,000). The switch then runs a handful of set statements: it adds the staged differences to
 * the sums and marks the record applied, which makes every reader of events see the staged costs
 * ({@link EventLog#COST}); the staged events are then merged into their rows in short transactions. So the switch
 * does not rewrite millions of event rows while it holds the writer. Why differences rather than recomputed sums: the
 * sums also hold events of other periods that share a bucket, events past retention, and events arriving meanwhile,
 * which must stay as they are.
 */
final class RerateStaging {
    /** Staged rows deleted per transaction once they are abandoned: ingestion gets its turns between. */
    static final int DELETE_CHUNK = 50_000;
    /** Applied events merged into their rows per transaction: ingestion gets its turns between. */
    static final int MERGE_CHUNK = 20_000;
    /**
     * Stages an event only if it is still stored: retention may have removed it since its page was read (it is then
     * past retention, and its sums keep what they hold). Inserts nothing, too, when another re-rating staged it.
     */
    private static final String STAGE_EVENT = "INSERT INTO rerate_staged_events (seq, rerating_id, old_cost_nanos, "
            + "old_unpriced, new_cost_nanos, new_unpriced) SELECT seq, ?, ?, ?, ?, ? FROM events WHERE seq = ? "
            + "ON CONFLICT (seq) DO NOTHING";
    /**
     * PostgreSQL's lock between staging and retention: a page stages under it shared, retention deletes events under
     * it exclusive. Each then reads the other's committed work, which READ COMMITTED alone does not give: a delete
     * waiting for a staging's row would go on with a snapshot that lacks the staged row.
     */
    private static final String RETENTION_LOCK = "hashtext(current_schema() || '/rerate-retention')";
    private static final String STAGE_SUM = "INSERT INTO rerate_staged_sums (rerating_id, kind, customer_id, grain, "
            + "bucket_ms, k1, k2, k3, d_cost_nanos, d_unpriced) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            + "ON CONFLICT (rerating_id, kind, customer_id, grain, bucket_ms, k1, k2, k3) DO UPDATE SET "
            + "d_cost_nanos = rerate_staged_sums.d_cost_nanos + excluded.d_cost_nanos, "
            + "d_unpriced = rerate_staged_sums.d_unpriced + excluded.d_unpriced";
    /** The last seq of the next chunk of a re-rating's staged events to merge into the events. */
    private static final String MERGE_BOUND = "SELECT MAX(seq) FROM (SELECT seq FROM rerate_staged_events "
            + "WHERE rerating_id = ? ORDER BY seq LIMIT ?) chunk";
    private static final String MERGE_EVENTS = "UPDATE events SET cost_nanos = s.new_cost_nanos, "
            + "unpriced_metrics = NULLIF(s.new_unpriced, '') FROM rerate_staged_events s WHERE s.rerating_id = ? "
            + "AND s.seq <= ? AND events.seq = s.seq";
    private static final String MERGED = "DELETE FROM rerate_staged_events WHERE rerating_id = ? AND seq <= ?";
    private static final String SWITCH_ROLLUPS = "UPDATE usage_rollup SET "
            + "cost_nanos = usage_rollup.cost_nanos + s.d_cost_nanos, unpriced = usage_rollup.unpriced + s.d_unpriced "
            + "FROM rerate_staged_sums s WHERE s.rerating_id = ? AND s.kind = 'rollup' "
            + "AND usage_rollup.customer_id = s.customer_id AND usage_rollup.grain = s.grain "
            + "AND usage_rollup.bucket_start_ms = s.bucket_ms AND usage_rollup.provider = s.k1 "
            + "AND usage_rollup.model = s.k2 AND usage_rollup.endpoint = s.k3";
    private static final String SWITCH_USERS = switchUsers("user_rollup", "month_ms", "month");
    private static final String SWITCH_OTHER_USERS = switchOtherUsers("user_rollup", "month_ms", "month");
    private static final String SWITCH_DIMENSIONS = switchDimensions("dimension_rollup", "month_ms", "month");
    private static final String SWITCH_OTHER_DIMENSIONS = switchOtherDimensions("dimension_rollup", "month_ms",
            "month");
    /** The same for the sums by user and by dimension value per day (a day's names are its month's). */
    private static final String SWITCH_USER_DAYS = switchUsers("user_day_rollup", "day_ms", "day");
    private static final String SWITCH_OTHER_USER_DAYS = switchOtherUsers("user_day_rollup", "day_ms", "day");
    private static final String SWITCH_DIMENSION_DAYS = switchDimensions("dimension_day_rollup", "day_ms", "day");
    private static final String SWITCH_OTHER_DIMENSION_DAYS = switchOtherDimensions("dimension_day_rollup", "day_ms",
            "day");
    private static final String POSITIVE_MONTH_SUMS = "SELECT COALESCE(SUM(d_cost_nanos), 0) FROM rerate_staged_sums "
            + "WHERE rerating_id = ? AND kind = 'rollup' AND grain = 'month' AND d_cost_nanos > 0";
    private static final String QUEUED_STAGED = "SELECT " + EventLog.COLUMNS + ", hour_ms, day_ms, month_ms, "
            + "(SELECT s.new_cost_nanos FROM rerate_staged_events s WHERE s.seq = events.seq) AS staged_cost, "
            + "(SELECT s.new_unpriced FROM rerate_staged_events s WHERE s.seq = events.seq) AS staged_unpriced "
            + "FROM events WHERE seq IN (SELECT s.seq FROM rerate_staged_events s WHERE s.rerating_id = ? "
            + "AND s.seq IN (SELECT q FROM rollup_pending, unnest(seqs) AS q))";

    private RerateStaging() {
    }

    /** Adds the staged differences of kind 'user' and {@code grain} to the rows of {@code table}. */
    private static String switchUsers(String table, String bucket, String grain) {
        return "UPDATE " + table + " SET cost_nanos = " + table + ".cost_nanos + s.d_cost_nanos "
                + "FROM rerate_staged_sums s WHERE s.rerating_id = ? AND s.kind = 'user' AND s.grain = '" + grain + "' AND " + table
                + ".customer_id = s.customer_id AND " + table + "." + bucket + " = s.bucket_ms AND " + table
                + ".user_id = s.k1";
    }

    /** A name not kept in its month was summed under {@link EndUsers#OTHER}: its difference goes there. */
    private static String switchOtherUsers(String table, String bucket, String grain) {
        return "UPDATE " + table + " SET cost_nanos = " + table + ".cost_nanos + o.d FROM (SELECT s.customer_id, "
                + "s.bucket_ms, SUM(s.d_cost_nanos) AS d FROM rerate_staged_sums s WHERE s.rerating_id = ? "
                + "AND s.kind = 'user' AND s.grain = '" + grain + "' AND NOT EXISTS (SELECT 1 FROM " + table
                + " u WHERE u.customer_id = s.customer_id AND u." + bucket + " = s.bucket_ms AND u.user_id = s.k1) "
                + "GROUP BY s.customer_id, s.bucket_ms) o WHERE " + table + ".customer_id = o.customer_id AND "
                + table + "." + bucket + " = o.bucket_ms AND " + table + ".user_id = ?";
    }

    private static String switchDimensions(String table, String bucket, String grain) {
        return "UPDATE " + table + " SET cost_nanos = " + table + ".cost_nanos + s.d_cost_nanos "
                + "FROM rerate_staged_sums s WHERE s.rerating_id = ? AND s.kind = 'dimension' AND s.grain = '" + grain + "' AND " + table
                + ".customer_id = s.customer_id AND " + table + "." + bucket + " = s.bucket_ms AND " + table
                + ".dim_key = s.k1 AND " + table + ".dim_value = s.k2";
    }

    private static String switchOtherDimensions(String table, String bucket, String grain) {
        return "UPDATE " + table + " SET cost_nanos = " + table + ".cost_nanos + o.d FROM (SELECT s.customer_id, "
                + "s.bucket_ms, s.k1, SUM(s.d_cost_nanos) AS d FROM rerate_staged_sums s WHERE s.rerating_id = ? "
                + "AND s.kind = 'dimension' AND s.grain = '" + grain + "' AND NOT EXISTS (SELECT 1 FROM " + table
                + " u WHERE u.customer_id = s.customer_id AND u." + bucket + " = s.bucket_ms AND u.dim_key = s.k1 "
                + "AND u.dim_value = s.k2) GROUP BY s.customer_id, s.bucket_ms, s.k1) o WHERE " + table
                + ".customer_id = o.customer_id AND " + table + "." + bucket + " = o.bucket_ms AND " + table
                + ".dim_key = o.k1 AND " + table + ".dim_value = ?";
    }

    /** A staging that cannot be staged or switched in: nothing was changed. Not transient: a retry cannot succeed. */
    static final class Conflict extends SQLException {
        Conflict(String message) {
            super(message);
        }
    }

    /**
     * Stages one page's changed events and the differences they make, in the caller's transaction. An event that
     * retention removed since the page was read is not staged (its sums are not moved): it is left out of the page
     * answered, so the re-rating counts it past retention.
     *
     * @param postgres whether to take {@link #RETENTION_LOCK} (PostgreSQL; SQLite's one writer already serializes)
     * @return the page without the events no longer stored
     * @throws Conflict if another re-rating has staged one of these events
     */
    static LedgerRepricing.Page stagePage(Connection c, String reratingId, LedgerRepricing.Page page,
                                          boolean postgres) throws SQLException {
        if (postgres) {
            lock(c, "SELECT pg_advisory_xact_lock_shared(" + RETENTION_LOCK + ")");
        }
        List<Integer> changed = new ArrayList<>();
        int[] counts;
        try (PreparedStatement ps = c.prepareStatement(STAGE_EVENT)) {
            for (int i = 0; i < page.entries().size(); i++) {
                LedgerEntry entry = page.entries().get(i);
                PricedCost now = page.repriced().get(i);
                if (!Rerater.changed(entry, now)) {
                    continue;
                }
                ps.setString(1, reratingId);
                ps.setLong(2, entry.cost().nanos());
                ps.setString(3, String.join(",", entry.unpricedMetrics()));
                ps.setLong(4, now.cost().nanos());
                ps.setString(5, String.join(",", now.unpricedMetrics())); // '' for none: see EventLog.UNPRICED
                ps.setLong(6, page.seqs().get(i));
                ps.addBatch();
                changed.add(i);
            }
            if (changed.isEmpty()) {
                return page;
            }
            counts = ps.executeBatch();
        }
        Sums sums = new Sums();
        java.util.Set<Integer> gone = new java.util.HashSet<>();
        for (int k = 0; k < changed.size(); k++) {
            int i = changed.get(k);
            if (counts[k] == 0) {
                if (stored(c, page.seqs().get(i))) {
                    throw new Conflict("another re-rating is applying changes to the same events; nothing was "
                            + "changed: run this one again once it is done");
                }
                gone.add(i);
                continue;
            }
            LedgerEntry entry = page.entries().get(i);
            PricedCost now = page.repriced().get(i);
            sums.add(entry, now.cost().nanos() - entry.cost().nanos(),
                    (now.isUnpriced() ? 1 : 0) - (entry.isUnpriced() ? 1 : 0));
        }
        sums.stage(c, reratingId);
        return gone.isEmpty() ? page : page.without(gone);
    }

    /**
     * Takes PostgreSQL's {@link #RETENTION_LOCK} exclusive in the caller's transaction, before retention deletes
     * events: the delete then sees every staging committed before it, and none commits during it.
     */
    static void holdAgainstStaging(Connection c) throws SQLException {
        lock(c, "SELECT pg_advisory_xact_lock(" + RETENTION_LOCK + ")");
    }

    private static void lock(Connection c, String sql) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            rs.next();
        }
    }

    private static boolean stored(Connection c, long seq) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM events WHERE seq = ?")) {
            ps.setLong(1, seq);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /**
     * Switches everything staged under {@code reratingId} in, in the caller's transaction (which must see every
     * walked event already in the sums: SQLite's pending increments flushed, PostgreSQL's roller held, and must mark
     * the record applied). From its commit every reader sees the staged events' new cost through
     * {@link EventLog#COST}; {@link #mergeChunk} then writes it into their rows, chunk by chunk.
     *
     * @param queued whether events may still wait in PostgreSQL's rollup queue: their sums are not moved (the roller
     *               sums their new price)
     * @return the positive cost the switch added to a month's sums (for PostgreSQL's overflow bound)
     */
    static long applyStaged(Connection c, String reratingId, boolean queued) throws SQLException {
        if (queued) {
            unstageQueued(c, reratingId);
        }
        update(c, SWITCH_ROLLUPS, reratingId);
        update(c, SWITCH_USERS, reratingId);
        update(c, SWITCH_OTHER_USERS, reratingId, EndUsers.OTHER);
        update(c, SWITCH_DIMENSIONS, reratingId);
        update(c, SWITCH_OTHER_DIMENSIONS, reratingId, EndUsers.OTHER);
        update(c, SWITCH_USER_DAYS, reratingId);
        update(c, SWITCH_OTHER_USER_DAYS, reratingId, EndUsers.OTHER);
        update(c, SWITCH_DIMENSION_DAYS, reratingId);
        update(c, SWITCH_OTHER_DIMENSION_DAYS, reratingId, EndUsers.OTHER);
        long added;
        try (PreparedStatement ps = c.prepareStatement(POSITIVE_MONTH_SUMS)) {
            ps.setString(1, reratingId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                added = rs.getLong(1);
            }
        }
        update(c, "DELETE FROM rerate_staged_sums WHERE rerating_id = ?", reratingId);
        return added;
    }

    /**
     * Merges the next {@code chunk} ({@link #MERGE_CHUNK} but in tests) staged events of an applied re-rating into
     * their rows and drops them from the staging, in the caller's transaction; readers see the same cost before and
     * after.
     *
     * @return whether any were left to merge
     */
    static boolean mergeChunk(Connection c, String reratingId, int chunk) throws SQLException {
        long bound;
        try (PreparedStatement ps = c.prepareStatement(MERGE_BOUND)) {
            ps.setString(1, reratingId);
            ps.setInt(2, chunk);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                bound = rs.getLong(1);
                if (rs.wasNull()) {
                    return false;
                }
            }
        }
        for (String sql : new String[]{MERGE_EVENTS, MERGED}) {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, reratingId);
                ps.setLong(2, bound);
                ps.executeUpdate();
            }
        }
        return true;
    }

    /** Takes back the staged differences of events still in PostgreSQL's rollup queue (their sums lack them). */
    private static void unstageQueued(Connection c, String reratingId) throws SQLException {
        Sums sums = new Sums();
        try (PreparedStatement ps = c.prepareStatement(QUEUED_STAGED)) {
            ps.setString(1, reratingId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    LedgerEntry entry = LedgerReplay.entry(rs, false);
                    String staged = rs.getString("staged_unpriced");
                    boolean nowUnpriced = staged != null && !staged.isEmpty();
                    sums.add(entry, entry.cost().nanos() - rs.getLong("staged_cost"),
                            (entry.isUnpriced() ? 1 : 0) - (nowUnpriced ? 1 : 0));
                }
            }
        }
        sums.stage(c, reratingId);
    }

    /**
     * Deletes up to {@link #DELETE_CHUNK} staged rows of {@code reratingId}, in the caller's transaction.
     *
     * @return whether any were left to delete
     */
    static boolean dropChunk(Connection c, String reratingId) throws SQLException {
        int events = update(c, "DELETE FROM rerate_staged_events WHERE seq IN (SELECT seq FROM rerate_staged_events "
                + "WHERE rerating_id = ? LIMIT " + DELETE_CHUNK + ")", reratingId);
        int sums = events > 0 ? 0 : update(c, "DELETE FROM rerate_staged_sums WHERE rerating_id = ?", reratingId);
        return events > 0 || sums > 0;
    }

    private static int update(Connection c, String sql, String... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setString(i + 1, args[i]);
            }
            return ps.executeUpdate();
        }
    }

    /** A key of {@code rerate_staged_sums} below the re-rating. */
    private record SumKey(String kind, String customerId, String grain, long bucketMs, String k1, String k2,
                          String k3) {
    }

    /** Differences summed by the row they move: every grain's rollup row, the end user and dimension rows. */
    static final class Sums {
        private static final Window[] GRAINS = {Window.MINUTE, Window.HOUR, Window.DAY, Window.MONTH};
        private final Map<SumKey, long[]> sums = new HashMap<>();

        /** Adds an event's change of cost and of unpriced count (1, 0 or -1) to each row holding it. */
        void add(LedgerEntry entry, long cost, long unpriced) {
            if (cost == 0 && unpriced == 0) {
                return;
            }
            UsageEvent e = entry.event();
            Instant[] buckets = {e.timestamp().truncatedTo(ChronoUnit.MINUTES), entry.buckets().hour(),
                    entry.buckets().day(), entry.buckets().month()};
            for (int g = 0; g < GRAINS.length; g++) {
                if (buckets[g] != null) { // events of old versions may lack some
                    add(new SumKey("rollup", e.customerId(), Grains.name(GRAINS[g]), buckets[g].toEpochMilli(),
                            orEmpty(e.provider()), orEmpty(e.model()), orEmpty(e.endpoint())), cost, unpriced);
                }
            }
            if (cost == 0) {
                return;
            }
            addEndUsers(e, "month", entry.buckets().month(), cost);
            addEndUsers(e, "day", entry.buckets().day(), cost);
        }

        /** The change of cost of the event's user and dimension values in their rows of {@code grain}. */
        private void addEndUsers(UsageEvent e, String grain, Instant bucket, long cost) {
            if (bucket == null) {
                return;
            }
            if (e.user() != null) {
                add(new SumKey("user", e.customerId(), grain, bucket.toEpochMilli(), e.user(), "", ""), cost, 0);
            }
            e.dimensions().forEach((k, v) -> add(new SumKey("dimension", e.customerId(), grain,
                    bucket.toEpochMilli(), k, v, ""), cost, 0));
        }

        private void add(SumKey key, long cost, long unpriced) {
            long[] sum = sums.computeIfAbsent(key, k -> new long[2]);
            sum[0] = Math.addExact(sum[0], cost);
            sum[1] += unpriced;
        }

        /** Adds these sums to what is staged under {@code reratingId}. */
        void stage(Connection c, String reratingId) throws SQLException {
            if (sums.isEmpty()) {
                return;
            }
            try (PreparedStatement ps = c.prepareStatement(STAGE_SUM)) {
                for (Map.Entry<SumKey, long[]> row : sums.entrySet()) {
                    SumKey k = row.getKey();
                    ps.setString(1, reratingId);
                    ps.setString(2, k.kind());
                    ps.setString(3, k.customerId());
                    ps.setString(4, k.grain());
                    ps.setLong(5, k.bucketMs());
                    ps.setString(6, k.k1());
                    ps.setString(7, k.k2());
                    ps.setString(8, k.k3());
                    ps.setLong(9, row.getValue()[0]);
                    ps.setLong(10, row.getValue()[1]);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        }
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }

    /** The applied re-ratings whose staged events are not all merged yet (a run stopped during its merge). */
    static List<String> unmerged(Connection c) throws SQLException {
        List<String> ids = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT r.id FROM reratings r WHERE r.state = 'applied' "
                + "AND EXISTS (SELECT 1 FROM rerate_staged_events s WHERE s.rerating_id = r.id)")) {
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getString(1));
                }
            }
        }
        return ids;
    }

    /** The ids of records left staging and not touched since {@code staleBeforeMs}: their runs died. */
    static List<String> stale(Connection c, long staleBeforeMs) throws SQLException {
        List<String> ids = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT id FROM reratings WHERE state = 'staging' AND updated_ms < ?")) {
            ps.setLong(1, staleBeforeMs);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getString(1));
                }
            }
        }
        return ids;
    }
}
