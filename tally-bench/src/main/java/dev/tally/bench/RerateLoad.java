package dev.tally.bench;

import dev.tally.core.catalog.Catalog;
import dev.tally.core.event.LedgerEntry;
import dev.tally.core.period.Window;
import dev.tally.core.persistence.TallyStore;
import dev.tally.core.pricing.Price;
import dev.tally.core.pricing.PriceCatalog;
import dev.tally.core.rerate.Rerater;
import dev.tally.core.rerate.Rerating;
import dev.tally.core.rollup.RollupRow;
import dev.tally.server.TallyServer;
import dev.tally.store.Stores;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Re-rating a month of one big customer's events (issue 16), while events keep arriving.
 *
 * <p>Fills a store with {@code --events} events of {@code cust-000} over the current month (UTC) through
 * {@link MonthFill}, priced with {@link EventMix}'s prices; then raises every input price by half, effective from the
 * month's start, and runs a dry run and the apply of {@code POST /v1/rerate}'s {@link Rerater} for that customer.
 * A thread appends live events of the same customer and month (priced with the new catalog, batches of
 * {@code --live-batch}) during the apply, and alone for {@code --baseline-seconds} before it: the ingestion rate
 * with and without a re-rating running is the baseline comparison. A sampler records the largest heap in use. At the
 * end a dry run must find nothing left to change, and a cost equal to the month's rollups to the nano-dollar: no
 * live event was lost or counted twice.
 *
 * <pre>
 * ./mvnw -o -q -pl tally-bench -am package -DskipTests
 * java -Xmx512m -cp tally-bench/target/benchmarks.jar dev.tally.bench.RerateLoad --events 1000000
 * java -Xmx512m -cp tally-bench/target/benchmarks.jar dev.tally.bench.RerateLoad --events 10000000
 * </pre>
 *
 * Flags: {@code --store sqlite|postgres} (sqlite), {@code --events} (1,000,000), {@code --fill-batch} (20,000),
 * {@code --fill-threads} (2), {@code --live-batch} (200), {@code --baseline-seconds} (10), {@code --keep true} (keeps
 * the SQLite directory and prints it) and {@code --data DIR} (re-rates a kept store again instead of filling one: a
 * fill of 10 M events takes longer than the re-rating; each run on it moves the input prices between the mix's and
 * half again, so every filled event changes each time).
 */
public final class RerateLoad {
    private static final String USAGE = "RerateLoad [--store sqlite|postgres] [--events 1000000] "
            + "[--fill-batch 20000] [--fill-threads 2] [--live-batch 200] [--baseline-seconds 10] [--keep true] [--data DIR]";
    private static final String CUSTOMER = MonthFill.CUSTOMER;

    private RerateLoad() {
    }

    public static void main(String[] args) throws Exception {
        Flags flags = Flags.parse(args, USAGE, "store", "events", "fill-batch", "fill-threads", "live-batch",
                "baseline-seconds", "keep", "data");
        String kind = flags.text("store", "sqlite", "sqlite", "postgres");
        long events = flags.number("events", 1_000_000, 1_000, 200_000_000);
        int fillBatch = flags.integer("fill-batch", 20_000, 100, 100_000);
        int fillThreads = flags.integer("fill-threads", 2, 1, 16);
        int liveBatch = flags.integer("live-batch", 200, 1, 10_000);
        int baselineSeconds = flags.integer("baseline-seconds", 10, 1, 600);
        boolean keep = Boolean.parseBoolean(flags.text("keep", "false", "true", "false"));
        String data = flags.text("data", "");

        YearMonth month = YearMonth.now(ZoneOffset.UTC);
        Instant from = month.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        Instant until = Instant.now();
        InstantSource clock = InstantSource.system();
        System.out.printf("RerateLoad: store %s, %,d events of %s (and %,d of others) from %s to %s%n", kind, events,
                CUSTOMER, events / 10, from, until);
        System.out.println(BenchServer.describeJvm());
        try (FreshStore fresh = data.isEmpty() ? FreshStore.create(kind, "rerate")
                : FreshStore.existingSqlite(Path.of(data))) {
            if (keep) {
                fresh.keep();
            }
            if (data.isEmpty()) {
                try (TallyServer server = BenchServer.start(fresh, clock)) {
                    new AdminApi(server.port()).createCatalog(1 + MonthFill.OTHER_CUSTOMERS);
                }
            }
            try (TallyStore store = Stores.open(fresh.url())) {
                long mainEvents = -1;
                if (data.isEmpty()) {
                    long started = System.nanoTime();
                    mainEvents = MonthFill.fill(store, events, from, until, fillBatch, fillThreads, true);
                    System.out.printf("fill: %,d events in %.1f s%n", events + events / 10,
                            (System.nanoTime() - started) / 1e9);
                } else {
                    System.out.printf("reusing %s (%.2f GiB), no fill%n", fresh.describe(),
                            fresh.sizeBytes() / (double) (1L << 30));
                }
                Catalog catalog = new Catalog(store);
                boolean raised = !data.isEmpty() && isRaised(catalog.prices(), from);
                catalog.putPrices(inputPrices(from, raised ? BigDecimal.ONE : new BigDecimal("1.5")));
                System.out.printf("input prices from %s: %s the mix's%n", from, raised ? "back to" : "half again");
                run(store, catalog, month, from, until, mainEvents, liveBatch, baselineSeconds, clock);
            }
        }
    }

    /** Whether a kept store's input prices are the mix's raised by half (an earlier run's): this run lowers them. */
    private static boolean isRaised(PriceCatalog prices, Instant from) {
        Price first = inputPrices(from, new BigDecimal("1.5")).get(0);
        Price stored = prices.priceAt(first.provider(), first.model(), first.metric(), from);
        return stored != null && stored.unitPrice().compareTo(first.unitPrice()) == 0;
    }

    /** The mix's input prices times {@code factor}, effective from the month's start: every event changes. */
    private static List<Price> inputPrices(Instant from, BigDecimal factor) {
        List<Price> raised = new ArrayList<>();
        for (Price p : EventMix.prices()) {
            if (!p.metric().equals("input_tokens")) {
                continue;
            }
            BigDecimal unit = p.unitPrice().multiply(factor);
            raised.add(new Price(p.provider(), p.model(), p.metric(), unit, p.per(), from));
        }
        return raised;
    }

    private static void run(TallyStore store, Catalog catalog, YearMonth month, Instant from, Instant until,
                            long mainEvents, int liveBatch, int baselineSeconds, InstantSource clock)
            throws InterruptedException {
        Rerater rerater = new Rerater(catalog, store, store, clock);
        Live live = new Live(store, catalog.prices(), from, until, liveBatch);

        live.start();
        Thread.sleep(baselineSeconds * 1000L); // a measurement window, not a wait for a condition
        live.stop();
        double baseline = live.events.get() / live.seconds();
        System.out.printf("baseline: live ingestion alone %,.0f events/s (%,d events in %.1f s, batches of %d)%n",
                baseline, live.events.get(), live.seconds(), liveBatch);

        HeapSampler heap = new HeapSampler();
        heap.start();
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        long t0 = System.nanoTime();
        long cpu0 = threads.getCurrentThreadCpuTime();
        Rerating dry = rerater.run(month, CUSTOMER, true, "bench");
        double drySeconds = (System.nanoTime() - t0) / 1e9;
        double dryCpu = (threads.getCurrentThreadCpuTime() - cpu0) / 1e9;
        System.out.printf("dry run: %,d events walked, %,d would change, in %.1f s (%,.0f events/s), "
                + "largest heap in use %d MiB; the re-rating's thread used %.1f CPU s (%.1f us per event)%n",
                dry.events(), dry.changed(), drySeconds, dry.events() / drySeconds, heap.maxMiB(), dryCpu,
                dryCpu * 1e6 / dry.events());

        Live during = new Live(store, catalog.prices(), from, until, liveBatch);
        during.offset = live.next.get();
        during.start();
        MachineLoad load = MachineLoad.sample();
        long t1 = System.nanoTime();
        long cpu1 = threads.getCurrentThreadCpuTime();
        long staging1 = stagingThreadCpuNanos(threads);
        Rerating applied = rerater.run(month, CUSTOMER, false, "bench");
        double applySeconds = (System.nanoTime() - t1) / 1e9;
        double walkCpu = (threads.getCurrentThreadCpuTime() - cpu1) / 1e9;
        double stagingCpu = (stagingThreadCpuNanos(threads) - staging1) / 1e9;
        double applyCpu = walkCpu + stagingCpu;
        during.stop();
        heap.stop();
        double duringRate = during.events.get() / during.seconds();
        System.out.printf("apply: %,d events walked, %,d changed (filled: %,d), in %.1f s (%,.0f events/s); "
                + "cost %s -> %s USD%n", applied.events(), applied.changed(), mainEvents, applySeconds,
                applied.events() / applySeconds, dev.tally.core.money.Money.ofNanos(applied.costBeforeNanos())
                        .toPlainString(), dev.tally.core.money.Money.ofNanos(applied.costAfterNanos()).toPlainString());
        System.out.printf("apply: the re-rating's threads used %.1f CPU s (%.1f us per event walked; walking and "
                + "pricing %.1f s, staging %.1f s)%n", applyCpu, applyCpu * 1e6 / applied.events(), walkCpu,
                stagingCpu);
        System.out.printf("live ingestion during the apply: %,.0f events/s (%,d events), %.2f of the baseline%n",
                duringRate, during.events.get(), duringRate / baseline);
        System.out.printf("largest heap in use: %d MiB (max heap %d MiB)%n", heap.maxMiB(),
                Runtime.getRuntime().maxMemory() >> 20);
        System.out.println("  " + MachineLoad.sample().since(load));
        check(store, from, applied);
    }

    /**
     * The CPU time of the store's thread that stages a re-rating's pages while the next is read (0 before it first
     * ran): part of the re-rating's CPU. Its name is the store's {@code RepricingWalk.STAGING_THREAD}.
     */
    private static long stagingThreadCpuNanos(java.lang.management.ThreadMXBean threads) {
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals("tally-rerate-staging")) {
                return Math.max(0, threads.getThreadCpuTime(t.getId()));
            }
        }
        return 0;
    }

    /** The month's rollups must hold the re-rated events at their new cost plus the live events, none twice. */
    private static void check(TallyStore store, Instant from, Rerating applied) {
        long rolled = 0;
        for (RollupRow r : store.rollups(CUSTOMER, Window.MONTH, from, from.plusSeconds(32L * 86_400))) {
            rolled += r.counts().costNanos();
        }
        System.out.printf("check: month rollup cost %s USD%n", dev.tally.core.money.Money.ofNanos(rolled)
                .toPlainString());
        Rerating again = new Rerater(new Catalog(store), store, store, InstantSource.system())
                .run(applied.period(), CUSTOMER, true, "bench");
        if (again.changed() != 0 || again.costAfterNanos() != rolled) {
            throw new IllegalStateException("after the apply, a dry run finds " + again.changed()
                    + " events to change and a cost of " + again.costAfterNanos() + " nano-dollars, the rollups "
                    + rolled);
        }
        System.out.println("check: a dry run after the apply changes nothing, and its cost equals the rollups'");
    }

    /** A thread appending live events of the customer, priced with the new catalog. */
    private static final class Live {
        private final TallyStore store;
        private final PriceCatalog prices;
        private final long fromMs;
        private final long spanMs;
        private final int batch;
        private final AtomicBoolean stop = new AtomicBoolean();
        final AtomicLong events = new AtomicLong();
        final AtomicLong next = new AtomicLong();
        long offset;
        private Thread thread;
        private long startedNanos;
        private long stoppedNanos;

        Live(TallyStore store, PriceCatalog prices, Instant from, Instant until, int batch) {
            this.store = store;
            this.prices = prices;
            this.fromMs = from.toEpochMilli();
            this.spanMs = until.toEpochMilli() - fromMs;
            this.batch = batch;
        }

        void start() {
            next.set(offset);
            startedNanos = System.nanoTime();
            thread = new Thread(this::append, "live");
            thread.start();
        }

        private void append() {
            SplittableRandom random = new SplittableRandom(offset + 1);
            while (!stop.get()) {
                List<LedgerEntry> entries = new ArrayList<>(batch);
                for (int i = 0; i < batch; i++) {
                    long n = next.getAndIncrement();
                    Instant t = Instant.ofEpochMilli(fromMs + random.nextLong(spanMs));
                    entries.add(EventMix.Call.draw(random).ledgerEntry("live_" + n, CUSTOMER, t, prices));
                }
                store.append(entries);
                events.addAndGet(entries.size());
            }
        }

        void stop() throws InterruptedException {
            stop.set(true);
            thread.join();
            stoppedNanos = System.nanoTime();
        }

        double seconds() {
            return (stoppedNanos - startedNanos) / 1e9;
        }
    }

    /** Samples the heap in use every 50 ms and keeps the largest. */
    private static final class HeapSampler {
        private final AtomicLong max = new AtomicLong();
        private final AtomicBoolean stop = new AtomicBoolean();
        private Thread thread;

        void start() {
            thread = new Thread(() -> {
                Runtime rt = Runtime.getRuntime();
                while (!stop.get()) {
                    max.accumulateAndGet(rt.totalMemory() - rt.freeMemory(), Math::max);
                    java.util.concurrent.locks.LockSupport.parkNanos(50_000_000L);
                }
            }, "heap-sampler");
            thread.setDaemon(true);
            thread.start();
        }

        long maxMiB() {
            return max.get() >> 20;
        }

        void stop() throws InterruptedException {
            stop.set(true);
            thread.join();
        }
    }
}
