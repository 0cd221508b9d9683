package dev.tally.store;

import dev.tally.core.event.EndUsers;
import dev.tally.core.event.LedgerEntry;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.metric.Metrics;
import dev.tally.core.store.UsageStore;
import dev.tally.core.rollup.EndUserTotals;
import dev.tally.core.rollup.EndUserUsage;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static dev.tally.core.rollup.KeyHash.mix;

/**
 * A customer's sums by end user and by dimension value per billing month ({@code user_rollup},
 * {@code dimension_rollup}) and per day in the customer's zone ({@code user_day_rollup},
 * {@code dimension_day_rollup}: what a report of a day or a week reads), written on the same path as the other
 * rollups, on both databases.
 *
 * <p>Cardinality: per customer and month, the first {@link UsageStore#MAX_USERS} users (and per key the first
 * {@link UsageStore#MAX_DIMENSION_VALUES} values) get their own row; later ones are summed under
 * {@link EndUsers#OTHER}; a day's rows use the names of the month the day's events belong to, so the day tables are
 * bounded the same way. Which names are kept is remembered per (customer, month[, key]), read from the table the
 * first time and then kept in memory, so deciding costs a set lookup per event. The memory is bounded: the sets of
 * the {@value #MAX_CACHED_SETS} most recently used (customer, month, key) are kept. A batch whose transaction rolls
 * back may leave a name in its set that no row has: the bound then keeps one name fewer, which is harmless. Several
 * nodes each decide from their own sets, so on PostgreSQL the bound is approximate (by at most the names the other
 * nodes added meanwhile); enforcement never depends on it.
 *
 * <p>On SQLite the sums are written behind the acknowledgement, with the other rollups ({@link DeferredRollups}: the
 * same transactions, the same watermark, the same replay of the events after it at start-up, and reads that add what
 * is pending): upserting a row per user in the acknowledging transaction took SQLite's one writer more than twice as
 * long per event. On PostgreSQL they go through the rollup queue with the other rollups ({@link QueuedRollups}).
 *
 * <p>On SQLite the writer thread does as little of this as it can (issue 13: the sums had doubled its time per
 * event): a batch's sums, kept-name decisions included, are computed while it is prepared, on the preparing thread
 * ({@link #sums}), and a committed batch's sums are only queued; a thread of their own ({@code tally-enduser-fold})
 * adds them to the pending sums, as {@link PendingRollups} does for the other rollups. Readers see pending and queued
 * sums alike.
 *
 * <p>Events without a user and dimensions cost nothing here.
 */
final class EndUserRollups implements AutoCloseable {
    static final int MAX_CACHED_SETS = 10_000;
    private static final List<String> USER_KEY = List.of("customer_id", "month_ms", "user_id");
    private static final List<String> DIMENSION_KEY = List.of("customer_id", "month_ms", "dim_key", "dim_value");
    private static final List<String> USER_DAY_KEY = List.of("customer_id", "day_ms", "user_id");
    private static final List<String> DIMENSION_DAY_KEY = List.of("customer_id", "day_ms", "dim_key", "dim_value");
    private static final List<String> SUMS = List.of("requests", "errors", "tokens_micros", "cost_nanos");
    private static final List<String> SUM_TYPES = List.of("bigint", "bigint", "bigint", "bigint");
    /** Rows per JSON upsert on SQLite: some 400 KB of text, bounding the string however much is pending. */
    static final int JSON_ROWS = 5_000;

    /**
     * Kept names by (customer, month[, key]); least recently used first. Guarded by itself (not by this object's
     * monitor, which the folding thread holds while it adds a batch), since the preparing thread decides names.
     */
    private final Map<SetKey, Set<String>> kept = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<SetKey, Set<String>> eldest) {
            return size() > MAX_CACHED_SETS;
        }
    };

    /** Whether sums wait in memory for {@link DeferredRollups} to write them (SQLite), or are written at once. */
    private final boolean deferred;
    /** How rows travel: a JDBC batch of one-row upserts (SQLite), or one array per column (PostgreSQL). */
    private final boolean arrays;
    // Deferred mode, touched by the transaction under way (one at a time) and by readers (under this monitor).
    /** The sums of the transaction under way, until it commits; null if none. */
    private Sums staged;
    /** Sums of committed events not yet in the tables (added by the folding thread). */
    private Sums pending = new Sums();
    /**
     * Committed batches' sums not yet added to {@link #pending}, and the {@code tally-enduser-fold} thread that adds
     * them under this object's monitor (deferred mode only; null otherwise).
     */
    private final FoldingQueue<Sums> queued;

    /**
     * The sums of {@code dialect}: written behind the acknowledgement with the other rollups where it defers them
     * (SQLite, {@link DeferredRollups} calls {@link #writePending}), else by its caller, PostgreSQL's roller; shipped
     * one statement per table as arrays on PostgreSQL, where a JDBC batch of one-row upserts (about 0.5 a rolled
     * event with 500 users a customer) cost the roller as much as its usage_rollup upsert.
     */
    EndUserRollups(SqlDialect dialect) {
        this.deferred = dialect.defersRollups();
        this.arrays = dialect == SqlDialect.POSTGRESQL;
        // A lambda, not pending::add: a write replaces the pending sums with new ones.
        queued = deferred ? new FoldingQueue<>("tally-enduser-fold", this, batch -> pending.add(batch)) : null;
    }

    /** Reads the names a (customer, month[, key]) keeps, from the tables, the first time they are needed. */
    @FunctionalInterface
    interface NameReader {
        Set<String> read(SetKey key) throws SQLException;
    }

    /** A reader of kept names through {@code connection}. */
    static NameReader namesThrough(Connection connection) {
        return key -> load(connection, key);
    }

    /**
     * The sums of {@code entries}, computed ahead of their write (the preparing thread, {@code prepareAppend}), so
     * that the writer thread only stages them; names the tables must tell are read through {@code names}.
     */
    Sums sums(List<LedgerEntry> entries, NameReader names) throws SQLException {
        Summing summing = new Summing(names);
        for (LedgerEntry entry : entries) {
            summing.add(entry);
        }
        return summing.sums;
    }

    /** Adds the sums of {@code fresh} (newly stored entries) in the caller's transaction, or stages them. */
    void add(Connection connection, List<LedgerEntry> fresh) throws SQLException {
        add(connection, sums(fresh, namesThrough(connection)));
    }

    /**
     * Adds {@code sums} (those of newly stored entries, computed by {@link #sums}) in the caller's transaction, or
     * stages them.
     */
    void add(Connection connection, Sums sums) throws SQLException {
        if (deferred) {
            synchronized (this) {
                staged = sums;
            }
        } else {
            sums.write(connection, arrays);
        }
    }

    private void add(NameReader names, Sums sums, UsageEvent e, long month, long day, long cost)
            throws SQLException {
        long tokens = Metrics.tokenMicros(e.usageMicros());
        if (e.user() != null) {
            String name = keptName(names, new SetKey(e.customerId(), month, null), e.user(),
                    UsageStore.MAX_USERS);
            add(sums.users.computeIfAbsent(new UserKey(e.customerId(), month, name), k -> new long[4]), e, tokens,
                    cost);
            add(sums.userDays.computeIfAbsent(new UserKey(e.customerId(), day, name), k -> new long[4]), e, tokens,
                    cost);
        }
        for (Map.Entry<String, String> d : e.dimensions().entrySet()) {
            String value = keptName(names, new SetKey(e.customerId(), month, d.getKey()), d.getValue(),
                    UsageStore.MAX_DIMENSION_VALUES);
            add(sums.dimensions.computeIfAbsent(new DimensionKey(e.customerId(), month, d.getKey(), value),
                    k -> new long[4]), e, tokens, cost);
            add(sums.dimensionDays.computeIfAbsent(new DimensionKey(e.customerId(), day, d.getKey(), value),
                    k -> new long[4]), e, tokens, cost);
        }
    }

    /**
     * Deferred mode: writes what is pending (and what the transaction under way staged, if {@code withStaged}) in
     * the caller's transaction, which {@link DeferredRollups} commits with its watermark.
     */
    synchronized void writePending(Connection connection, boolean withStaged) throws SQLException {
        // Pending and staged are written one after the other rather than summed first: summing copied every
        // pending row (some 200,000 at the benchmark's 5 s of traffic) at each write. A row in both is upserted
        // twice, which adds up the same. Batches the folding thread has not reached yet are added here.
        queued.foldAll();
        pending.write(connection, arrays);
        if (withStaged && staged != null) {
            staged.write(connection, arrays);
        }
    }

    /** Deferred mode: the transaction under way committed; {@code wrote}: it wrote everything pending. */
    synchronized void committed(boolean wrote) {
        if (wrote) {
            // The transaction wrote every queued batch too (writePending folded them): no batch can have been queued
            // since, because only this writer queues, and it was busy with that transaction.
            pending = new Sums();
            queued.clear();
        } else if (staged != null && !staged.isEmpty()) {
            // Adding to the pending maps is mostly cache misses: the folding thread does it, not the writer.
            queued.add(staged);
        }
        staged = null;
    }

    /** Stops the folding thread; what is pending stays readable. */
    @Override
    public void close() {
        if (queued != null) {
            queued.close();
        }
    }

    /** Pending and queued sums, under this object's monitor: what a read adds to the tables'. */
    private List<Sums> unwritten() {
        Collection<Sums> batches = queuedBatches();
        List<Sums> all = new ArrayList<>(1 + batches.size());
        all.add(pending);
        all.addAll(batches);
        return all;
    }

    /** Committed batches' sums the folding thread has not reached (read under this object's monitor). */
    private Collection<Sums> queuedBatches() {
        return queued == null ? List.of() : queued.batches();
    }

    /** Deferred mode: the transaction under way rolled back. */
    synchronized void rolledBack() {
        staged = null;
    }

    /**
     * Deferred mode, at start-up: makes the sums of the events after {@code throughSeq} (the rollup watermark)
     * pending again, since a crash took them with it; the recovering transaction then writes them.
     */
    void replay(Connection connection, long throughSeq) throws SQLException {
        Sums sums = new Sums();
        try (PreparedStatement ps = connection.prepareStatement("SELECT customer_id, month_ms, user_id, dimensions, "
                + "usage, " + EventLog.COST + " AS cost_nanos, status, day_ms FROM events WHERE seq > ? "
                + "AND (user_id IS NOT NULL OR dimensions IS NOT NULL)")) {
            ps.setLong(1, throughSeq);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    UsageEvent e = new UsageEvent("replay", rs.getString(1), java.time.Instant.EPOCH, null, null,
                            null, null, Columns.getInt(rs, "status"), null, rs.getString(3),
                            UsageCodec.decode(rs.getString(5)), null, null, null, null,
                            DimensionsCodec.decode(rs.getString(4)));
                    add(namesThrough(connection), sums, e, rs.getLong(2), rs.getLong(8), rs.getLong(6));
                }
            }
        }
        synchronized (this) {
            pending.add(sums);
        }
    }

    private static void add(long[] sums, UsageEvent e, long tokens, long cost) {
        sums[0]++;
        sums[1] += e.isError() ? 1 : 0;
        sums[2] += tokens;
        sums[3] += cost;
    }

    /** {@code name} if it is kept (or may still be), else {@link EndUsers#OTHER}. */
    private String keptName(NameReader reader, SetKey key, String name, int bound) throws SQLException {
        synchronized (kept) {
            Set<String> names = kept.get(key);
            if (names == null) {
                names = reader.read(key);
                kept.put(key, names);
            }
            if (names.contains(name)) {
                return name;
            }
            if (names.size() >= bound) {
                return EndUsers.OTHER;
            }
            names.add(name);
            return name;
        }
    }

    private static Set<String> load(Connection connection, SetKey key) throws SQLException {
        String sql = key.dimension() == null
                ? "SELECT user_id FROM user_rollup WHERE customer_id = ? AND month_ms = ?"
                : "SELECT dim_value FROM dimension_rollup WHERE customer_id = ? AND month_ms = ? AND dim_key = ?";
        Set<String> names = new HashSet<>();
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            ps.setString(1, key.customerId());
            ps.setLong(2, key.monthMs());
            if (key.dimension() != null) {
                ps.setString(3, key.dimension());
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    names.add(rs.getString(1));
                }
            }
        }
        names.remove(EndUsers.OTHER);
        return names;
    }

    /**
     * Sums by user and by dimension value, per month and per day. Hashed, and sorted only when written (the upserts
     * take row locks in key order, and SQLite's pages are visited in order): ordered maps cost the single writer a
     * tree insert per event and grain, and a quarter of its time with the day sums (issue 13).
     */
    static final class Sums {
        final HashMap<UserKey, long[]> users = new HashMap<>();
        final HashMap<DimensionKey, long[]> dimensions = new HashMap<>();
        final HashMap<UserKey, long[]> userDays = new HashMap<>();
        final HashMap<DimensionKey, long[]> dimensionDays = new HashMap<>();

        /** Adds {@code other}'s sums, taking over its arrays: {@code other} is not used again. */
        void add(Sums other) {
            other.users.forEach((k, v) -> users.merge(k, v, Sums::addInto));
            other.dimensions.forEach((k, v) -> dimensions.merge(k, v, Sums::addInto));
            other.userDays.forEach((k, v) -> userDays.merge(k, v, Sums::addInto));
            other.dimensionDays.forEach((k, v) -> dimensionDays.merge(k, v, Sums::addInto));
        }

        boolean isEmpty() {
            return users.isEmpty() && dimensions.isEmpty();
        }

        void write(Connection connection, boolean arrays) throws SQLException {
            upsert(connection, "user_rollup", USER_KEY, List.of("text", "bigint", "text"), users, arrays);
            upsert(connection, "dimension_rollup", DIMENSION_KEY, List.of("text", "bigint", "text", "text"),
                    dimensions, arrays);
            upsert(connection, "user_day_rollup", USER_DAY_KEY, List.of("text", "bigint", "text"), userDays, arrays);
            upsert(connection, "dimension_day_rollup", DIMENSION_DAY_KEY, List.of("text", "bigint", "text", "text"),
                    dimensionDays, arrays);
        }

        private static long[] addInto(long[] into, long[] sums) {
            for (int i = 0; i < sums.length; i++) {
                into[i] += sums[i];
            }
            return into;
        }
    }

    /**
     * Adds {@code rows} (key columns, then the four sums) to {@code table}, in key order: as one statement of arrays
     * ({@code unnest}, PostgreSQL), or as JSON (SQLite).
     */
    private static <K extends RowKey & Comparable<K>> void upsert(Connection connection, String table,
                                                                  List<String> keys, List<String> keyTypes,
                                                                  Map<K, long[]> sums, boolean arrays)
            throws SQLException {
        if (sums.isEmpty()) {
            return;
        }
        List<Map.Entry<K, long[]>> rows = new ArrayList<>(sums.entrySet());
        rows.sort(Map.Entry.comparingByKey());
        if (arrays) {
            upsertArrays(connection, table, keys, keyTypes, rows);
            return;
        }
        upsertJson(connection, table, keys, rows);
    }

    /**
     * SQLite: the rows as JSON, {@value #JSON_ROWS} to an execution. A JDBC batch of one-row upserts made a native
     * call per bound value (eight a row), which cost the single writer about as much as SQLite's own upsert.
     */
    private static <K extends RowKey> void upsertJson(Connection connection, String table, List<String> keys,
                                                      List<Map.Entry<K, long[]>> rows) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(UpsertSql.fromJson(table, keys, SUMS))) {
            JsonRows json = new JsonRows();
            for (int from = 0; from < rows.size(); from += JSON_ROWS) {
                json.clear();
                for (Map.Entry<K, long[]> row : rows.subList(from, Math.min(rows.size(), from + JSON_ROWS))) {
                    json.startRow();
                    for (Object column : row.getKey().columns()) {
                        if (column instanceof String text) {
                            json.text(text);
                        } else {
                            json.number((Long) column);
                        }
                    }
                    for (long sum : row.getValue()) {
                        json.number(sum);
                    }
                    json.endRow();
                }
                ps.setString(1, json.toString());
                ps.executeUpdate();
            }
        }
    }

    private static <K extends RowKey> void upsertArrays(Connection connection, String table, List<String> keys,
                                                        List<String> keyTypes, List<Map.Entry<K, long[]>> rows)
            throws SQLException {
        List<String> types = new ArrayList<>(keyTypes);
        types.addAll(SUM_TYPES);
        Object[][] columns = new Object[types.size()][];
        for (int c = 0; c < columns.length; c++) {
            columns[c] = PgArrays.column(types.get(c), rows.size());
        }
        int r = 0;
        for (Map.Entry<K, long[]> row : rows) {
            Object[] key = row.getKey().columns();
            for (int c = 0; c < key.length; c++) {
                columns[c][r] = key[c];
            }
            for (int c = 0; c < SUMS.size(); c++) {
                columns[key.length + c][r] = row.getValue()[c];
            }
            r++;
        }
        try (PreparedStatement ps = connection.prepareStatement(UpsertSql.mergeFromArrays(table, keys, SUMS, types))) {
            for (int c = 0; c < columns.length; c++) {
                ps.setArray(c + 1, PgArrays.of(connection, types.get(c), columns[c]));
            }
            ps.executeUpdate();
        }
    }

    /**
     * The sums of a customer's month in the tables plus those pending (deferred mode). The caller holds
     * {@link DeferredRollups}' read lock, so pending sums are never written between the two reads.
     */
    EndUserUsage read(Connection connection, String customerId, long monthMs) throws SQLException {
        EndUserUsage stored = readStored(connection, customerId, monthMs);
        synchronized (this) {
            if (pending.isEmpty() && queuedBatches().isEmpty()) {
                return stored;
            }
            List<Map<UserKey, long[]>> users = new ArrayList<>();
            List<Map<DimensionKey, long[]>> dimensions = new ArrayList<>();
            unwritten().forEach(s -> {
                users.add(s.users);
                dimensions.add(s.dimensions);
            });
            return merged(stored, users, dimensions, customerId, monthMs, monthMs + 1);
        }
    }

    /**
     * The sums of a customer's days that start in {@code [fromMs, toMs)} (day buckets in the customer's zone) in the
     * tables plus those pending (deferred mode); the caller holds {@link DeferredRollups}' read lock as for a month.
     */
    EndUserUsage readDays(Connection connection, String customerId, long fromMs, long toMs) throws SQLException {
        EndUserUsage stored = readStoredDays(connection, customerId, fromMs, toMs);
        synchronized (this) {
            if (pending.isEmpty() && queuedBatches().isEmpty()) {
                return stored;
            }
            List<Map<UserKey, long[]>> users = new ArrayList<>();
            List<Map<DimensionKey, long[]>> dimensions = new ArrayList<>();
            unwritten().forEach(s -> {
                users.add(s.userDays);
                dimensions.add(s.dimensionDays);
            });
            return merged(stored, users, dimensions, customerId, fromMs, toMs);
        }
    }

    /** The sums of a customer's days in {@code [fromMs, toMs)}, stored plus the queued events' (PostgreSQL). */
    EndUserUsage readDays(Connection connection, String customerId, long fromMs, long toMs,
                          List<LedgerEntry> queued) throws SQLException {
        EndUserUsage stored = readStoredDays(connection, customerId, fromMs, toMs);
        if (queued.isEmpty()) {
            return stored;
        }
        Sums extra = sumsOf(connection, queued);
        return merged(stored, List.of(extra.userDays), List.of(extra.dimensionDays), customerId, fromMs, toMs);
    }

    /**
     * The sums of a customer's month in the tables plus those of {@code queued}, the customer's events not rolled
     * up yet (PostgreSQL's queue, {@link QueuedRollups}), read in the same snapshot as the tables.
     */
    EndUserUsage read(Connection connection, String customerId, long monthMs, List<LedgerEntry> queued)
            throws SQLException {
        EndUserUsage stored = readStored(connection, customerId, monthMs);
        if (queued.isEmpty()) {
            return stored;
        }
        Sums extra = sumsOf(connection, queued);
        return merged(stored, List.of(extra.users), List.of(extra.dimensions), customerId, monthMs, monthMs + 1);
    }

    /**
     * The sums of events fed one at a time (PostgreSQL's roller, which reads them as it sums them), for
     * {@link Summing#write} in the caller's transaction; names the tables must tell are read through
     * {@code connection}.
     */
    Summing summing(Connection connection) {
        return new Summing(namesThrough(connection));
    }

    /** Sums of events fed one at a time, in their order (which decides the names kept); see {@link #summing}. */
    final class Summing {
        private final NameReader names;
        private final Sums sums = new Sums();

        private Summing(NameReader names) {
            this.names = names;
        }

        /** Adds a newly rolled-up event. */
        void add(LedgerEntry entry) throws SQLException {
            UsageEvent e = entry.event();
            if (e.user() != null || !e.dimensions().isEmpty()) {
                EndUserRollups.this.add(names, sums, e, entry.buckets().month().toEpochMilli(),
                        entry.buckets().day().toEpochMilli(), entry.cost().nanos());
            }
        }

        /** Adds the sums to the tables in the caller's transaction. */
        void write(Connection connection) throws SQLException {
            sums.write(connection, arrays);
        }

        /** The rows of the four tables the sums add to. */
        int rows() {
            return sums.users.size() + sums.dimensions.size() + sums.userDays.size() + sums.dimensionDays.size();
        }
    }

    private Sums sumsOf(Connection connection, List<LedgerEntry> entries) throws SQLException {
        return sums(entries, namesThrough(connection));
    }

    /** {@code stored} plus the rows of {@code extraUsers} and {@code extraDimensions} of the customer in the range. */
    private static EndUserUsage merged(EndUserUsage stored, List<Map<UserKey, long[]>> extraUsers,
                                       List<Map<DimensionKey, long[]>> extraDimensions, String customerId,
                                       long fromMs, long toMs) {
        Map<String, long[]> users = new TreeMap<>();
        stored.users().forEach(t -> users.put(t.name(), sums(t)));
        extraUsers.forEach(extra -> extra.forEach((k, v) -> {
            if (k.customerId().equals(customerId) && k.bucketMs() >= fromMs && k.bucketMs() < toMs) {
                Sums.addInto(users.computeIfAbsent(k.user(), x -> new long[4]), v);
            }
        }));
        Map<String, Map<String, long[]>> dims = new TreeMap<>();
        stored.dimensions().forEach((key, values) -> values.forEach(t ->
                dims.computeIfAbsent(key, x -> new TreeMap<>()).put(t.name(), sums(t))));
        extraDimensions.forEach(extra -> extra.forEach((k, v) -> {
            if (k.customerId().equals(customerId) && k.bucketMs() >= fromMs && k.bucketMs() < toMs) {
                Sums.addInto(dims.computeIfAbsent(k.key(), x -> new TreeMap<>())
                        .computeIfAbsent(k.value(), x -> new long[4]), v);
            }
        }));
        List<EndUserTotals> userList = new ArrayList<>();
        users.forEach((name, v) -> userList.add(totals(name, v)));
        Map<String, List<EndUserTotals>> dimLists = new TreeMap<>();
        dims.forEach((key, values) -> values.forEach((name, v) ->
                dimLists.computeIfAbsent(key, x -> new ArrayList<>()).add(totals(name, v))));
        return new EndUserUsage(userList, dimLists);
    }

    /** One user's sums of a customer's month, stored plus the queued events' (PostgreSQL). */
    EndUserTotals readUser(Connection connection, String customerId, long monthMs, String user,
                           List<LedgerEntry> queued) throws SQLException {
        EndUserTotals stored = readUser(connection, customerId, monthMs, user);
        long[] more = sumsOf(connection, queued).users.get(new UserKey(customerId, monthMs, user));
        if (more == null) {
            return stored;
        }
        long[] sums = sums(stored);
        Sums.addInto(sums, more);
        return totals(user, sums);
    }

    /** One user's sums of a customer's month, stored plus pending; zeros for a user without usage. */
    EndUserTotals readUser(Connection connection, String customerId, long monthMs, String user) throws SQLException {
        long[] sums = new long[4];
        try (PreparedStatement ps = connection.prepareStatement("SELECT requests, errors, tokens_micros, cost_nanos "
                + "FROM user_rollup WHERE customer_id = ? AND month_ms = ? AND user_id = ?")) {
            ps.setString(1, customerId);
            ps.setLong(2, monthMs);
            ps.setString(3, user);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    sums = new long[]{rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4)};
                }
            }
        }
        UserKey key = new UserKey(customerId, monthMs, user);
        synchronized (this) {
            for (Sums unwritten : unwritten()) {
                long[] more = unwritten.users.get(key);
                if (more != null) {
                    Sums.addInto(sums, more);
                }
            }
        }
        return totals(user, sums);
    }

    private static long[] sums(EndUserTotals t) {
        return new long[]{t.requests(), t.errors(), t.tokensMicros(), t.costNanos()};
    }

    private static EndUserTotals totals(String name, long[] v) {
        return new EndUserTotals(name, v[0], v[1], v[2], v[3]);
    }

    private static EndUserUsage readStored(Connection connection, String customerId, long monthMs)
            throws SQLException {
        List<EndUserTotals> users = new ArrayList<>();
        try (PreparedStatement ps = connection.prepareStatement("SELECT user_id, requests, errors, tokens_micros, "
                + "cost_nanos FROM user_rollup WHERE customer_id = ? AND month_ms = ?")) {
            ps.setString(1, customerId);
            ps.setLong(2, monthMs);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    users.add(totals(rs, 1));
                }
            }
        }
        Map<String, List<EndUserTotals>> dimensions = new TreeMap<>();
        try (PreparedStatement ps = connection.prepareStatement("SELECT dim_key, dim_value, requests, errors, "
                + "tokens_micros, cost_nanos FROM dimension_rollup WHERE customer_id = ? AND month_ms = ?")) {
            ps.setString(1, customerId);
            ps.setLong(2, monthMs);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    dimensions.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(totals(rs, 2));
                }
            }
        }
        return new EndUserUsage(users, dimensions);
    }

    private static EndUserUsage readStoredDays(Connection connection, String customerId, long fromMs, long toMs)
            throws SQLException {
        List<EndUserTotals> users = new ArrayList<>();
        try (PreparedStatement ps = connection.prepareStatement("SELECT user_id, SUM(requests), SUM(errors), "
                + "SUM(tokens_micros), SUM(cost_nanos) FROM user_day_rollup WHERE customer_id = ? AND day_ms >= ? "
                + "AND day_ms < ? GROUP BY user_id")) {
            ps.setString(1, customerId);
            ps.setLong(2, fromMs);
            ps.setLong(3, toMs);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    users.add(totals(rs, 1));
                }
            }
        }
        Map<String, List<EndUserTotals>> dimensions = new TreeMap<>();
        try (PreparedStatement ps = connection.prepareStatement("SELECT dim_key, dim_value, SUM(requests), "
                + "SUM(errors), SUM(tokens_micros), SUM(cost_nanos) FROM dimension_day_rollup WHERE customer_id = ? "
                + "AND day_ms >= ? AND day_ms < ? GROUP BY dim_key, dim_value")) {
            ps.setString(1, customerId);
            ps.setLong(2, fromMs);
            ps.setLong(3, toMs);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    dimensions.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(totals(rs, 2));
                }
            }
        }
        return new EndUserUsage(users, dimensions);
    }

    private static EndUserTotals totals(ResultSet rs, int first) throws SQLException {
        return new EndUserTotals(rs.getString(first), rs.getLong(first + 1), rs.getLong(first + 2),
                rs.getLong(first + 3), rs.getLong(first + 4));
    }

    /**
     * Whose kept names a set holds: a customer's month, and the dimension key (null for users). Equality and hash
     * are written out, as in the row keys below: a record's generated ones go through method handles, which showed
     * in the profile of this per-event lookup.
     */
    record SetKey(String customerId, long monthMs, String dimension) {
        @Override
        public boolean equals(Object o) {
            return o instanceof SetKey k && monthMs == k.monthMs && customerId.equals(k.customerId)
                    && java.util.Objects.equals(dimension, k.dimension);
        }

        @Override
        public int hashCode() {
            return mix(mix(customerId.hashCode(), Long.hashCode(monthMs)),
                    dimension == null ? 0 : dimension.hashCode());
        }
    }

    /** The key of a row of an end user table: its key columns' values in the table's order. */
    private interface RowKey {
        Object[] columns();
    }

    /** A row of a user table; {@code bucketMs}: the start of its month or of its day. */
    private record UserKey(String customerId, long bucketMs, String user) implements Comparable<UserKey>, RowKey {
        @Override
        public Object[] columns() {
            return new Object[]{customerId, bucketMs, user};
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof UserKey k && bucketMs == k.bucketMs && user.equals(k.user)
                    && customerId.equals(k.customerId);
        }

        @Override
        public int hashCode() {
            return mix(mix(customerId.hashCode(), Long.hashCode(bucketMs)), user.hashCode());
        }

        @Override
        public int compareTo(UserKey o) {
            int c = customerId.compareTo(o.customerId);
            c = c != 0 ? c : Long.compare(bucketMs, o.bucketMs);
            return c != 0 ? c : user.compareTo(o.user);
        }
    }

    /** A row of a dimension table; {@code bucketMs}: the start of its month or of its day. */
    private record DimensionKey(String customerId, long bucketMs, String key, String value)
            implements Comparable<DimensionKey>, RowKey {
        @Override
        public Object[] columns() {
            return new Object[]{customerId, bucketMs, key, value};
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof DimensionKey k && bucketMs == k.bucketMs && value.equals(k.value)
                    && key.equals(k.key) && customerId.equals(k.customerId);
        }

        @Override
        public int hashCode() {
            return mix(mix(mix(customerId.hashCode(), Long.hashCode(bucketMs)), key.hashCode()),
                    value.hashCode());
        }

        @Override
        public int compareTo(DimensionKey o) {
            int c = customerId.compareTo(o.customerId);
            c = c != 0 ? c : Long.compare(bucketMs, o.bucketMs);
            c = c != 0 ? c : key.compareTo(o.key);
            return c != 0 ? c : value.compareTo(o.value);
        }
    }
}
