package dev.tally.bench;

import dev.tally.core.event.LedgerEntry;
import dev.tally.core.persistence.TallyStore;
import dev.tally.core.pricing.PriceCatalog;
import dev.tally.store.Stores;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

/**
 * PostgreSQL's own CPU per appended event, split into the append (the acknowledging transactions) and the roller's
 * passes (issue 12.5), beside a raw insert of the same rows; plus the WAL written per event. Load-insensitive where
 * events/s over HTTP are not: the figure is CPU ticks of the PostgreSQL processes, summed from {@code /proc}, so it
 * needs a private PostgreSQL that nothing else uses (its postmaster's pid is read from {@code postmaster.pid} in
 * {@code --data}).
 *
 * <p>One thread appends the mix's rows ({@link LiveRows}: 100 customers, a user among 500) through
 * {@code TallyStore.append} in batches of {@code --batch}, and runs a roller pass by hand after every
 * {@value #PASS_EVERY} events (the scheduled roller never runs: its interval is a day). The pass is the store's
 * package-private {@code rollQueued}, called by reflection so that an older build's jar is measured by the same
 * harness: compile this file against it ({@code javac -cp OLD/benchmarks.jar -d DIR PostgresAppendCpu.java}) and run
 * {@code java -cp DIR:OLD/benchmarks.jar dev.tally.bench.PostgresAppendCpu ...}.
 *
 * <pre>
 * # a private cluster: initdb -D DIR/data; port 5497; autovacuum off, as the machine's; pg_ctl start
 * TALLY_BENCH_POSTGRES_URL='jdbc:postgresql://127.0.0.1:5497/test?user=postgres' \
 *   java -cp tally-bench/target/benchmarks.jar dev.tally.bench.PostgresAppendCpu /tmp/pgdb/data 100 100000 tally
 * </pre>
 *
 * Arguments: the cluster's data directory, the batch, the events measured, {@code tally} or {@code raw}.
 */
public final class PostgresAppendCpu {
    /** Events between two roller passes, as a pass claims about 100,000 events. */
    static final int PASS_EVERY = 100_000;
    private static final int WARMUP_EVENTS = 20_000;
    private static final double TICKS_PER_SECOND = 100.0;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private PostgresAppendCpu() {
    }

    public static void main(String[] args) throws Exception {
        Path data = Path.of(args[0]);
        int batch = Integer.parseInt(args[1]);
        int events = Integer.parseInt(args[2]);
        boolean raw = args.length > 3 && args[3].equals("raw");
        long postmaster = Long.parseLong(Files.readAllLines(data.resolve("postmaster.pid")).get(0).trim());
        try (FreshStore fresh = FreshStore.create("postgres", "cpu")) {
            if (raw) {
                raw(fresh, postmaster, batch, events);
            } else {
                tally(fresh, postmaster, batch, events);
            }
        }
    }

    private static void tally(FreshStore fresh, long postmaster, int batch, int events) throws Exception {
        try (TallyStore store = Stores.open(fresh.url(), Clock.systemUTC(), Duration.ofDays(1));
             Connection c = DriverManager.getConnection(fresh.url())) {
            store.putPrices(EventMix.prices());
            LiveRows rows = new LiveRows(100, new PriceCatalog(store.prices()));
            Method roll = rollQueued(store);
            append(store, rows, batch, WARMUP_EVENTS);
            roll.invoke(store);
            resetStatements(c);
            long appendTicks = 0;
            long rollTicks = 0;
            long rollJvmNanos = 0;
            StringBuilder passes = new StringBuilder();
            long wal0 = walBytes(c);
            for (int done = 0; done < events; done += PASS_EVERY) {
                long t0 = ticks(postmaster);
                append(store, rows, batch, Math.min(PASS_EVERY, events - done));
                long t1 = ticks(postmaster);
                long cpu0 = THREADS.getCurrentThreadCpuTime();
                roll.invoke(store);
                long passNanos = THREADS.getCurrentThreadCpuTime() - cpu0;
                rollJvmNanos += passNanos;
                passes.append(String.format(" %.1f", passNanos / 1e3 / Math.min(PASS_EVERY, events - done)));
                long t2 = ticks(postmaster);
                appendTicks += t1 - t0;
                rollTicks += t2 - t1;
            }
            long wal = walBytes(c) - wal0;
            double a = appendTicks / TICKS_PER_SECOND * 1e6 / events;
            double r = rollTicks / TICKS_PER_SECOND * 1e6 / events;
            System.out.printf("tally batch %d, %,d events: append %.1f + roll %.1f = %.1f us PostgreSQL CPU an event; "
                    + "WAL %,d bytes an event; load average %s%n", batch, events, a, r, a + r, wal / events,
                    MachineLoad.loadAverage());
            // The pass runs on this thread: its CPU is the roller's side in the JVM (reading the events back, summing,
            // encoding the upserts), which command 3 shows as the roller thread's.
            System.out.printf("  the roller's pass in the JVM: %.1f us CPU an event (by pass:%s)%n",
                    rollJvmNanos / 1e3 / events, passes);
            printStatements(c, events);
        }
    }

    private static void raw(FreshStore fresh, long postmaster, int batch, int events) throws Exception {
        LiveRows rows;
        try (TallyStore store = Stores.open(fresh.url(), Clock.systemUTC(), Duration.ofDays(1))) {
            store.putPrices(EventMix.prices());
            rows = new LiveRows(100, new PriceCatalog(store.prices()));
        }
        try (Connection c = DriverManager.getConnection(fresh.url())) {
            insertRaw(c, rows, batch, WARMUP_EVENTS);
            resetStatements(c);
            long wal0 = walBytes(c);
            long t0 = ticks(postmaster);
            insertRaw(c, rows, batch, events);
            long t1 = ticks(postmaster);
            long wal = walBytes(c) - wal0;
            System.out.printf("raw batch %d, %,d events: %.1f us PostgreSQL CPU an event; WAL %,d bytes an event; "
                    + "load average %s%n", batch, events, (t1 - t0) / TICKS_PER_SECOND * 1e6 / events,
                    wal / events, MachineLoad.loadAverage());
            printStatements(c, events);
        }
    }

    private static void append(TallyStore store, LiveRows rows, int batch, int events) {
        for (int done = 0; done < events; done += batch) {
            List<LedgerEntry> entries = rows.next(Math.min(batch, events - done));
            store.append(entries);
        }
    }

    private static void insertRaw(Connection c, LiveRows rows, int batch, int events) throws SQLException {
        c.setAutoCommit(false);
        try (PreparedStatement ps = c.prepareStatement(RawJdbcInsert.INSERT)) {
            for (int done = 0; done < events; done += batch) {
                for (LedgerEntry entry : rows.next(Math.min(batch, events - done))) {
                    RawJdbcInsert.bind(ps, entry);
                    ps.addBatch();
                }
                ps.executeBatch();
                c.commit();
            }
        }
        c.setAutoCommit(true);
    }

    /** The roller's pass, package-private in the store: see the class comment for why by reflection. */
    private static Method rollQueued(TallyStore store) throws NoSuchMethodException {
        Class<?> type = store.getClass();
        while (type != null) {
            try {
                Method m = type.getDeclaredMethod("rollQueued");
                m.setAccessible(true);
                return m;
            } catch (NoSuchMethodException e) {
                type = type.getSuperclass();
            }
        }
        throw new NoSuchMethodException("rollQueued in " + store.getClass());
    }

    private static long walBytes(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void resetStatements(Connection c) {
        try (Statement s = c.createStatement()) {
            s.execute("SELECT public.pg_stat_statements_reset()");
        } catch (SQLException e) {
            System.out.println("(no pg_stat_statements: " + e.getMessage().lines().findFirst().orElse("") + ")");
        }
    }

    /** The statements that took most of the backends' time, per event measured (pg_stat_statements, if loaded). */
    private static void printStatements(Connection c, int events) {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT total_exec_time, calls, rows, "
                + "wal_bytes, left(regexp_replace(query, '\\s+', ' ', 'g'), 150) FROM public.pg_stat_statements "
                + "ORDER BY total_exec_time DESC LIMIT 12")) {
            while (rs.next()) {
                System.out.printf("  %7.2f us/event %7d calls %9d rows %6.0f WAL B/event  %s%n",
                        rs.getDouble(1) * 1000 / events, rs.getLong(2), rs.getLong(3),
                        rs.getDouble(4) / events, rs.getString(5));
            }
        } catch (SQLException e) {
            System.out.println("(no statement figures: " + e.getMessage().lines().findFirst().orElse("") + ")");
        }
    }

    /** User and system ticks of the postmaster, its live children and its reaped children. */
    private static long ticks(long postmaster) throws IOException {
        long total = statTicks(postmaster, true);
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) procs::iterator) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    String[] f = fields(Files.readString(p.resolve("stat")));
                    if (Long.parseLong(f[1]) == postmaster) {
                        total += Long.parseLong(f[11]) + Long.parseLong(f[12]);
                    }
                } catch (IOException | RuntimeException e) {
                    // The process ended meanwhile: its ticks are in the postmaster's reaped children.
                }
            }
        }
        return total;
    }

    private static long statTicks(long pid, boolean withChildren) throws IOException {
        String[] f = fields(Files.readString(Path.of("/proc/" + pid + "/stat")));
        long own = Long.parseLong(f[11]) + Long.parseLong(f[12]);
        return withChildren ? own + Long.parseLong(f[13]) + Long.parseLong(f[14]) : own;
    }

    /** The fields of a /proc stat line after the command name: [0] is the state, [1] the parent, [11] utime. */
    private static String[] fields(String stat) {
        return stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
    }
}
