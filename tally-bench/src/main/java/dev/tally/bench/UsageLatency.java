package dev.tally.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tally.core.retention.RetentionJob;
import dev.tally.core.persistence.TallyStore;
import dev.tally.server.TallyServer;
import dev.tally.server.config.ServerConfig;
import dev.tally.store.Stores;
import org.HdrHistogram.Histogram;

import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Latency of the month report, {@code GET /v1/customers/{id}/usage}, for a customer with many events.
 *
 * <p>The store is filled <em>directly</em> through {@link TallyStore#append} in large batches (not over HTTP, which
 * {@link IngestLoad} measures; going through HTTP would take ten minutes of this benchmark's budget to produce the
 * same rows). The append is the one the server's writer calls, so the events, their rollups and the latency
 * histograms are exactly what ingestion would have stored. The customer {@code cust-000} gets {@code --events}
 * events spread evenly over every day of the current month (UTC), over the five provider/model pairs and twenty
 * endpoints of {@link EventMix}; nine other customers get a tenth as many between them.
 *
 * <p>The server then starts on that store with its clock at the last minute of the month ({@code --until
 * month-end}, the default), so the report covers a whole month of data: every day, and the minute, day and month
 * windows of the plan's limits. With {@code --until now} the events stop at the real clock instead. The command
 * measures the first (cold) request, warms up, then sends {@code --requests} sequential requests from one client
 * and the same number again from {@code --clients} concurrent clients, reporting p50/p95/p99/max. The first answer
 * is checked: its total must equal the events filled in.
 *
 * <pre>
 * ./mvnw -o -q -pl tally-bench -am package -DskipTests
 * java -Xmx4g -cp tally-bench/target/benchmarks.jar dev.tally.bench.UsageLatency --events 10000000
 * java -cp tally-bench/target/benchmarks.jar dev.tally.bench.UsageLatency --events 100000   # a quick run
 * </pre>
 *
 * Flags: {@code --store sqlite|postgres} (sqlite), {@code --events} for the measured customer (10,000,000),
 * {@code --fill-batch} events per append (20,000), {@code --fill-threads} (2), {@code --warmup} requests (300),
 * {@code --requests} (2,000), {@code --clients} (8), {@code --until month-end|now}, {@code --keep true} to keep the
 * filled store, {@code --data DIR} to measure again on a SQLite store kept by an earlier run of this month (no
 * fill; pass the same {@code --events} for the check).
 */
public final class UsageLatency {
    private static final String USAGE = "UsageLatency [--store sqlite|postgres] [--events 10000000] "
            + "[--fill-batch 20000] [--fill-threads 2] [--warmup 300] [--requests 2000] [--clients 8] "
            + "[--until month-end|now] [--keep false] [--data DIR]";
    private static final String CUSTOMER = MonthFill.CUSTOMER;
    private static final int OTHER_CUSTOMERS = MonthFill.OTHER_CUSTOMERS;
    private static final ObjectMapper JSON = new ObjectMapper();

    private UsageLatency() {
    }

    public static void main(String[] args) throws Exception {
        Flags flags = Flags.parse(args, USAGE, "store", "events", "fill-batch", "fill-threads", "warmup",
                "requests", "clients", "until", "keep", "data");
        String kind = flags.text("store", "sqlite", "sqlite", "postgres");
        long events = flags.number("events", 10_000_000, 1_000, 200_000_000);
        int fillBatch = flags.integer("fill-batch", 20_000, 100, 100_000);
        int fillThreads = flags.integer("fill-threads", 2, 1, 16);
        int warmup = flags.integer("warmup", 300, 0, 100_000);
        int requests = flags.integer("requests", 2_000, 1, 1_000_000);
        int clients = flags.integer("clients", 8, 1, 256);
        boolean monthEnd = flags.text("until", "month-end", "month-end", "now").equals("month-end");
        boolean keep = Boolean.parseBoolean(flags.text("keep", "false", "true", "false"));
        String data = flags.text("data", "");

        YearMonth month = YearMonth.now(ZoneOffset.UTC);
        Instant from = month.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        Instant monthEndsAt = month.plusMonths(1).atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        InstantSource clock = monthEnd ? InstantSource.fixed(monthEndsAt.minusSeconds(60)) : InstantSource.system();
        Instant until = clock.instant();

        System.out.printf("UsageLatency: store %s, %,d events for %s and %,d for %d others, %s to %s%n", kind,
                events, CUSTOMER, events / 10, OTHER_CUSTOMERS, from, until);
        System.out.println(BenchServer.describeJvm());
        try (FreshStore store = data.isEmpty() ? FreshStore.create(kind, "usage")
                : FreshStore.existingSqlite(Path.of(data))) {
            if (keep) {
                store.keep();
            }
            long mainEvents = events;
            if (data.isEmpty()) {
                // The catalog goes in through the API, as an operator would create it.
                try (TallyServer server = BenchServer.start(store, clock)) {
                    new AdminApi(server.port()).createCatalog(1 + OTHER_CUSTOMERS);
                }
                mainEvents = fill(store, events, from, until, fillBatch, fillThreads, clock);
            } else {
                System.out.printf("reusing %s (%.2f GiB), no fill%n", store.describe(),
                        store.sizeBytes() / (1024.0 * 1024 * 1024));
            }

            long opening = System.nanoTime();
            try (TallyServer server = BenchServer.start(store, clock)) {
                System.out.printf("server started on the filled store in %.1f s%n",
                        (System.nanoTime() - opening) / 1e9);
                measure(server.port(), mainEvents, warmup, requests, clients);
            }
        }
    }

    /**
     * Fills the store through {@link MonthFill}, then runs one retention pass as the server would have (it drops
     * minute rollups older than two days), so the store is in the state a server that had received this traffic
     * would be in.
     *
     * @return the events filled in for the measured customer
     */
    private static long fill(FreshStore fresh, long events, Instant from, Instant until, int batch, int threads,
                             InstantSource clock) throws InterruptedException {
        try (TallyStore store = Stores.open(fresh.url())) {
            MachineLoad load = MachineLoad.sample();
            long started = System.nanoTime();
            long mainEvents = MonthFill.fill(store, events, from, until, batch, threads, true);
            long total = events + events / 10;
            double seconds = (System.nanoTime() - started) / 1e9;
            System.out.printf("fill: %,d events in %.1f s (%,.0f events/s) through TallyStore.append, batches of "
                    + "%,d, %d thread(s)%n", total, seconds, total / seconds, batch, threads);
            System.out.println("  " + MachineLoad.sample().since(load));
            long retentionStarted = System.nanoTime();
            RetentionJob.Result removed = new RetentionJob(store, clock, ServerConfig.DEFAULT_RETENTION).runOnce();
            System.out.printf("retention pass: removed %,d minute rollups, %,d hour rollups, %,d events in %.1f s%n",
                    removed.minuteRollups(), removed.hourRollups(), removed.events(),
                    (System.nanoTime() - retentionStarted) / 1e9);
            System.out.printf("store: %,d events, %.2f GiB (%s)%n", store.countEvents(),
                    fresh.sizeBytes() / (1024.0 * 1024 * 1024), fresh.describe());
            return mainEvents;
        }
    }

    private static void measure(int port, long events, int warmup, int requests, int clients) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + port + "/v1/customers/" + CUSTOMER + "/usage?period=current");
        HttpClient http = client();

        long t0 = System.nanoTime();
        String first = get(http, uri);
        System.out.printf("first (cold) request: %.1f ms, %,d bytes%n", (System.nanoTime() - t0) / 1e6,
                first.length());
        check(JSON.readTree(first), events);

        for (int i = 0; i < warmup; i++) {
            get(http, uri);
        }
        Histogram sequential = Latencies.histogram();
        MachineLoad load = MachineLoad.sample();
        long started = System.nanoTime();
        for (int i = 0; i < requests; i++) {
            long sent = System.nanoTime();
            get(http, uri);
            sequential.recordValue(Math.max(1, (System.nanoTime() - sent) / 1000));
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        System.out.printf("sequential, 1 client:  %s, %.0f requests/s%n", Latencies.summary(sequential),
                requests / seconds);
        System.out.println("  " + MachineLoad.sample().since(load));

        Histogram concurrent = Latencies.histogram();
        List<Thread> threads = new ArrayList<>();
        AtomicInteger left = new AtomicInteger(requests);
        load = MachineLoad.sample();
        started = System.nanoTime();
        for (int c = 0; c < clients; c++) {
            Thread t = new Thread(() -> {
                HttpClient own = client();
                Histogram mine = Latencies.histogram();
                while (left.getAndDecrement() > 0) {
                    long sent = System.nanoTime();
                    get(own, uri);
                    mine.recordValue(Math.max(1, (System.nanoTime() - sent) / 1000));
                }
                synchronized (concurrent) {
                    concurrent.add(mine);
                }
            });
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        seconds = (System.nanoTime() - started) / 1e9;
        System.out.printf("concurrent, %d clients: %s, %.0f requests/s%n", clients, Latencies.summary(concurrent),
                requests / seconds);
        System.out.println("  " + MachineLoad.sample().since(load));
    }

    /** The report must count every filled event of the customer: the answer is the real one, not an empty one. */
    private static void check(JsonNode report, long events) {
        long counted = report.path("totals").path("requests").asLong(-1);
        System.out.printf("report: %,d requests, %d days, %d models, %d endpoints in top_endpoints, %d limits, "
                        + "latency p99 %s ms, cost %s USD%n", counted, report.path("daily").size(),
                report.path("by_model").size(), report.path("top_endpoints").size(), report.path("limits").size(),
                report.path("latency_ms").path("p99").asText(), report.path("totals").path("cost").asText());
        if (counted != events) {
            throw new IllegalStateException("the report counts " + counted + " requests, the fill stored " + events);
        }
    }

    private static HttpClient client() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    private static String get(HttpClient http, URI uri) {
        return AdminApi.get(http, uri, Duration.ofSeconds(60));
    }
}
