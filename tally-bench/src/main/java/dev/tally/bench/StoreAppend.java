package dev.tally.bench;

import dev.tally.core.event.LedgerEntry;
import dev.tally.core.pricing.PriceCatalog;
import dev.tally.core.persistence.TallyStore;
import dev.tally.store.Stores;

import org.HdrHistogram.Histogram;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The middle rung between {@link RawJdbcInsert} and {@link IngestLoad}: the same rows appended through Tally's
 * store, {@link TallyStore#append}, from one thread, one call per batch of B, as the group-commit writer calls it.
 * This is the raw insert plus what the store adds: duplicate detection ({@code ON CONFLICT DO NOTHING} with
 * per-row counts), rollups of four grains and the latency histogram, all in the same transaction. No HTTP, no JSON.
 *
 * <p>So: raw insert to store append is the cost of the ledger's bookkeeping; store append to HTTP is the cost of
 * the server (HTTP, JSON, validation, pricing, the writer's hand-off) and of the load generator beside it.
 *
 * <pre>
 * ./mvnw -o -q -pl tally-bench -am package -DskipTests
 * java -cp tally-bench/target/benchmarks.jar dev.tally.bench.StoreAppend --store sqlite --batch 1000
 * </pre>
 *
 * Flags: {@code --store sqlite|postgres} (sqlite), {@code --batch} (1000), {@code --warmup} seconds (5),
 * {@code --seconds} measured (20), {@code --customers} the events are spread over (100), {@code --error-index
 * keep|drop} (keep): drop the partial index of failed calls ({@code events_errors_ts}, V21) first, the baseline that
 * shows what that index costs ingestion (about 3% of the mix's events are errors), {@code --end-users
 * default|none|users} (default: a user among 500 per event; none: neither user nor dimensions; users: 10,000 end
 * users in all and two dimensions; many-users: 1,000,000 in all; as {@code IngestLoad --end-users}): with {@code none} and {@code users} alternating, the
 * end user sums' CPU on the write path, load-insensitive (issue 13, command 13 in docs/benchmarks.md).
 */
public final class StoreAppend {
    private static final String USAGE = "StoreAppend [--store sqlite|postgres] [--batch 1000] [--warmup 5] "
            + "[--seconds 20] [--customers 100] [--error-index keep|drop] [--end-users default|none|users|many-users]";

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private StoreAppend() {
    }

    public static void main(String[] args) {
        Flags flags = Flags.parse(args, USAGE, "store", "batch", "warmup", "seconds", "customers", "error-index",
                "end-users");
        System.out.println(BenchServer.describeJvm());
        EventMix.EndUserMix mix = switch (flags.text("end-users", "default", "default", "none", "users",
                "many-users")) {
            case "none" -> EventMix.EndUserMix.NONE;
            case "users" -> EventMix.EndUserMix.USERS_AND_DIMENSIONS;
            case "many-users" -> EventMix.EndUserMix.MANY_USERS_AND_DIMENSIONS;
            default -> EventMix.EndUserMix.DEFAULT;
        };
        run(flags.text("store", "sqlite", "sqlite", "postgres"), flags.integer("batch", 1000, 1, 100_000),
                flags.integer("warmup", 5, 0, 600), flags.integer("seconds", 20, 1, 3600),
                flags.integer("customers", 100, 1, 10_000), flags.text("error-index", "keep", "keep", "drop")
                        .equals("drop"), mix);
    }

    /** Events per second of store time. */
    static double run(String kind, int batch, int warmupSeconds, int seconds, int customers) {
        return run(kind, batch, warmupSeconds, seconds, customers, false);
    }

    /** @param dropErrorIndex drop the partial index of failed calls before appending (the baseline of its cost) */
    static double run(String kind, int batch, int warmupSeconds, int seconds, int customers, boolean dropErrorIndex) {
        return run(kind, batch, warmupSeconds, seconds, customers, dropErrorIndex, EventMix.EndUserMix.DEFAULT);
    }

    /** @param mix the end users and dimensions the events carry */
    static double run(String kind, int batch, int warmupSeconds, int seconds, int customers, boolean dropErrorIndex,
                      EventMix.EndUserMix mix) {
        try (FreshStore fresh = FreshStore.create(kind, "append"); TallyStore store = Stores.open(fresh.url())) {
            if (dropErrorIndex) {
                dropErrorIndex(fresh.url());
            }
            store.putPrices(EventMix.prices());
            LiveRows rows = new LiveRows(customers, new PriceCatalog(store.prices()), "", mix);
            System.out.printf("StoreAppend: %s, batch %d, one thread, warm-up %d s, measured %d s, error index %s, "
                    + "end users %s%n", fresh.describe(), batch, warmupSeconds, seconds,
                    dropErrorIndex ? "dropped" : "kept", mix);
            appendFor(store, rows, batch, warmupSeconds * 1_000_000_000L, Latencies.histogram());
            Histogram latency = Latencies.histogram();
            MachineLoad before = MachineLoad.sample();
            long cpuBefore = THREADS.getCurrentThreadCpuTime();
            long[] measured = appendFor(store, rows, batch, seconds * 1_000_000_000L, latency);
            long cpu = THREADS.getCurrentThreadCpuTime() - cpuBefore - measured[3];
            String load = MachineLoad.sample().since(before);
            double eps = measured[0] / (measured[1] / 1e9);
            System.out.printf("  %,d events in %.1f s of appending (%.1f s wall with row building): "
                    + "%,.0f events/s%n", measured[0], measured[1] / 1e9, measured[2] / 1e9, eps);
            System.out.println("  per batch  " + Latencies.summary(latency));
            // CPU time is less disturbed by other work on the machine than wall time: compare it between runs.
            System.out.printf("  CPU of the appending thread in append: %.1f us per event (%.0f%% of its time)%n",
                    cpu / 1e3 / measured[0], 100.0 * cpu / measured[1]);
            System.out.println("  " + load);
            return eps;
        }
    }

    private static void dropErrorIndex(String url) {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute("DROP INDEX events_errors_ts");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot drop events_errors_ts: " + e.getMessage(), e);
        }
    }

    /** @return events appended, nanoseconds in {@code append}, wall nanoseconds, CPU nanoseconds building rows */
    private static long[] appendFor(TallyStore store, LiveRows rows, int batch, long nanos, Histogram latency) {
        long events = 0;
        long storeNanos = 0;
        long buildCpu = 0;
        long start = System.nanoTime();
        while (System.nanoTime() - start < nanos) {
            long cpu0 = THREADS.getCurrentThreadCpuTime();
            List<LedgerEntry> entries = rows.next(batch);
            buildCpu += THREADS.getCurrentThreadCpuTime() - cpu0;
            long t0 = System.nanoTime();
            boolean[] stored = store.append(entries);
            long took = System.nanoTime() - t0;
            storeNanos += took;
            latency.recordValue(Math.max(1, took / 1000));
            for (boolean s : stored) {
                if (!s) {
                    throw new IllegalStateException("a fresh event was reported as a duplicate");
                }
            }
            events += stored.length;
        }
        return new long[] {events, storeNanos, System.nanoTime() - start, buildCpu};
    }
}
