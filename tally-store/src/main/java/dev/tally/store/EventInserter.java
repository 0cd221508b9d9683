package dev.tally.store;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * Inserts a batch's raw events with {@code ON CONFLICT (event_id, ce_source) DO NOTHING}, inside the caller's transaction, and
 * tells which were new. How the rows travel differs by database ({@link SqlDialect#eventInserter()}).
 */
interface EventInserter {
    /** The columns of {@code events} written by an insert, in binding order. */
    String COLUMNS = "event_id, customer_id, ts_ms, received_ms, provider, model, endpoint, method, status, "
            + "latency_ms, user_id, usage, cost_nanos, cost_override_nanos, unpriced_metrics, reservation, metadata, "
            + "ce_source, ce_type, ce_attributes, dimensions";

    /**
     * Inserts the batch's entries in event-id order ({@link LedgerWriter.Batch#order()}).
     *
     * @return which entries were stored, and where the database numbers them, their seqs
     */
    Inserted insert(Connection connection, LedgerWriter.Batch batch) throws SQLException;

    /**
     * What an insert stored.
     *
     * @param stored for each entry, in the batch's order, true if it was stored, false if its key (id and source,
     *               {@link dev.tally.core.event.UsageEvent#source()}) was already stored or came earlier in the batch
     * @param seqs   for each entry, in the batch's order, the {@code seq} of its row if it was stored, else 0
     *               (PostgreSQL, whose rollups are queued by seq: {@link QueuedRollups}); null where the inserter
     *               does not read them back
     */
    record Inserted(boolean[] stored, long[] seqs) {
    }
}
