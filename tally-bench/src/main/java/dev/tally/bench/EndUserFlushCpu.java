package dev.tally.bench;

import dev.tally.core.event.Buckets;
import dev.tally.core.event.LedgerEntry;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.money.Money;
import dev.tally.core.persistence.TallyStore;
import dev.tally.store.Stores;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * The SQLite store's CPU per appended event for a fixed amount of work, with or without end users and dimensions
 * (issue 13): a fake clock makes the deferred rollups (and the end user sums) be written every 100,000 events, as at
 * 20,000 events/s, however fast the machine runs, so a busy machine changes the CPU figure less than it changes
 * {@link StoreAppend}'s, whose writes follow the wall clock. Events as {@code --end-users users} (a user among 100 of its
 * customer's, 10,000 in all, and two dimensions), {@code many-users} (among 10,000 of its customer's: 1,000,000 in
 * all, the mix before 2026-12-07 16:30) or {@code none}, 100 customers, batches of 100; 200,000 events warm up, then {@code events} are
 * measured: the appending thread's CPU, split into preparing a batch and writing it (the group-commit writer does
 * these on two threads, so the write is what the single committing thread spends), the CPU of the threads that fold
 * committed batches into the pending sums, the bytes the process wrote (/proc/self/io) and the wall time per event.
 *
 * <pre>
 * for m in none users none users; do
 *   java -cp tally-bench/target/benchmarks.jar dev.tally.bench.EndUserFlushCpu $m 200000; done
 * </pre>
 * Against an older build (source-file mode): {@code java -cp OLD/benchmarks.jar
 * tally-bench/src/main/java/dev/tally/bench/EndUserFlushCpu.java users 200000}.
 */
public final class EndUserFlushCpu {
    /** The fake clock, in epoch milliseconds: 5 ms a batch of 100. */
    private static long now = Instant.parse("2026-12-07T10:00:00Z").toEpochMilli();
    private static long seq = 0;
    private static final java.lang.management.ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    /** CPU time of the appending thread inside the writes (not the prepares). */
    private static long writeCpuNanos = 0;

    private EndUserFlushCpu() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2 || !List.of("none", "users", "many-users").contains(args[0])) {
            System.err.println("usage: EndUserFlushCpu none|users|many-users EVENTS");
            System.exit(2);
        }
        int users = switch (args[0]) {
            case "users" -> 100;
            case "many-users" -> 10_000;
            default -> 0;
        };
        int measured = Integer.parseInt(args[1]);
        Path dir = Files.createTempDirectory("tally-bench-flush");
        InstantSource clock = () -> Instant.ofEpochMilli(now);
        var threads = ManagementFactory.getThreadMXBean();
        SplittableRandom random = new SplittableRandom(42);
        try (TallyStore store = Stores.open("jdbc:sqlite:" + dir.resolve("tally.db"), clock)) {
            run(store, random, users, 200_000);
            long cpu0 = threads.getCurrentThreadCpuTime();
            long writeCpu0 = writeCpuNanos;
            long folds0 = foldCpuNanos();
            long io0 = writeBytes();
            long wall0 = System.nanoTime();
            run(store, random, users, measured);
            long cpu = threads.getCurrentThreadCpuTime() - cpu0;
            long writeCpu = writeCpuNanos - writeCpu0;
            long folds = foldCpuNanos() - folds0;
            long io = writeBytes() - io0;
            long wall = System.nanoTime() - wall0;
            System.out.printf("%s: %,d events: appending thread CPU %.1f us/event (prepare %.1f, write %.1f: what the "
                            + "writer thread does over HTTP), folding threads %.1f us/event, written %.0f bytes/event, "
                            + "wall %.1f us/event%n",
                    args[0], measured, cpu / 1e3 / measured, (cpu - writeCpu) / 1e3 / measured,
                    writeCpu / 1e3 / measured, folds / 1e3 / measured, (double) io / measured, wall / 1e3 / measured);
        } finally {
            try (var files = Files.list(dir)) {
                for (Path file : files.toList()) {
                    Files.delete(file);
                }
            }
            Files.delete(dir);
        }
    }

    /** Appends {@code events} in batches of 100, each with a user among {@code users} of its customer's (0: none). */
    private static void run(TallyStore store, SplittableRandom random, int users, int events) {
        for (int done = 0; done < events; done += 100) {
            List<LedgerEntry> batch = new ArrayList<>(100);
            for (int i = 0; i < 100; i++) {
                Instant at = Instant.ofEpochMilli(now);
                TreeMap<String, Long> usage = new TreeMap<>();
                usage.put("input_tokens", 1_000_000L * (1 + random.nextInt(2000)));
                TreeMap<String, String> dims = null;
                String user = null;
                if (users > 0) {
                    user = "user_" + random.nextInt(users);
                    dims = new TreeMap<>();
                    dims.put("platform", new String[]{"instagram", "tiktok", "youtube", "web"}[random.nextInt(4)]);
                    dims.put("bot", "bot_" + random.nextInt(20));
                }
                String customer = "customer_" + random.nextInt(100);
                UsageEvent e = new UsageEvent("e" + (seq++), customer, at, "openai", "gpt-4o-" + random.nextInt(3),
                        "/v1/chat", "POST", 200, 100L, user, usage, null, null, null, null, dims);
                batch.add(new LedgerEntry(e, Money.ofNanos(1000 + random.nextInt(100_000)), List.of(), at,
                        Buckets.of(ZoneOffset.UTC, 1, at)));
            }
            // Prepared and written apart, as the group-commit writer does on two threads: the write's CPU is the
            // committing thread's share.
            var prepared = store.prepareAppend(batch);
            long before = THREADS.getCurrentThreadCpuTime();
            prepared.write();
            writeCpuNanos += THREADS.getCurrentThreadCpuTime() - before;
            now += 5; // 100 events a 5 ms: a flush (MAX_DELAY 5 s) every 100,000 events
        }
    }

    /** CPU time of the threads that sum committed batches into the pending sums ({@code tally-*-fold}). */
    private static long foldCpuNanos() {
        long sum = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("tally-") && t.getName().endsWith("-fold")) {
                sum += THREADS.getThreadCpuTime(t.getId());
            }
        }
        return sum;
    }

    private static long writeBytes() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/io"))) {
            if (line.startsWith("write_bytes:")) {
                return Long.parseLong(line.substring(12).trim());
            }
        }
        return -1;
    }
}
