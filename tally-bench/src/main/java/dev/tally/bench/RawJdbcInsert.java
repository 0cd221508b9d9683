package dev.tally.bench;

import dev.tally.core.event.LedgerEntry;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.pricing.PriceCatalog;
import dev.tally.core.persistence.TallyStore;
import dev.tally.store.Stores;
import org.HdrHistogram.Histogram;
import org.sqlite.SQLiteConfig;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.List;

/**
 * The ceiling for durable ingestion: the same event rows as {@link IngestLoad} sends, every column with the value
 * the store writes, inserted into the same {@code events} table (a fresh store migrated by Tally, so the same
 * columns and indexes) with a plain JDBC batch from one thread, one transaction per batch of B. Nothing else: no
 * HTTP, no JSON, no validation, no pricing in the measured time, no rollups, no duplicate detection ({@code INSERT},
 * not {@code ON CONFLICT}).
 *
 * <p>Durability is the production setting: SQLite in WAL mode with {@code synchronous=FULL} and the store's other
 * connection settings; PostgreSQL with the server's defaults and the same driver settings as the store (no
 * {@code reWriteBatchedInserts}, which the store refuses; pass {@code --rewrite true} to see what it would give).
 *
 * <p>Rows are built before their batch is timed (building includes pricing them, as the stored cost is part of
 * the row); the rate is events over the time spent binding, executing and committing.
 *
 * <pre>
 * ./mvnw -o -q -pl tally-bench -am package -DskipTests
 * java -cp tally-bench/target/benchmarks.jar dev.tally.bench.RawJdbcInsert --store sqlite --batch 1000
 * </pre>
 *
 * Flags: {@code --store sqlite|postgres} (sqlite), {@code --batch} (1000), {@code --warmup} seconds (5),
 * {@code --seconds} measured (20), {@code --rewrite true|false} (false, PostgreSQL only), {@code --connections}
 * inserting at once, each from its own thread (1).
 */
public final class RawJdbcInsert {
    private static final String USAGE = "RawJdbcInsert [--store sqlite|postgres] [--batch 1000] [--warmup 5] "
            + "[--seconds 20] [--rewrite false] [--connections 1]";
    /**
     * Every column the store writes, with the same values: the CloudEvents columns (the plain source '', no type,
     * no attributes), the dimensions, and the hour, day and month buckets each event keeps for the roller. (Before
     * 2026-12-07 the baseline left the last seven out: rows 24 bytes narrower than Tally's.)
     */
    static final String INSERT = "INSERT INTO events (event_id, customer_id, ts_ms, received_ms, provider, model, "
            + "endpoint, method, status, latency_ms, user_id, usage, cost_nanos, cost_override_nanos, "
            + "unpriced_metrics, reservation, metadata, ce_source, ce_type, ce_attributes, dimensions, hour_ms, "
            + "day_ms, month_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private RawJdbcInsert() {
    }

    public static void main(String[] args) throws Exception {
        Flags flags = Flags.parse(args, USAGE, "store", "batch", "warmup", "seconds", "rewrite", "connections");
        String kind = flags.text("store", "sqlite", "sqlite", "postgres");
        System.out.println(BenchServer.describeJvm());
        run(kind, flags.integer("batch", 1000, 1, 100_000), flags.integer("warmup", 5, 0, 600),
                flags.integer("seconds", 20, 1, 3600), 100,
                Boolean.parseBoolean(flags.text("rewrite", "false", "true", "false")),
                flags.integer("connections", 1, 1, 16));
    }

    /** What the baseline measured. */
    record Result(double eventsPerSecond, Histogram batchLatency) {
    }

    static Result run(String kind, int batch, int warmupSeconds, int seconds, int customers) throws SQLException {
        return run(kind, batch, warmupSeconds, seconds, customers, false);
    }

    static Result run(String kind, int batch, int warmupSeconds, int seconds, int customers, boolean rewrite)
            throws SQLException {
        return run(kind, batch, warmupSeconds, seconds, customers, rewrite, 1);
    }

    /**
     * With {@code connections} above 1, that many threads insert at once, each on its own connection (the ceiling
     * beside several nodes, each committing one batch at a time); the rate is the sum of theirs.
     */
    static Result run(String kind, int batch, int warmupSeconds, int seconds, int customers, boolean rewrite,
                      int connections) throws SQLException {
        if (connections > 1) {
            return concurrently(kind, batch, warmupSeconds, seconds, customers, connections);
        }
        try (FreshStore store = FreshStore.create(kind, "raw")) {
            // Tally migrates the fresh store: the same schema as the server's.
            PriceCatalog prices;
            try (TallyStore tally = Stores.open(store.url())) {
                tally.putPrices(EventMix.prices());
                prices = new PriceCatalog(tally.prices());
            }
            System.out.printf("RawJdbcInsert: %s, batch %d, one thread, warm-up %d s, measured %d s%s%n",
                    store.describe(), batch, warmupSeconds, seconds, rewrite ? ", reWriteBatchedInserts" : "");
            try (Connection c = connect(store, rewrite)) {
                c.setAutoCommit(false);
                describeDurability(c, store);
                LiveRows rows = new LiveRows(customers, prices);
                insertFor(c, rows, batch, warmupSeconds * 1_000_000_000L, Latencies.histogram());
                Histogram latency = Latencies.histogram();
                MachineLoad before = MachineLoad.sample();
                long[] measured = insertFor(c, rows, batch, seconds * 1_000_000_000L, latency);
                String load = MachineLoad.sample().since(before);
                double insertSeconds = measured[1] / 1e9;
                double eps = measured[0] / insertSeconds;
                System.out.printf("  %,d events in %.1f s of inserting (%.1f s wall with row building): "
                        + "%,.0f events/s%n", measured[0], insertSeconds, measured[2] / 1e9, eps);
                System.out.println("  per batch  " + Latencies.summary(latency));
                System.out.printf("  CPU of the inserting thread in JDBC: %.1f us per event (%.0f%% of its time)%n",
                        measured[3] / 1e3 / measured[0], 100.0 * measured[3] / measured[1]);
                System.out.println("  " + load);
                return new Result(eps, latency);
            }
        }
    }

    private static Result concurrently(String kind, int batch, int warmupSeconds, int seconds, int customers,
                                       int connections) throws SQLException {
        try (FreshStore store = FreshStore.create(kind, "raw")) {
            PriceCatalog prices;
            try (TallyStore tally = Stores.open(store.url())) {
                tally.putPrices(EventMix.prices());
                prices = new PriceCatalog(tally.prices());
            }
            System.out.printf("RawJdbcInsert: %s, batch %d, %d connections at once, warm-up %d s, measured %d s%n",
                    store.describe(), batch, connections, warmupSeconds, seconds);
            Histogram latency = Latencies.histogram();
            double[] rates = new double[connections];
            java.util.List<Thread> threads = new java.util.ArrayList<>();
            java.util.concurrent.atomic.AtomicReference<Exception> failure =
                    new java.util.concurrent.atomic.AtomicReference<>();
            MachineLoad before = MachineLoad.sample();
            for (int t = 0; t < connections; t++) {
                int index = t;
                Thread thread = new Thread(() -> {
                    try (Connection c = connect(store, false)) {
                        c.setAutoCommit(false);
                        LiveRows rows = new LiveRows(customers, prices, "c" + index);
                        insertFor(c, rows, batch, warmupSeconds * 1_000_000_000L, Latencies.histogram());
                        Histogram mine = Latencies.histogram();
                        long[] measured = insertFor(c, rows, batch, seconds * 1_000_000_000L, mine);
                        rates[index] = measured[0] / (measured[2] / 1e9);
                        synchronized (latency) {
                            latency.add(mine);
                        }
                    } catch (Exception e) {
                        failure.set(e);
                    }
                }, "raw-insert-" + t);
                threads.add(thread);
                thread.start();
            }
            for (Thread thread : threads) {
                try {
                    thread.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", e);
                }
            }
            if (failure.get() != null) {
                throw new IllegalStateException("a raw insert thread failed: " + failure.get(), failure.get());
            }
            double eps = java.util.Arrays.stream(rates).sum();
            // Wall time here (threads overlap), which includes building rows: slightly below the JDBC-only rate.
            System.out.printf("  %,.0f events/s over %d connections (wall time, with row building)%n", eps,
                    connections);
            System.out.println("  per batch  " + Latencies.summary(latency));
            System.out.println("  " + MachineLoad.sample().since(before));
            return new Result(eps, latency);
        }
    }

    /** A connection with the store's settings: for SQLite, those of the store's pool. */
    private static Connection connect(FreshStore store, boolean rewrite) throws SQLException {
        if (store.isSqlite()) {
            SQLiteConfig config = new SQLiteConfig();
            config.setJournalMode(SQLiteConfig.JournalMode.WAL);
            config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
            config.setBusyTimeout(10_000);
            config.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
            config.setCacheSize(-32 * 1024);
            config.setTempStore(SQLiteConfig.TempStore.MEMORY);
            return config.createConnection(store.url());
        }
        return DriverManager.getConnection(store.url() + (rewrite ? "&reWriteBatchedInserts=true" : ""));
    }

    private static void describeDurability(Connection c, FreshStore store) throws SQLException {
        try (Statement s = c.createStatement()) {
            if (store.isSqlite()) {
                System.out.println("  journal_mode " + single(s, "PRAGMA journal_mode") + ", synchronous "
                        + single(s, "PRAGMA synchronous") + " (2 = FULL)");
            } else {
                System.out.println("  fsync " + single(s, "SHOW fsync") + ", synchronous_commit "
                        + single(s, "SHOW synchronous_commit"));
            }
        }
        c.commit();
    }

    private static String single(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    /**
     * Inserts batches until {@code nanos} of wall time have passed.
     *
     * @return events inserted, nanoseconds spent in JDBC (bind, execute, commit), wall nanoseconds, CPU nanoseconds
     *         of this thread in JDBC
     */
    private static long[] insertFor(Connection c, LiveRows rows, int batch, long nanos, Histogram latency)
            throws SQLException {
        long events = 0;
        long jdbcNanos = 0;
        long cpu = 0;
        long start = System.nanoTime();
        try (PreparedStatement ps = c.prepareStatement(INSERT)) {
            while (System.nanoTime() - start < nanos) {
                List<LedgerEntry> entries = rows.next(batch);
                long t0 = System.nanoTime();
                long cpu0 = THREADS.getCurrentThreadCpuTime();
                for (LedgerEntry entry : entries) {
                    bind(ps, entry);
                    ps.addBatch();
                }
                ps.executeBatch();
                c.commit();
                cpu += THREADS.getCurrentThreadCpuTime() - cpu0;
                long took = System.nanoTime() - t0;
                jdbcNanos += took;
                latency.recordValue(Math.max(1, took / 1000));
                events += entries.size();
            }
        }
        return new long[] {events, jdbcNanos, System.nanoTime() - start, cpu};
    }

    /** Binds the columns exactly as the store's ledger writer does. */
    static void bind(PreparedStatement ps, LedgerEntry entry) throws SQLException {
        UsageEvent e = entry.event();
        ps.setString(1, e.id());
        ps.setString(2, e.customerId());
        ps.setLong(3, e.timestamp().toEpochMilli());
        ps.setLong(4, entry.receivedAt().toEpochMilli());
        ps.setString(5, e.provider());
        ps.setString(6, e.model());
        ps.setString(7, e.endpoint());
        ps.setString(8, e.method());
        ps.setInt(9, e.status());
        ps.setLong(10, e.latencyMs());
        ps.setString(11, e.user());
        ps.setString(12, EventMix.usageColumn(e.usageMicros()));
        ps.setLong(13, entry.cost().nanos());
        ps.setNull(14, Types.BIGINT);
        ps.setNull(15, Types.VARCHAR);
        ps.setNull(16, Types.VARCHAR);
        ps.setNull(17, Types.VARCHAR);
        ps.setString(18, e.source());
        ps.setNull(19, Types.VARCHAR);
        ps.setNull(20, Types.VARCHAR);
        ps.setNull(21, Types.VARCHAR);
        ps.setLong(22, entry.buckets().hour().toEpochMilli());
        ps.setLong(23, entry.buckets().day().toEpochMilli());
        ps.setLong(24, entry.buckets().month().toEpochMilli());
    }
}
