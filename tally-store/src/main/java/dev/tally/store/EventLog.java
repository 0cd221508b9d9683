package dev.tally.store;

import dev.tally.core.event.CloudEventAttributes;
import dev.tally.core.event.EventCursor;
import dev.tally.core.event.EventPage;
import dev.tally.core.event.EventQuery;
import dev.tally.core.event.StoredEvent;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.money.Money;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a customer's itemized events (or every customer's failed calls), newest first by {@code (ts_ms DESC, seq DESC)}, one page at a time.
 *
 * <p>Paging is by keyset, not offset: the cursor is the (timestamp, seq) of the last event shown, and the next page
 * starts strictly after it, so pages stay stable while new events arrive and cost the same however deep they are.
 * One more row than the page size is fetched to know whether a next page exists.
 */
final class EventLog {
    /** The largest page {@link EventQuery#limit()} may ask for. */
    static final int MAX_LIMIT = 1000;

    /**
     * An event's cost as readers must see it: the new cost of an applied re-rating not yet merged into the row
     * ({@link RerateStaging}), else the row's. Used in place of {@code cost_nanos} by every query of
     * {@code FROM events}.
     */
    static final String COST = "COALESCE((SELECT s.new_cost_nanos FROM rerate_staged_events s "
            + "WHERE s.seq = events.seq AND s.rerating_id IN (SELECT r.id FROM reratings r WHERE r.state = 'applied')),"
            + " events.cost_nanos)";
    /** An event's unpriced metrics as readers must see them ({@link #COST}); staging writes '' for none. */
    static final String UNPRICED = "NULLIF(COALESCE((SELECT s.new_unpriced FROM rerate_staged_events s "
            + "WHERE s.seq = events.seq AND s.rerating_id IN (SELECT r.id FROM reratings r WHERE r.state = 'applied')),"
            + " events.unpriced_metrics), '')";

    static final String COLUMNS = columns("seq", COST, UNPRICED);
    /**
     * The staged cost and unpriced metrics of an applied re-rating's events, as a table to join after
     * {@code events} with {@link #COLUMNS_JOINED}.
     */
    static final String JOIN_STAGED = " LEFT JOIN (SELECT seq, new_cost_nanos, new_unpriced FROM rerate_staged_events "
            + "WHERE rerating_id IN (SELECT id FROM reratings WHERE state = 'applied')) staged ON staged.seq = events.seq";
    /**
     * {@link #COLUMNS} for reads of many events, with the cost and unpriced metrics from {@link #JOIN_STAGED}: the
     * same values. Why: {@link #COST} and {@link #UNPRICED} are two subqueries run again for every row, which cost
     * PostgreSQL about 5 us an event (500-570 ms for 100,000 rows with nothing staged, against 47-55 ms joined and
     * 34-40 ms for the columns alone; with 1,000,000 staged events 1,203 ms against 90 ms), and the roller reads
     * every event back once.
     */
    static final String COLUMNS_JOINED = columns("events.seq", "COALESCE(staged.new_cost_nanos, events.cost_nanos)",
            "NULLIF(COALESCE(staged.new_unpriced, events.unpriced_metrics), '')");

    private static String columns(String seq, String cost, String unpriced) {
        return seq + ", event_id, customer_id, ts_ms, received_ms, provider, model, endpoint, method, status, "
                + "latency_ms, user_id, usage, " + cost + " AS cost_nanos, cost_override_nanos, " + unpriced
                + " AS unpriced_metrics, reservation, metadata, ce_source, ce_type, ce_attributes, dimensions";
    }

    /**
     * Checks a query before it reaches the database, so that a caller's mistake is reported as one.
     *
     * @throws IllegalArgumentException naming the rule a value breaks
     */
    static void check(EventQuery query) {
        if (query.customerId() == null && !query.errorsOnly()) {
            throw new IllegalArgumentException("customerId must be given, unless only errors are asked for");
        }
        if (query.limit() < 1 || query.limit() > MAX_LIMIT) {
            throw new IllegalArgumentException("limit must be 1 to " + MAX_LIMIT + ", was " + query.limit());
        }
    }

    private final SqlDialect dialect;

    EventLog(SqlDialect dialect) {
        this.dialect = dialect;
    }

    EventPage events(Connection connection, EventQuery query) throws SQLException {
        List<Object> params = new ArrayList<>();
        String sql = sql(query, params);
        List<StoredEvent> events = new ArrayList<>(query.limit() + 1);
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            for (int i = 0; i < params.size(); i++) {
                ps.setObject(i + 1, params.get(i));
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    events.add(event(rs));
                }
            }
        }
        return page(events, query.limit());
    }

    long count(Connection connection) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement("SELECT COUNT(*) FROM events");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private String sql(EventQuery q, List<Object> params) {
        StringBuilder sql = new StringBuilder("SELECT ").append(COLUMNS).append(" FROM events WHERE ");
        if (q.customerId() == null) {
            // Every customer's errors: "status >= 400" as the partial index events_errors_ts states it, so the
            // database reads that index (only failed calls) backwards from "to".
            sql.append("status >= 400");
        } else {
            sql.append("customer_id = ?");
            params.add(q.customerId());
        }
        if (q.from() != null) {
            sql.append(" AND ts_ms >= ?");
            params.add(q.from().toEpochMilli());
        }
        if (q.to() != null) {
            sql.append(" AND ts_ms < ?");
            params.add(q.to().toEpochMilli());
        }
        equalTo(sql, params, "provider", q.provider());
        equalTo(sql, params, "model", q.model());
        equalTo(sql, params, "endpoint", q.endpoint());
        equalTo(sql, params, "user_id", q.user());
        // The column's text has each pair as "key":"value" exactly once, and a value's own quotes are escaped, so
        // the pair's text occurs in it only where the event has that pair.
        q.dimensions().forEach((key, value) -> {
            sql.append(" AND ").append(dialect.containsText("dimensions"));
            String pair = DimensionsCodec.encode(java.util.Map.of(key, value));
            params.add(pair.substring(1, pair.length() - 1));
        });
        if (q.errorsOnly() && q.customerId() != null) {
            sql.append(" AND status >= 400");
        }
        if (q.after() != null) {
            sql.append(" AND (ts_ms < ? OR (ts_ms = ? AND seq < ?))");
            params.add(q.after().timestampMs());
            params.add(q.after().timestampMs());
            params.add(q.after().seq());
        }
        sql.append(" ORDER BY ts_ms DESC, seq DESC LIMIT ?");
        params.add(q.limit() + 1);
        return sql.toString();
    }

    private static void equalTo(StringBuilder sql, List<Object> params, String column, String value) {
        if (value != null) {
            sql.append(" AND ").append(column).append(" = ?");
            params.add(value);
        }
    }

    private static EventPage page(List<StoredEvent> events, int limit) {
        if (events.size() <= limit) {
            return new EventPage(events, null);
        }
        List<StoredEvent> shown = events.subList(0, limit);
        StoredEvent last = shown.get(limit - 1);
        return new EventPage(List.copyOf(shown),
                new EventCursor(last.event().timestamp().toEpochMilli(), last.seq()));
    }

    static StoredEvent event(ResultSet rs) throws SQLException {
        Long overrideNanos = Columns.getLong(rs, "cost_override_nanos");
        UsageEvent event = new UsageEvent(rs.getString("event_id"), rs.getString("customer_id"),
                Instant.ofEpochMilli(rs.getLong("ts_ms")), rs.getString("provider"), rs.getString("model"),
                rs.getString("endpoint"), rs.getString("method"), Columns.getInt(rs, "status"),
                Columns.getLong(rs, "latency_ms"), rs.getString("user_id"), UsageCodec.decode(rs.getString("usage")),
                overrideNanos == null ? null : Money.ofNanos(overrideNanos), rs.getString("reservation"),
                rs.getString("metadata"), cloudEvent(rs), DimensionsCodec.decode(rs.getString("dimensions")));
        return new StoredEvent(rs.getLong("seq"), event, Money.ofNanos(rs.getLong("cost_nanos")),
                rs.getString("unpriced_metrics") != null, Instant.ofEpochMilli(rs.getLong("received_ms")));
    }

    /** The CloudEvents context of a row, or null for a plain event (stored with the source ''). */
    private static CloudEventAttributes cloudEvent(ResultSet rs) throws SQLException {
        String source = rs.getString("ce_source");
        if (source == null || source.equals(UsageEvent.PLAIN_SOURCE)) {
            return null;
        }
        return new CloudEventAttributes(source, rs.getString("ce_type"), rs.getString("ce_attributes"));
    }
}
