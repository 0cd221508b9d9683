package dev.tally.store;

import dev.tally.core.event.EndUsers;
import dev.tally.core.event.LedgerEntry;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.metric.Metrics;
import dev.tally.core.store.UsageStore;
import dev.tally.core.usage.EndUserTotals;
import dev.tally.core.usage.EndUserUsage;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A customer's sums by end user and by dimension value per billing month ({@code user_rollup},
 * {@code dimension_rollup}), written in the transaction that inserts the events, on both databases.
 *
 * <p>Cardinality: per customer and month, the first {@link UsageStore#MAX_USERS} users (and per key the first
 * {@link UsageStore#MAX_DIMENSION_VALUES} values) get their own row; later ones are summed under
 * {@link EndUsers#OTHER}. Which names are kept is remembered per (customer, month[, key]), read from the table the
 * first time and then kept in memory, so deciding costs a set lookup per event. The memory is bounded: the sets of
 * the {@value #MAX_CACHED_SETS} most recently used (customer, month, key) are kept. A batch whose transaction rolls
 * back may leave a name in its set that no row has: the bound then keeps one name fewer, which is harmless. Several
 * nodes each decide from their own sets, so on PostgreSQL the bound is approximate (by at most the names the other
 * nodes added meanwhile); enforcement never depends on it.
 *
 * <p>Events without a user and dimensions cost nothing here.
 */
final class EndUserRollups {
    static final int MAX_CACHED_SETS = 10_000;
    private static final String UPSERT_USER = "INSERT INTO user_rollup (customer_id, month_ms, user_id, requests, "
            + "errors, tokens_micros, cost_nanos) VALUES (?, ?, ?, ?, ?, ?, ?) "
            + "ON CONFLICT (customer_id, month_ms, user_id) DO UPDATE SET "
            + "requests = user_rollup.requests + excluded.requests, errors = user_rollup.errors + excluded.errors, "
            + "tokens_micros = user_rollup.tokens_micros + excluded.tokens_micros, "
            + "cost_nanos = user_rollup.cost_nanos + excluded.cost_nanos";
    private static final String UPSERT_DIMENSION = "INSERT INTO dimension_rollup (customer_id, month_ms, dim_key, "
            + "dim_value, requests, errors, tokens_micros, cost_nanos) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
            + "ON CONFLICT (customer_id, month_ms, dim_key, dim_value) DO UPDATE SET "
            + "requests = dimension_rollup.requests + excluded.requests, "
            + "errors = dimension_rollup.errors + excluded.errors, "
            + "tokens_micros = dimension_rollup.tokens_micros + excluded.tokens_micros, "
            + "cost_nanos = dimension_rollup.cost_nanos + excluded.cost_nanos";

    /** Kept names by (customer, month[, key]); least recently used first. */
    private final Map<SetKey, Set<String>> kept = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<SetKey, Set<String>> eldest) {
            return size() > MAX_CACHED_SETS;
        }
    };

    /** Adds the sums of {@code fresh} (newly stored entries) in the caller's transaction. */
    void add(Connection connection, List<LedgerEntry> fresh) throws SQLException {
        TreeMap<UserKey, long[]> users = null;
        TreeMap<DimensionKey, long[]> dimensions = null;
        for (LedgerEntry entry : fresh) {
            UsageEvent e = entry.event();
            if (e.user() == null && e.dimensions().isEmpty()) {
                continue;
            }
            long month = entry.buckets().month().toEpochMilli();
            long tokens = Metrics.tokenMicros(e.usageMicros());
            long cost = entry.cost().nanos();
            if (e.user() != null) {
                users = users == null ? new TreeMap<>() : users;
                String name = keptName(connection, new SetKey(e.customerId(), month, null), e.user(),
                        UsageStore.MAX_USERS);
                add(users.computeIfAbsent(new UserKey(e.customerId(), month, name), k -> new long[4]), e, tokens,
                        cost);
            }
            for (Map.Entry<String, String> d : e.dimensions().entrySet()) {
                dimensions = dimensions == null ? new TreeMap<>() : dimensions;
                String value = keptName(connection, new SetKey(e.customerId(), month, d.getKey()), d.getValue(),
                        UsageStore.MAX_DIMENSION_VALUES);
                add(dimensions.computeIfAbsent(new DimensionKey(e.customerId(), month, d.getKey(), value),
                        k -> new long[4]), e, tokens, cost);
            }
        }
        if (users != null) {
            writeUsers(connection, users);
        }
        if (dimensions != null) {
            writeDimensions(connection, dimensions);
        }
    }

    private static void add(long[] sums, UsageEvent e, long tokens, long cost) {
        sums[0]++;
        sums[1] += e.isError() ? 1 : 0;
        sums[2] += tokens;
        sums[3] += cost;
    }

    /** {@code name} if it is kept (or may still be), else {@link EndUsers#OTHER}. */
    private synchronized String keptName(Connection connection, SetKey key, String name, int bound)
            throws SQLException {
        Set<String> names = kept.get(key);
        if (names == null) {
            names = load(connection, key);
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

    private static void writeUsers(Connection connection, TreeMap<UserKey, long[]> users) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(UPSERT_USER)) {
            for (Map.Entry<UserKey, long[]> e : users.entrySet()) {
                ps.setString(1, e.getKey().customerId());
                ps.setLong(2, e.getKey().monthMs());
                ps.setString(3, e.getKey().user());
                bindSums(ps, 4, e.getValue());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private static void writeDimensions(Connection connection, TreeMap<DimensionKey, long[]> dimensions)
            throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(UPSERT_DIMENSION)) {
            for (Map.Entry<DimensionKey, long[]> e : dimensions.entrySet()) {
                ps.setString(1, e.getKey().customerId());
                ps.setLong(2, e.getKey().monthMs());
                ps.setString(3, e.getKey().key());
                ps.setString(4, e.getKey().value());
                bindSums(ps, 5, e.getValue());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private static void bindSums(PreparedStatement ps, int first, long[] sums) throws SQLException {
        for (int i = 0; i < sums.length; i++) {
            ps.setLong(first + i, sums[i]);
        }
    }

    /** The sums of a customer's month. */
    static EndUserUsage read(Connection connection, String customerId, long monthMs) throws SQLException {
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

    private static EndUserTotals totals(ResultSet rs, int first) throws SQLException {
        return new EndUserTotals(rs.getString(first), rs.getLong(first + 1), rs.getLong(first + 2),
                rs.getLong(first + 3), rs.getLong(first + 4));
    }

    private record SetKey(String customerId, long monthMs, String dimension) {
    }

    private record UserKey(String customerId, long monthMs, String user) implements Comparable<UserKey> {
        @Override
        public int compareTo(UserKey o) {
            int c = customerId.compareTo(o.customerId);
            c = c != 0 ? c : Long.compare(monthMs, o.monthMs);
            return c != 0 ? c : user.compareTo(o.user);
        }
    }

    private record DimensionKey(String customerId, long monthMs, String key, String value)
            implements Comparable<DimensionKey> {
        @Override
        public int compareTo(DimensionKey o) {
            int c = customerId.compareTo(o.customerId);
            c = c != 0 ? c : Long.compare(monthMs, o.monthMs);
            c = c != 0 ? c : key.compareTo(o.key);
            return c != 0 ? c : value.compareTo(o.value);
        }
    }
}
