package dev.tally.store;

import com.zaxxer.hikari.HikariDataSource;
import dev.tally.core.alert.Alert;
import dev.tally.core.alert.AlertPage;
import dev.tally.core.alert.AlertQuery;
import dev.tally.core.auth.ApiKey;
import dev.tally.core.gateway.Upstream;
import dev.tally.core.customer.Customer;
import dev.tally.core.customer.Plan;
import dev.tally.core.event.EventPage;
import dev.tally.core.event.EventQuery;
import dev.tally.core.event.LedgerEntry;
import dev.tally.core.notify.Channel;
import dev.tally.core.notify.DeliveryAttempt;
import dev.tally.core.notify.DeliveryQuery;
import dev.tally.core.notify.Notification;
import dev.tally.core.period.Window;
import dev.tally.core.pricing.Price;
import dev.tally.core.adjust.Adjustment;
import dev.tally.core.pricing.EventPricer;
import dev.tally.core.problem.ConflictException;
import dev.tally.core.rerate.RerateCursor;
import dev.tally.core.rerate.Rerating;
import dev.tally.core.rollup.RollupDimension;
import dev.tally.core.rollup.RollupKey;
import dev.tally.core.rollup.RollupRow;
import dev.tally.core.store.StoreException;
import dev.tally.core.store.SumBoundException;
import dev.tally.core.persistence.TallyStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.function.UnaryOperator;

/**
 * The {@link TallyStore} over a JDBC database, shared by {@link SqliteStore} and {@link PostgresStore}: the SQL is
 * the same for both (see {@link SqlDialect} for the little that is not). Each port method is one short transaction
 * or one read on a pooled connection; the work itself lives in small classes by table.
 */
abstract class JdbcStore implements TallyStore {
    private static final Logger LOG = LoggerFactory.getLogger(JdbcStore.class);
    /** How long a re-rating may stage without touching its record before another run takes it for dead. */
    static final java.time.Duration STALE_STAGING = java.time.Duration.ofMinutes(2);
    private final HikariDataSource dataSource;
    private final SqlDialect dialect;
    private final Transactor tx;
    private final LedgerWriter ledger;
    /** SQLite's rollups, written behind the acknowledging transactions from memory; null elsewhere. */
    private final DeferredRollups deferred;
    /** PostgreSQL's rollups, written behind the acknowledging transactions from a queue; null elsewhere. */
    private final QueuedRollups queued;
    /** The thread that rolls up {@link #queued}, once started. */
    private volatile RollupRoller roller;
    private final RollupReader rollupReader = new RollupReader();
    private final EventLog eventLog;
    /** Stages a re-rating's pages while the next one is read and priced. */
    private final RepricingWalk repricing = new RepricingWalk();
    private final EndUserRollups endUsers;
    private final Retention retention;
    private final CatalogSql catalog;
    private final NotificationRows notifications;
    private final InstantSource clock;
    /** Staged events merged per transaction ({@link #holdMerges}). */
    private volatile int mergeChunkEvents = RerateStaging.MERGE_CHUNK;
    /** Runs after each merged chunk commits ({@link #holdMerges}). */
    private volatile Runnable afterMergeChunk = () -> { };
    /** Runs after each pass that rolls up the queue for retention or close ({@link #holdPendingPasses}). */
    private volatile Runnable afterPendingPass = () -> { };

    /**
     * Wraps a pool whose database is already migrated; the store owns the pool from now on.
     *
     * @param retentionChunkRows raw events deleted per retention transaction
     */
    JdbcStore(HikariDataSource dataSource, SqlDialect dialect, InstantSource clock, int retentionChunkRows) {
        this.dataSource = dataSource;
        this.dialect = dialect;
        this.eventLog = new EventLog(dialect);
        this.tx = new Transactor(dataSource, dialect);
        RollupWriter rollupWriter = dialect.rollupWriter();
        this.endUsers = new EndUserRollups(dialect);
        this.deferred = dialect.defersRollups() ? new DeferredRollups(rollupWriter, clock, endUsers) : null;
        this.queued = dialect.queuesRollups() ? new QueuedRollups(clock, endUsers) : null;
        this.ledger = new LedgerWriter(dialect.eventInserter(), rollupWriter, deferred, queued,
                endUsers);
        this.retention = new Retention(tx, retentionChunkRows, dialect == SqlDialect.POSTGRESQL);
        this.catalog = new CatalogSql(clock);
        this.notifications = new NotificationRows(dialect);
        this.clock = clock;
    }

    /** Migrates the pool's database; on failure closes the pool, so that a failed open leaks no connections. */
    static HikariDataSource migrated(HikariDataSource dataSource, SqlDialect dialect, String schema) {
        try {
            Migrations.apply(dataSource, dialect, schema);
            return dataSource;
        } catch (RuntimeException e) {
            dataSource.close();
            throw new StoreException("migrating the " + dialect.backend() + " store failed: " + e.getMessage(), e);
        }
    }

    /**
     * How long committed rollup increments have waited to be written ({@link DeferredRollups#lagMillis},
     * {@link QueuedRollups#lagMillis}); 0 if none.
     */
    long rollupLagMillis() {
        if (queued != null) {
            return tx.read("reading the rollup lag", queued::lagMillis);
        }
        return deferred == null ? 0 : deferred.lagMillis();
    }

    /** Starts rolling up the queued events every {@code every} on a thread of this store (PostgreSQL). */
    void startRolling(java.time.Duration every) {
        if (queued != null && roller == null) {
            roller = new RollupRoller(() -> rollScheduled(every), every);
        }
    }

    /**
     * Runs one pass of the roller ({@link QueuedRollups#roll}) in its own transaction.
     *
     * @return the events rolled up; 0 if none, or if another node is rolling
     */
    int rollQueued() {
        return queued == null ? 0 : tx.write("rolling up queued events", c -> queued.roll(c, false));
    }

    /**
     * Runs a scheduled pass of the roller ({@link QueuedRollups#rollScheduled}) in its own transaction: none if any
     * node passed less than about {@code every} ago.
     *
     * @return the events rolled up; 0 if none, if another node is rolling, or if a pass was recent
     */
    int rollScheduled(java.time.Duration every) {
        return queued == null ? 0
                : tx.write("rolling up queued events", c -> queued.rollScheduled(c, every.toMillis()));
    }

    /** The pool, for tests that look at connection settings. */
    HikariDataSource dataSource() {
        return dataSource;
    }

    /**
     * Runs a change of the shared configuration (plans, customers, prices, keys, channels) in one transaction that
     * also bumps the configuration version, so every node sees that its caches are stale (see ConfigChanges).
     */
    private <T> T configWrite(String what, Transactor.Work<T> work) {
        return tx.write(what, c -> {
            T result = work.run(c);
            ClusterRows.bump(c);
            announceChange(c);
            return result;
        });
    }

    /** Tells listening nodes, in the change's transaction, that the configuration changed; none by default. */
    void announceChange(Connection c) throws SQLException {
    }

    @Override
    public long configVersion() {
        return tx.read("reading the configuration version", ClusterRows::version);
    }

    @Override
    public void heartbeat(String nodeId, String counters, Instant startedAt, Instant now) {
        tx.write("recording the heartbeat of node " + nodeId, c -> {
            ClusterRows.heartbeat(c, nodeId, counters, startedAt.toEpochMilli(), now.toEpochMilli());
            return null;
        });
    }

    @Override
    public void leave(String nodeId) {
        tx.write("removing node " + nodeId, c -> {
            ClusterRows.leave(c, nodeId);
            return null;
        });
    }

    @Override
    public int liveNodes(Instant since) {
        return tx.write("counting live nodes", c -> ClusterRows.live(c, since.toEpochMilli()));
    }

    /** The transactions of this store, for subclasses' own SQL. */
    Transactor transactor() {
        return tx;
    }

    @Override
    public boolean[] append(List<LedgerEntry> entries) {
        if (entries.isEmpty()) {
            return new boolean[0];
        }
        return prepareAppend(entries).write();
    }

    @Override
    public PreparedAppend prepareAppend(List<LedgerEntry> entries) {
        if (entries.isEmpty()) {
            return () -> new boolean[0];
        }
        LedgerWriter.Batch batch = prepare(entries);
        return () -> tx.write("appending " + batch.entries().size() + " events", ledger.append(batch));
    }

    private LedgerWriter.Batch prepare(List<LedgerEntry> entries) {
        try {
            // On SQLite the end user sums and their names are decided here, on the preparing thread, not by the
            // single writer (issue 13); a name the tables must tell is read through a connection of the pool.
            EndUserRollups.Sums endUserSums = deferred == null ? null : endUsers.sums(entries,
                    key -> tx.read("reading the kept end user names", c -> EndUserRollups.namesThrough(c).read(key)));
            return LedgerWriter.Batch.of(entries, deferred != null || queued != null, endUserSums);
        } catch (SQLException e) {
            throw new StoreException("appending " + entries.size() + " events failed: " + e.getMessage(), e);
        } catch (ArithmeticException e) {
            throw new SumBoundException("the " + entries.size() + " events add up, among themselves, to more than a "
                    + "rollup sum holds (" + Long.MAX_VALUE + ")", e);
        } catch (RuntimeException e) {
            // Nothing was written yet; say so in the same terms as a failed write.
            throw new StoreException("appending " + entries.size() + " events failed: " + e.getMessage(), e);
        }
    }

    @Override
    public dev.tally.core.rollup.EndUserUsage endUserUsage(String customerId, Instant monthStart) {
        java.util.function.Supplier<dev.tally.core.rollup.EndUserUsage> read = () -> tx.read(
                "reading the end users of " + customerId, c -> endUsers.read(c, customerId, monthStart.toEpochMilli()));
        if (queued != null) {
            return tx.snapshot("reading the end users of " + customerId, c -> endUsers.read(c, customerId,
                    monthStart.toEpochMilli(), LedgerReplay.pending(c, customerId)));
        }
        return deferred == null ? read.get() : deferred.readLocked(read);
    }

    @Override
    public dev.tally.core.rollup.EndUserUsage endUserUsageOfDays(String customerId, Instant from, Instant to) {
        String what = "reading the end users of " + customerId + " by day";
        long fromMs = from.toEpochMilli();
        long toMs = to.toEpochMilli();
        if (queued != null) {
            return tx.snapshot(what, c -> endUsers.readDays(c, customerId, fromMs, toMs,
                    LedgerReplay.pending(c, customerId)));
        }
        java.util.function.Supplier<dev.tally.core.rollup.EndUserUsage> read = () -> tx.read(what,
                c -> endUsers.readDays(c, customerId, fromMs, toMs));
        return deferred == null ? read.get() : deferred.readLocked(read);
    }

    @Override
    public dev.tally.core.rollup.EndUserTotals endUserTotals(String customerId, Instant monthStart, String user) {
        java.util.function.Supplier<dev.tally.core.rollup.EndUserTotals> read = () -> tx.read(
                "reading end user " + user + " of " + customerId,
                c -> endUsers.readUser(c, customerId, monthStart.toEpochMilli(), user));
        if (queued != null) {
            return tx.snapshot("reading end user " + user + " of " + customerId, c -> endUsers.readUser(c,
                    customerId, monthStart.toEpochMilli(), user, LedgerReplay.pending(c, customerId)));
        }
        return deferred == null ? read.get() : deferred.readLocked(read);
    }

    @Override
    public List<RollupRow> rollups(String customerId, Window grain, Instant from, Instant to) {
        return readRollups("reading " + grain.wireName() + " rollups", grain, customerId, from, to,
                c -> rollupReader.rollups(c, customerId, grain, from, to), key -> key);
    }

    @Override
    public List<RollupRow> rollupTotalsByBucket(String customerId, Window grain, Instant from, Instant to) {
        return readRollups("reading " + grain.wireName() + " totals of " + customerId, grain, customerId, from, to,
                c -> rollupReader.totalsByBucket(c, customerId, grain, from, to),
                key -> new RollupKey(key.customerId(), key.grain(), key.bucketStart(), "", "", ""));
    }

    @Override
    public List<RollupRow> rollupSums(Window grain, Instant from, Instant to, Set<RollupDimension> keep) {
        return readRollups("summing " + grain.wireName() + " rollups", grain, null, from, to,
                c -> rollupReader.sums(c, grain, from, to, keep),
                key -> new RollupKey(key.customerId(), key.grain(), key.bucketStart(),
                        keep.contains(RollupDimension.PROVIDER) ? key.provider() : "",
                        keep.contains(RollupDimension.MODEL) ? key.model() : "",
                        keep.contains(RollupDimension.ENDPOINT) ? key.endpoint() : ""));
    }

    /**
     * Reads rollup rows with the increments not written yet added, shaped by {@code shape} like the database's rows:
     * from memory (SQLite) or from the queued events, in the same snapshot as the rows (PostgreSQL).
     */
    private List<RollupRow> readRollups(String what, Window grain, String customerId, Instant from, Instant to,
                                        Transactor.Work<List<RollupRow>> read, UnaryOperator<RollupKey> shape) {
        if (queued != null) {
            return tx.snapshot(what, c -> QueuedRollups.rows(c, read.run(c), grain, customerId, from, to, shape));
        }
        DeferredRollups.DatabaseRead database = () -> tx.read(what, read);
        return deferred == null ? database.rows() : deferred.read(grain, customerId, from, to, database, shape);
    }

    @Override
    public SortedMap<Integer, Long> latencyHistogram(String customerId, Instant from, Instant to) {
        String what = "reading the latency histogram of " + customerId;
        if (queued != null) {
            return tx.snapshot(what, c -> QueuedRollups.latency(c,
                    rollupReader.latencyHistogram(c, customerId, from, to), customerId, from, to));
        }
        DeferredRollups.DatabaseHistogram read = () -> tx.read(what,
                c -> rollupReader.latencyHistogram(c, customerId, from, to));
        return deferred == null ? read.histogram() : deferred.latency(customerId, from, to, read);
    }

    /**
     * Writes the rollups waiting in memory or in the queue, if any ({@link DeferredRollups}, {@link QueuedRollups}):
     * on PostgreSQL, the queue rows committed when this began and no others, so that it ends however fast other
     * appends queue more (those are the scheduled roller's). For retention, a row queued after this began is the
     * same as one queued just after its deletes: its events are kept (from the lowest queued seq on), and its sums
     * land after the rollup deletes, as those of an event arriving after them would, whatever its timestamp.
     */
    private void writePendingRollups() {
        if (queued != null) {
            long lastId = tx.read("finding the end of the rollup queue", QueuedRollups::lastId);
            // Pass after pass until none is left up to lastId; a pass under way (here or on another node) is
            // waited for. Ends: later appends get higher ids, so only appends already under way can add rows.
            while (tx.write("rolling up queued events", c -> queued.rollThrough(c, lastId)) > 0) {
                afterPendingPass.run();
            }
        }
        if (deferred != null && deferred.hasPending()) {
            tx.write("writing pending rollups", deferred.bracket(connection -> {
                deferred.flush(connection);
                return null;
            }));
        }
    }

    /**
     * Folds the events a crash left out of the deferred rollups back in; run once when the store opens.
     *
     * @return how many events were folded in
     */
    int recoverRollups() {
        if (deferred == null) {
            return 0;
        }
        return tx.write("recovering rollups", deferred::recover);
    }

    @Override
    public EventPage events(EventQuery query) {
        EventLog.check(query);
        return tx.read("reading the events of " + (query.customerId() == null ? "every customer" : query.customerId()),
                c -> eventLog.events(c, query));
    }

    @Override
    public long countEvents() {
        return tx.read("counting events", eventLog::count);
    }

    /**
     * Removes old events. With deferred rollups, only events whose increments are in the database may go: a
     * start-up after a crash rebuilds the others from the ledger (SQLite), or a roller reads them back from the
     * queue (PostgreSQL). So the pending rollups are written first (on PostgreSQL, what was queued when this began:
     * {@link #writePendingRollups}), and nothing after the watermark (or from the lowest queued event on) is removed,
     * whatever its receive time.
     */
    @Override
    public long deleteEventsReceivedBefore(Instant cutoff) {
        writePendingRollups();
        long keepFrom = deferred == null ? Long.MAX_VALUE : deferred.writtenThrough() + 1;
        if (queued != null) {
            keepFrom = tx.read("finding the lowest queued event", QueuedRollups::lowestQueuedSeq);
        }
        return retention.deleteEventsReceivedBefore(cutoff, keepFrom);
    }

    /**
     * Removes old rollups, after writing the pending ones (on PostgreSQL, what was queued when this began) so that
     * none of those comes back after the removal. Events queued later may bring back a row of an old bucket, as
     * events with old timestamps arriving just after the removal would.
     */
    @Override
    public long deleteRollupsBefore(Window grain, Instant cutoff) {
        writePendingRollups();
        return retention.deleteRollupsBefore(grain, cutoff);
    }

    @Override
    public void putPlan(Plan plan) {
        configWrite("saving plan " + plan.id(), c -> {
            catalog.putPlan(c, plan);
            return null;
        });
    }

    @Override
    public Optional<Plan> plan(String id) {
        return tx.read("reading plan " + id, c -> catalog.plan(c, id));
    }

    @Override
    public List<Plan> plans() {
        return tx.read("reading plans", c -> catalog.plans(c, null));
    }

    @Override
    public boolean deletePlan(String id) {
        return configWrite("deleting plan " + id, c -> catalog.deletePlan(c, id));
    }

    @Override
    public void putCustomer(Customer customer) {
        configWrite("saving customer " + customer.id(), c -> {
            catalog.putCustomer(c, customer);
            return null;
        });
    }

    @Override
    public Optional<Customer> customer(String id) {
        return tx.read("reading customer " + id, c -> catalog.customer(c, id));
    }

    @Override
    public List<Customer> customers() {
        return tx.read("reading customers", c -> catalog.customers(c, null));
    }

    @Override
    public boolean deleteCustomer(String id) {
        return configWrite("deleting customer " + id, c -> {
            UpstreamRows.deleteKeysOf(c, id); // the keys it brought for the gateway's upstreams go with it
            return catalog.deleteCustomer(c, id);
        });
    }

    @Override
    public void putPrices(List<Price> prices) {
        configWrite("saving " + prices.size() + " prices", c -> {
            PriceRows.put(c, prices);
            return null;
        });
    }

    @Override
    public List<Price> prices() {
        return tx.read("reading prices", PriceRows::all);
    }

    @Override
    public void addAdjustment(Adjustment adjustment) {
        tx.write("adding adjustment " + adjustment.id(), c -> {
            AdjustmentRows.add(c, adjustment);
            return null;
        });
    }

    @Override
    public List<Adjustment> adjustments(String customerId, Instant from, Instant to) {
        return tx.read("reading adjustments", c -> AdjustmentRows.between(c, customerId, from, to));
    }

    @Override
    public long reprice(String customerId, Instant from, Instant to,
                        java.util.function.Function<LedgerEntry, EventPricer.PricedCost> repricer, String stagingId,
                        PageSink sink) {
        return reprice(customerId, from, to, repricer, stagingId, sink, PAGE_EVENTS);
    }

    /** {@link #reprice(String, Instant, Instant, java.util.function.Function, String, PageSink)} by pages of n. */
    long reprice(String customerId, Instant from, Instant to,
                 java.util.function.Function<LedgerEntry, EventPricer.PricedCost> repricer, String stagingId,
                 PageSink sink, int pageEvents) {
        // Events retention removed since a page was read are left out of what the sink sees: the diff counts them
        // past retention.
        return repricing.walk(from,
                after -> tx.read("reading the events of " + customerId + " to price them again",
                        c -> LedgerRepricing.read(c, customerId, to, after, pageEvents, repricer)),
                stagingId == null ? null : page -> {
                    LedgerRepricing.Page[] staged = {page};
                    // Unforced: a crash before the switch abandons the staging anyway, and the switch's forced
                    // commit makes every page staged before it durable with it (Transactor#writeUnforced).
                    conflictsAsConflicts(() -> tx.writeUnforced("staging a re-rating of " + customerId, c -> {
                        staged[0] = RerateStaging.stagePage(c, stagingId, page, queued != null);
                        return RerateRows.move(c, stagingId, Rerating.State.STAGING, Rerating.State.STAGING,
                                clock.millis());
                    }));
                    return staged[0];
                },
                sink);
    }

    @Override
    public void beginRerating(Rerating head) {
        abandonStaleReratings();
        tx.write("beginning re-rating " + head.id(), c -> {
            RerateRows.add(c, head, clock.millis());
            return null;
        });
    }

    /**
     * The switch: the record applied with its lines, and the staged differences added to the sums, in one
     * transaction. Every walked event must be in the sums before they are moved: on SQLite the pending increments
     * are written first, in the same transaction (one writer: none can commit in between); on PostgreSQL the
     * roller's lock is held, and the events still queued keep their sums (the roller sums their new price).
     */
    @Override
    public void switchStaged(Rerating rerating) {
        Transactor.Work<Void> work = c -> {
            if (!RerateRows.move(c, rerating.id(), Rerating.State.STAGING, Rerating.State.APPLIED, clock.millis())) {
                throw new RerateStaging.Conflict("re-rating " + rerating.id() + " was abandoned meanwhile (a node "
                        + "thought its run had died); nothing was changed: run it again");
            }
            if (queued != null) {
                QueuedRollups.holdRoller(c);
            }
            long added = RerateStaging.applyStaged(c, rerating.id(), queued != null);
            if (queued != null) {
                QueuedRollups.raiseBound(c, added);
            }
            RerateRows.addLines(c, rerating);
            return null;
        };
        long started = System.nanoTime();
        conflictsAsConflicts(() -> tx.write("applying re-rating " + rerating.id(), deferred == null ? work
                : deferred.bracket(c -> {
                    deferred.flush(c);
                    return work.run(c);
                })));
        LOG.info("Re-rating {} switched in: {} changed events, one transaction of {} ms", rerating.id(),
                rerating.changed(), (System.nanoTime() - started) / 1_000_000);
    }

    /**
     * Writes an applied re-rating's staged costs into the events' rows, a chunk per transaction. A failure is logged,
     * not thrown: the re-rating is applied, readers see its costs through the staging, and the rest is merged when
     * the store opens or a re-rating begins ({@link #abandonStaleReratings}).
     */
    @Override
    public void mergeStaged(String id) {
        long started = System.nanoTime();
        try {
            // Unforced: a chunk lost to a crash leaves its staged rows (their delete is in the same transaction),
            // and readers see the same through them; the next start merges them again.
            while (tx.writeUnforced("merging re-rating " + id + " into the events",
                    c -> RerateStaging.mergeChunk(c, id, mergeChunkEvents))) {
                afterMergeChunk.run();
            }
            LOG.info("Re-rating {} merged into the events' rows in {} ms", id,
                    (System.nanoTime() - started) / 1_000_000);
        } catch (RuntimeException e) {
            LOG.warn("Re-rating {} is applied, but merging its new costs into the events' rows failed; readers see "
                    + "them all the same, and the rest is merged at the next start or re-rating", id, e);
        }
    }

    /**
     * For tests: merges {@code events} per chunk, and runs {@code hook} after each merged chunk commits (on the
     * merging thread), so that a test can read the store with a merge held mid-way.
     */
    void holdMerges(int events, Runnable hook) {
        this.mergeChunkEvents = events;
        this.afterMergeChunk = hook;
    }

    /**
     * For tests: rolls up about {@code events} per pass of the queue (PostgreSQL), and runs {@code hook} after each
     * pass that retention or {@link #close} runs commits (on their thread), so that a test can queue more meanwhile.
     */
    void holdPendingPasses(int events, Runnable hook) {
        if (queued != null) {
            queued.passEvents(events);
        }
        this.afterPendingPass = hook;
    }

    @Override
    public void abandonRerating(String id) {
        boolean applied = tx.write("abandoning re-rating " + id, c -> {
            RerateRows.move(c, id, Rerating.State.STAGING, Rerating.State.ABANDONED, clock.millis());
            return RerateRows.applied(c, id);
        });
        if (applied) {
            // Switched in meanwhile: the sums hold its new costs, which the events read from the staging until merged.
            mergeStaged(id);
        } else {
            dropStaging(id);
        }
    }

    /**
     * Finishes the merges of applied re-ratings, and abandons the re-ratings left staging by runs that died (not
     * touched for {@link #STALE_STAGING}): their records say so, and their staging is dropped. Runs when the store
     * opens and when a re-rating begins.
     */
    void abandonStaleReratings() {
        for (String id : tx.read("finding re-ratings not merged", RerateStaging::unmerged)) {
            LOG.info("Re-rating {} was applied but not all merged into the events' rows: merging the rest", id);
            mergeStaged(id);
        }
        long before = clock.millis() - STALE_STAGING.toMillis();
        for (String id : tx.read("finding abandoned re-ratings", c -> RerateStaging.stale(c, before))) {
            LOG.warn("Re-rating {} was left staging by a run that stopped before applying it: nothing of it was "
                    + "applied; marking it abandoned", id);
            abandonRerating(id);
        }
    }

    /** Deletes a re-rating's staging in short transactions, so that ingestion is not held up by it. */
    private void dropStaging(String id) {
        while (tx.write("dropping the staging of re-rating " + id, c -> RerateStaging.dropChunk(c, id))) {
            continue;
        }
    }

    /** Runs {@code write}, answering a staging conflict as the domain's conflict (nothing was changed). */
    private static void conflictsAsConflicts(Runnable write) {
        try {
            write.run();
        } catch (StoreException e) {
            if (e.getCause() instanceof RerateStaging.Conflict conflict) {
                throw new ConflictException(conflict.getMessage());
            }
            throw e;
        }
    }

    @Override
    public void markCountersMoved(String id) {
        try {
            tx.write("marking the counter moves of re-rating " + id + " done", c -> {
                RerateRows.markCountersMoved(c, id, clock.millis());
                return null;
            });
        } catch (RuntimeException e) {
            LOG.warn("Re-rating {} moved the counters, but marking it so failed; the next node to start rebuilds "
                    + "shared counters from the store once more", id, e);
        }
    }

    @Override
    public List<String> countersNotMoved() {
        return tx.read("finding re-ratings whose counters were not moved", RerateRows::countersNotMoved);
    }

    @Override
    public List<Rerating> reratings(String customerId, RerateCursor after, int limit) {
        return tx.read("listing re-ratings", c -> RerateRows.list(c, customerId, after, limit));
    }

    @Override
    public List<Rerating> applied(String customerId, java.time.YearMonth period) {
        return tx.read("listing the re-ratings of " + customerId + "'s " + period,
                c -> RerateRows.applied(c, customerId, period));
    }

    @Override
    public Optional<Rerating> rerating(String id) {
        return tx.read("reading re-rating " + id, c -> RerateRows.find(c, id));
    }

    @Override
    public void addKey(ApiKey key) {
        configWrite("adding key " + key.id(), c -> {
            KeyRows.add(c, key);
            return null;
        });
    }

    @Override
    public Optional<ApiKey> key(String id) {
        return tx.read("reading key " + id, c -> KeyRows.find(c, id));
    }

    @Override
    public boolean revokeKey(String customerId, String keyId, Instant at) {
        return configWrite("revoking key " + keyId, c -> KeyRows.revoke(c, customerId, keyId, at));
    }

    @Override
    public boolean revokeIngestKey(String keyId, Instant at) {
        return configWrite("revoking ingest key " + keyId, c -> KeyRows.revokeIngest(c, keyId, at));
    }

    @Override
    public Optional<String> setting(String name) {
        return tx.read("reading setting " + name, c -> KeyRows.setting(c, name));
    }

    @Override
    public void putSetting(String name, String value) {
        tx.write("saving setting " + name, c -> {
            KeyRows.putSetting(c, name, value);
            return null;
        });
    }

    @Override
    public String putSettingIfAbsent(String name, String value) {
        // READ COMMITTED: the SELECT sees the row of a node whose insert won, even one committed after ours began.
        return tx.write("saving setting " + name, c -> {
            KeyRows.insertSettingIfAbsent(c, name, value);
            return KeyRows.setting(c, name).orElseThrow();
        });
    }

    @Override
    public void putUpstream(Upstream upstream) {
        configWrite("saving upstream " + upstream.name(), c -> {
            UpstreamRows.put(c, upstream, clock.millis());
            return null;
        });
    }

    @Override
    public List<Upstream> upstreams() {
        return tx.read("reading upstreams", UpstreamRows::all);
    }

    @Override
    public boolean deleteUpstream(String name) {
        return configWrite("deleting upstream " + name, c -> UpstreamRows.delete(c, name));
    }

    @Override
    public void putUpstreamKey(String customerId, String upstream, String sealedKey) {
        configWrite("saving upstream key of " + customerId + " for " + upstream, c -> {
            UpstreamRows.putKey(c, customerId, upstream, sealedKey, clock.millis());
            return null;
        });
    }

    @Override
    public Optional<String> upstreamKey(String customerId, String upstream) {
        return tx.read("reading upstream key of " + customerId, c -> UpstreamRows.key(c, customerId, upstream));
    }

    @Override
    public boolean deleteUpstreamKey(String customerId, String upstream) {
        return configWrite("deleting upstream key of " + customerId + " for " + upstream,
                c -> UpstreamRows.deleteKey(c, customerId, upstream));
    }

    @Override
    public void putChannel(Channel channel) {
        configWrite("saving channel " + channel.id(), c -> {
            notifications.putChannel(c, channel, clock.millis());
            return null;
        });
    }

    @Override
    public Optional<Channel> channel(String id) {
        return tx.read("reading channel " + id, c -> notifications.channels(c, id).stream().findFirst());
    }

    @Override
    public List<Channel> channels() {
        return tx.read("reading channels", c -> notifications.channels(c, null));
    }

    @Override
    public boolean deleteChannel(String id) {
        return configWrite("deleting channel " + id, c -> notifications.deleteChannel(c, id));
    }

    @Override
    public int enqueue(List<Notification> rows) {
        if (rows.isEmpty()) {
            return 0;
        }
        return tx.write("enqueuing " + rows.size() + " notifications", c -> notifications.enqueue(c, rows));
    }

    @Override
    public List<Notification> claimDue(Instant now, Instant leaseUntil, int max) {
        // Dispatchers poll every second and usually find nothing: look first with a plain read, so that an idle
        // poll takes no write transaction (on SQLite, no turn at the single writer the event writer needs).
        if (!tx.read("looking for due notifications", c -> notifications.anyDue(c, now))) {
            return List.of();
        }
        return tx.write("claiming due notifications", c -> notifications.claimDue(c, now, leaseUntil, max));
    }

    @Override
    public void recordAttempt(DeliveryAttempt attempt, Notification updated) {
        tx.write("recording delivery attempt " + attempt.attempt() + " of " + attempt.notificationId(), c -> {
            notifications.recordAttempt(c, attempt, updated);
            return null;
        });
    }

    @Override
    public Optional<Notification> notification(String id) {
        return tx.read("reading notification " + id, c -> notifications.notification(c, id));
    }

    @Override
    public List<Notification> notifications(DeliveryQuery query) {
        return tx.read("reading notifications", c -> notifications.notifications(c, query));
    }

    @Override
    public List<DeliveryAttempt> attempts(String notificationId) {
        return tx.read("reading the delivery log of " + notificationId, c -> notifications.attempts(c, notificationId));
    }

    @Override
    public long deleteFinishedBefore(Instant cutoff) {
        return tx.write("removing finished notifications", c -> notifications.deleteFinishedBefore(c, cutoff));
    }

    @Override
    public boolean insertIfNoneOpen(Alert alert) {
        return tx.write("storing alert " + alert.id(), c -> AlertRows.insertIfNoneOpen(c, alert));
    }

    @Override
    public Optional<Alert> alert(String id) {
        return tx.read("reading alert " + id, c -> AlertRows.find(c, id));
    }

    @Override
    public AlertPage alerts(AlertQuery query) {
        return tx.read("listing alerts", c -> AlertRows.page(c, query));
    }

    @Override
    public List<Alert> openAlerts() {
        return tx.read("listing open alerts", AlertRows::open);
    }

    @Override
    public boolean acknowledge(String id, String by, Instant at) {
        return tx.write("acknowledging alert " + id, c -> AlertRows.acknowledge(c, id, by, at));
    }

    @Override
    public boolean resolve(String id, String by, Instant at) {
        return tx.write("resolving alert " + id, c -> AlertRows.resolve(c, id, by, at));
    }

    @Override
    public String backend() {
        return dialect.backend();
    }

    @Override
    public boolean isHealthy() {
        try {
            return tx.read("checking health", c -> c.isValid(1));
        } catch (StoreException e) {
            return false;
        }
    }

    @Override
    public void close() {
        RollupRoller running = roller;
        if (running != null) {
            running.close();
        }
        try {
            writePendingRollups();
        } catch (StoreException e) {
            // Not lost: the events are in the ledger, and the next open folds them in again.
            LOG.warn("could not write the pending rollups at close: {}", e.getMessage());
        }
        if (deferred != null) {
            deferred.close();
        }
        repricing.close();
        dataSource.close();
    }

    @Override
    public String toString() {
        // The pool name, never the URL: a PostgreSQL URL may carry a password.
        return getClass().getSimpleName() + "[" + dataSource.getPoolName() + "]";
    }
}
