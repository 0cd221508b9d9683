/**
 * The JDBC adapters of the store ports: {@link dev.tally.store.SqliteStore} (one embedded file, the default) and
 * {@link dev.tally.store.PostgresStore} (several servers, one database), opened through
 * {@link dev.tally.store.Stores}. Both share their SQL; Flyway migrates each from its own folder,
 * {@code db/migration/sqlite} and {@code db/migration/postgresql}.
 *
 * <p>Rules every adapter keeps:
 * <ul>
 *   <li><b>Durable before acknowledged.</b> An append is one transaction, committed with a sync to disk (SQLite:
 *       WAL with {@code synchronous=FULL}; PostgreSQL: its default synchronous commit). Callers batch events (group
 *       commit), so the sync is paid per batch, not per event. Only work that a crash may lose whole commits
 *       unforced ({@code Transactor.writeUnforced}): a re-rating's staged pages, made durable by its forced switch,
 *       and its merge chunks, which a restart merges again.</li>
 *   <li><b>All or nothing.</b> A batch's events commit together with their rollup increments, or with what stands
 *       for them until they are written: SQLite keeps them in memory and rebuilds them from the ledger after a crash
 *       ({@link dev.tally.store.DeferredRollups}); PostgreSQL queues the events' seqs in {@code rollup_pending}, which
 *       a roller on any node turns into rollups in one transaction ({@link dev.tally.store.QueuedRollups}). On any
 *       failure the transaction is rolled back and a {@link dev.tally.core.store.StoreException} says what failed.</li>
 *   <li><b>Idempotent by event id.</b> {@code INSERT ... ON CONFLICT (event_id, ce_source) DO NOTHING} with a
 *       per-row update count tells each duplicate apart (a plain event's source is {@code ''}, a CloudEvent's its
 *       {@code source}, so the two never collide), in the same batch, in an earlier one, or from another server; only new
 *       events reach the rollups, which are added with {@code ON CONFLICT DO UPDATE} so concurrent writers never
 *       lose an increment. Rows are written in key order so concurrent writers cannot deadlock.</li>
 *   <li><b>Sums come from rollups only.</b> Reads never scan raw events to add them up, except the few whose
 *       increments are not written yet (in memory on SQLite, a customer's queued events on PostgreSQL), which every
 *       read adds so that it sees each acknowledged event.</li>
 *   <li><b>Retention in chunks.</b> Old raw events are found by binary search over {@code seq} (no index on the
 *       receive time, which would cost every insert) and deleted in chunks of about 10,000, each its own short
 *       transaction; rollups are left intact.</li>
 *   <li><b>Relational rows, no JSON blobs.</b> Limits, prices and keys are columns, so that a replace is a plain
 *       delete and insert in one transaction, an operator can query them, and decimals stay exact (stored as
 *       decimal text). The only JSON is an event's usage map and its metadata, which are written once and read back
 *       whole.</li>
 *   <li><b>Milliseconds.</b> Instants are stored as epoch milliseconds; finer precision is dropped.</li>
 * </ul>
 */
package dev.tally.store;
