package dev.tally.store;

import dev.tally.core.event.Buckets;
import dev.tally.core.event.LedgerEntry;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.metric.Quantity;
import dev.tally.core.money.Money;
import dev.tally.core.persistence.TallyStore;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A rough measure of durable append throughput, batches of 1,000 events from one thread (as the server's group
 * committer sends them): 100 customers, 3 endpoints, 2 models, input and output tokens and a latency per event.
 * Not a test and not a JMH benchmark: a probe to run by hand after changing the write path.
 *
 * <pre>
 * ./mvnw -q -pl tally-store -am install -DskipTests
 * ./mvnw -q -pl tally-store exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.tally.store.AppendThroughput \
 *     -Dexec.args="sqlite 300 1"     # backend, batches, appender threads; or: postgresql 300 1 [jdbc-url]
 * </pre>
 */
public final class AppendThroughput {
    private static final int BATCH = Integer.getInteger("batch", 1000);
    private static final String[] ENDPOINTS = {"/v1/chat", "/v1/embed", "/v1/images"};
    private static final String[] MODELS = {"gpt-4o", "gpt-4o-mini"};

    private AppendThroughput() {
    }

    public static void main(String[] args) throws Exception {
        String backend = args.length > 0 ? args[0] : "sqlite";
        int batches = args.length > 1 ? Integer.parseInt(args[1]) : 300;
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        String url = args.length > 3 ? args[3] : "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";
        List<List<LedgerEntry>> work = batches(batches, new SplittableRandom(42));
        Path dir = Files.createTempDirectory("tally-throughput");
        String schema = "throughput_" + System.nanoTime();
        try (TallyStore store = backend.equals("sqlite") ? Stores.sqliteFile(dir)
                : Stores.open(url + "&currentSchema=" + schema)) {
            run(store, work.subList(0, Math.min(20, batches)), 1, "warm-up");
            run(store, work.subList(Math.min(20, batches), batches), threads, "measured");
        } finally {
            if (!backend.equals("sqlite")) {
                PostgresSchemas.drop(url, schema);
            }
        }
    }

    private static void run(TallyStore store, List<List<LedgerEntry>> batches, int threads, String label)
            throws InterruptedException {
        AtomicLong stored = new AtomicLong();
        AtomicInteger next = new AtomicInteger();
        List<Thread> appenders = new ArrayList<>();
        long start = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            Thread appender = new Thread(() -> {
                for (int b = next.getAndIncrement(); b < batches.size(); b = next.getAndIncrement()) {
                    for (boolean s : store.append(batches.get(b))) {
                        stored.addAndGet(s ? 1 : 0);
                    }
                }
            });
            appender.start();
            appenders.add(appender);
        }
        for (Thread appender : appenders) {
            appender.join();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("%s %s, %d appender(s): %d events in %.2f s = %.0f events/s, %.1f ms per batch%n",
                store.backend(), label, threads, stored.get(), seconds, stored.get() / seconds,
                seconds * 1000 / batches.size());
    }

    private static List<List<LedgerEntry>> batches(int count, SplittableRandom random) {
        List<List<LedgerEntry>> batches = new ArrayList<>();
        Instant t = Instant.parse("2026-11-20T10:00:00Z");
        long id = 0;
        for (int b = 0; b < count; b++) {
            List<LedgerEntry> batch = new ArrayList<>(BATCH);
            for (int i = 0; i < BATCH; i++) {
                // 1,000 events per 20 ms of event time: 50,000 events per second of traffic.
                t = t.plusNanos(20_000);
                batch.add(entry("evt_" + Long.toString(id++, 36) + "_" + random.nextInt(1 << 30), t, random));
            }
            batches.add(batch);
        }
        return batches;
    }

    private static LedgerEntry entry(String id, Instant t, SplittableRandom random) {
        TreeMap<String, Long> usage = new TreeMap<>();
        usage.put("input_tokens", Quantity.ofUnits(random.nextInt(50, 2000)));
        usage.put("output_tokens", Quantity.ofUnits(random.nextInt(10, 800)));
        int status = random.nextInt(100) < 3 ? 500 : 200;
        UsageEvent event = new UsageEvent(id, "cust-" + random.nextInt(100), t, "openai",
                MODELS[random.nextInt(MODELS.length)], ENDPOINTS[random.nextInt(ENDPOINTS.length)], "POST", status,
                (long) random.nextInt(20, 3000), null, usage, null, null, null);
        return new LedgerEntry(event, Money.ofNanos(random.nextLong(1, 5_000_000)), List.of(), t,
                Buckets.of(ZoneOffset.UTC, 1, t));
    }
}
