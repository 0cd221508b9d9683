package dev.tally.store;

import dev.tally.core.event.Buckets;
import dev.tally.core.event.LedgerEntry;
import dev.tally.core.event.StoredEvent;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.money.Money;
import dev.tally.core.period.Window;
import dev.tally.core.rollup.RollupBatch;
import dev.tally.core.rollup.RollupBatch.LatencyKey;
import dev.tally.core.rollup.RollupCounts;
import dev.tally.core.rollup.RollupKey;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads events back from the ledger at start-up and sums their rollup increments, as ingestion summed them: the
 * increments that {@link DeferredRollups} held in memory when the process stopped. Each event is read with the cost,
 * unpriced metrics and buckets it was stored with, so the sums are exactly those it had.
 */
final class LedgerReplay {
    /** Events read back per statement, to bound memory after a crash under heavy traffic. */
    static final int CHUNK_EVENTS = 10_000;
    private static final String SELECT_AFTER = "SELECT " + EventLog.COLUMNS + ", hour_ms, day_ms, month_ms "
            + "FROM events WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT " + CHUNK_EVENTS;
    /**
     * The columns that sums read ({@link #summed}), for the reads of many events that only sum them: the roller's
     * pass and the queued events a report adds. The id, method, reservation, metadata and CloudEvents context are
     * left out; reading and decoding them was about a third of the pass's time in the JVM spent on the read.
     */
    private static final String SUMMED_COLUMNS = "events.seq, customer_id, ts_ms, provider, model, endpoint, status, "
            + "latency_ms, user_id, usage, COALESCE(staged.new_cost_nanos, events.cost_nanos), "
            + "NULLIF(COALESCE(staged.new_unpriced, events.unpriced_metrics), ''), dimensions, hour_ms, day_ms, "
            + "month_ms";
    /** The id of an event read for its sums only ({@link #summed}): ids are not read. */
    static final String UNREAD_ID = "";
    /**
     * Claimed seqs at most this far apart are read as one range of the primary key; the few seqs between them that
     * are not claimed (another queue row's, or an append's that has not committed) are read and dropped.
     */
    static final long RANGE_GAP = 64;
    /** Rows a round trip when events are read to be summed as they come ({@link #forEachBySeq}). */
    static final int FETCH_ROWS = 4_096;
    /**
     * The events in some seq ranges: a range scan of the primary key per range. {@code seq = ANY(array)} with the
     * 100,000 seqs of a roller pass was a descent of the index per seq (68 buffer reads an event against 4.5 for
     * the ranges, measured on 100,000 rows), or a scan of the whole table when the planner expected many.
     */
    private static final String SELECT_IN_RANGES = "SELECT " + SUMMED_COLUMNS + " FROM unnest(?::bigint[], "
            + "?::bigint[]) AS r(lo, hi) JOIN events ON events.seq BETWEEN r.lo AND r.hi" + EventLog.JOIN_STAGED;
    private static final String SELECT_PENDING = "SELECT " + SUMMED_COLUMNS + " FROM events" + EventLog.JOIN_STAGED
            + " WHERE events.seq IN (SELECT unnest(seqs) FROM rollup_pending)";
    /**
     * One customer's queued events: in each queue row (one per append) that names the customer, its slice of the
     * seqs, from its start to the next customer's (or the end).
     */
    private static final String SELECT_PENDING_OF = "SELECT " + SUMMED_COLUMNS + " FROM events" + EventLog.JOIN_STAGED
            + " WHERE events.seq IN (SELECT "
            + "unnest(q.seqs[q.starts[p.i]:COALESCE(q.starts[p.i + 1] - 1, cardinality(q.seqs))]) FROM rollup_pending q CROSS JOIN LATERAL array_position(q.customers, "
            + "CAST(? AS TEXT)) AS p(i) WHERE p.i IS NOT NULL)";

    private LedgerReplay() {
    }

    /**
     * The summed increments.
     *
     * @param sums   the rollup rows and latency cells
     * @param events how many events were read
     */
    record Replayed(RollupBatch sums, int events) {
    }

    /**
     * Sums the increments of every grain and the latency cells of the events after {@code after}, plus, if
     * {@code minutesAfter} is given, the minute rows alone of the events in (minutesAfter, after]: what a store of
     * schema version 7, which deferred only minute rows, had not written.
     */
    static Replayed replay(Connection connection, Long minutesAfter, long after) throws SQLException {
        Accumulated folded = new Accumulated();
        if (minutesAfter != null) {
            fold(connection, minutesAfter, after, List.of(Window.MINUTE), false, folded);
        }
        fold(connection, after, Long.MAX_VALUE, RollupBatch.GRAINS, true, folded);
        return new Replayed(folded.batch(), folded.events);
    }

    /** The largest sum in the rollup tables, found by reading them all: once, on the first open of a store. */
    static long largestStoredSum(Connection connection) throws SQLException {
        String columns = String.join(", ", RollupWriter.SUMS.stream().map(c -> "MAX(" + c + ")").toList());
        try (PreparedStatement ps = connection.prepareStatement("SELECT max(" + columns + ", "
                + "(SELECT COALESCE(MAX(quantity_micros), 0) FROM usage_rollup_metric)) FROM usage_rollup");
             ResultSet rs = ps.executeQuery()) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    /** What is done with each event read: summed, mostly. */
    @FunctionalInterface
    interface EntryConsumer {
        void accept(LedgerEntry entry) throws SQLException;
    }

    /**
     * Reads the events with these seqs, for their sums ({@link #summed}), in seq order, {@value #FETCH_ROWS} rows a
     * round trip (the caller's transaction keeps the cursor open), handing each to {@code consumer} and keeping
     * none: the roller's pass sums up to 500,000 events, which held in a list (and all their rows in the driver) were
     * copied by every young collection during a pass.
     */
    static void forEachBySeq(Connection connection, long[] seqs, EntryConsumer consumer) throws SQLException {
        long[] sorted = seqs.clone();
        Arrays.sort(sorted);
        List<Long> from = new ArrayList<>();
        List<Long> to = new ArrayList<>();
        for (long seq : sorted) {
            if (to.isEmpty() || seq - to.get(to.size() - 1) > RANGE_GAP) {
                from.add(seq);
                to.add(seq);
            } else {
                to.set(to.size() - 1, seq);
            }
        }
        try (PreparedStatement ps = connection.prepareStatement(SELECT_IN_RANGES)) {
            ps.setArray(1, PgArrays.longs(connection, from));
            ps.setArray(2, PgArrays.longs(connection, to));
            ps.setFetchSize(FETCH_ROWS);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (Arrays.binarySearch(sorted, rs.getLong(1)) >= 0) {
                        consumer.accept(summed(rs));
                    }
                }
            }
        }
    }

    /**
     * The events that {@code rollup_pending} names, as they were at ingestion: those not in the rollup tables yet
     * (PostgreSQL, {@link QueuedRollups}).
     *
     * @param customerId the one customer, or null for all
     */
    static List<LedgerEntry> pending(Connection connection, String customerId) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(customerId == null ? SELECT_PENDING
                : SELECT_PENDING_OF)) {
            if (customerId != null) {
                ps.setString(1, customerId);
            }
            return entries(ps);
        }
    }

    private static List<LedgerEntry> entries(PreparedStatement ps) throws SQLException {
        List<LedgerEntry> entries = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                entries.add(summed(rs));
            }
        }
        return entries;
    }

    /** The increments read back, summed. */
    private static final class Accumulated {
        final Map<RollupKey, RollupCounts> counts = new HashMap<>();
        final Map<LatencyKey, Long> latency = new HashMap<>();
        int events;

        void add(RollupBatch batch) {
            batch.counts().forEach((key, c) -> counts.computeIfAbsent(key, k -> new RollupCounts()).add(c));
            batch.latency().forEach((key, calls) -> latency.merge(key, calls, Long::sum));
        }

        RollupBatch batch() {
            return new RollupBatch(counts, latency);
        }
    }

    /** Adds the rollups of {@code grains} of the events with seq in (after, through], chunk by chunk. */
    private static void fold(Connection connection, long after, long through, List<Window> grains,
                             boolean withLatency, Accumulated into) throws SQLException {
        boolean allGrains = grains.size() > 1;
        try (PreparedStatement ps = connection.prepareStatement(SELECT_AFTER)) {
            long from = after;
            while (true) {
                ps.setLong(1, from);
                ps.setLong(2, through);
                List<LedgerEntry> chunk = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        chunk.add(entry(rs, allGrains));
                        from = rs.getLong("seq");
                    }
                }
                if (chunk.isEmpty()) {
                    return;
                }
                into.add(RollupBatch.of(chunk, grains, withLatency));
                into.events += chunk.size();
            }
        }
    }

    /**
     * An event read by {@link #SUMMED_COLUMNS}, for its sums only: as it was at ingestion in everything a rollup or an
     * end user sum reads (cost, unpriced metrics, usage, status, latency, user, dimensions, buckets), with
     * {@link #UNREAD_ID} for its id, no method, reservation, metadata or CloudEvents context, and its timestamp as its
     * receipt time.
     */
    static LedgerEntry summed(ResultSet rs) throws SQLException {
        Instant timestamp = Instant.ofEpochMilli(rs.getLong(3));
        int status = rs.getInt(7);
        Integer statusOrNull = rs.wasNull() ? null : status;
        long latency = rs.getLong(8);
        Long latencyOrNull = rs.wasNull() ? null : latency;
        UsageEvent event = new UsageEvent(UNREAD_ID, rs.getString(2), timestamp, rs.getString(4), rs.getString(5),
                rs.getString(6), null, statusOrNull, latencyOrNull, rs.getString(9),
                UsageCodec.decode(rs.getString(10)), null, null, null, null, DimensionsCodec.decode(rs.getString(13)));
        String unpriced = rs.getString(12);
        Buckets buckets = new Buckets(timestamp.truncatedTo(ChronoUnit.MINUTES), bucket(rs, 14), bucket(rs, 15),
                bucket(rs, 16));
        return new LedgerEntry(event, Money.ofNanos(rs.getLong(11)),
                unpriced == null ? List.of() : Arrays.asList(unpriced.split(",")), timestamp, buckets);
    }

    private static Instant bucket(ResultSet rs, int column) throws SQLException {
        long ms = rs.getLong(column);
        if (rs.wasNull()) {
            throw unbucketed(rs.getLong(1), rs.getMetaData().getColumnName(column));
        }
        return Instant.ofEpochMilli(ms);
    }

    /**
     * An event read back as it was at ingestion: its cost, unpriced metrics and buckets as stored. The minute is the
     * timestamp cut to the minute: a minute starts at the same instant in every zone of today's tz database (offsets
     * are whole minutes).
     */
    static LedgerEntry entry(ResultSet rs, boolean allGrains) throws SQLException {
        StoredEvent stored = EventLog.event(rs);
        String unpriced = rs.getString("unpriced_metrics");
        Instant minute = stored.event().timestamp().truncatedTo(ChronoUnit.MINUTES);
        Buckets buckets = new Buckets(minute, instant(rs, "hour_ms", allGrains), instant(rs, "day_ms", allGrains),
                instant(rs, "month_ms", allGrains));
        return new LedgerEntry(stored.event(), stored.cost(),
                unpriced == null ? List.of() : Arrays.asList(unpriced.split(",")), stored.receivedAt(), buckets);
    }

    private static Instant instant(ResultSet rs, String column, boolean required) throws SQLException {
        Long ms = Columns.getLong(rs, column);
        if (ms == null && required) {
            throw unbucketed(rs.getLong("seq"), column);
        }
        return ms == null ? null : Instant.ofEpochMilli(ms);
    }

    private static SQLException unbucketed(long seq, String column) {
        return new SQLException("event " + seq + " after the rollup watermark has no " + column
                + ": it was written by a version that did not defer rollups, after this one had run");
    }
}
