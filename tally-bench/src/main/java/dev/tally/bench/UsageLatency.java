package dev.tally.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tally.core.event.LedgerEntry;
import dev.tally.core.pricing.PriceCatalog;
import dev.tally.core.retention.RetentionJob;
import dev.tally.core.store.TallyStore;
import dev.tally.server.TallyServer;
import dev.tally.server.config.ServerConfig;
import dev.tally.store.Stores;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

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
 * {@code --fill-batch} events per append (10,000), {@code --fill-threads} (2), {@code --warmup} requests (300),
 * {@code --requests} (2,000), {@code --clients} (8), {@code --until month-end|now}, {@code --keep true} to keep the
 * filled store.
 */
public final class UsageLatency {
    private static final String USAGE = "UsageLatency [--store sqlite|postgres] [--events 10000000] "
            + "[--fill-batch 10000] [--fill-threads 2] [--warmup 300] [--requests 2000] [--clients 8] "
            + "[--until month-end|now] [--keep false]";
    private static final String CUSTOMER = AdminApi.customerId(0);
    private static final int OTHER_CUSTOMERS = 9;
    private static final ObjectMapper JSON = new ObjectMapper();

    private UsageLatency() {
    }

    public static void main(String[] args) throws Exception {
        Flags flags = Flags.parse(args, USAGE, "store", "events", "fill-batch", "fill-threads", "warmup",
                "requests", "clients", "until", "keep");
        String kind = flags.text("store", "sqlite", "sqlite", "postgres");
        long events = flags.number("events", 10_000_000, 1_000, 200_000_000);
        int fillBatch = flags.integer("fill-batch", 10_000, 100, 100_000);
        int fillThreads = flags.integer("fill-threads", 2, 1, 16);
        int warmup = flags.integer("warmup", 300, 0, 100_000);
        int requests = flags.integer("requests", 2_000, 1, 1_000_000);
        int clients = flags.integer("clients", 8, 1, 256);
        boolean monthEnd = flags.text("until", "month-end", "month-end", "now").equals("month-end");
        boolean keep = Boolean.parseBoolean(flags.text("keep", "false", "true", "false"));

        YearMonth month = YearMonth.now(ZoneOffset.UTC);
        Instant from = month.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        Instant monthEndsAt = month.plusMonths(1).atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        InstantSource clock = monthEnd ? InstantSource.fixed(monthEndsAt.minusSeconds(60)) : InstantSource.system();
        Instant until = clock.instant();

        System.out.printf("UsageLatency: store %s, %,d events for %s and %,d for %d others, %s to %s%n", kind,
                events, CUSTOMER, events / 10, OTHER_CUSTOMERS, from, until);
        System.out.println(BenchServer.describeJvm());
        try (FreshStore store = FreshStore.create(kind, "usage")) {
            if (keep) {
                store.keep();
            }
            // The catalog goes in through the API, as an operator would create it.
            try (TallyServer server = BenchServer.start(store, clock)) {
                new AdminApi(server.port()).createCatalog(1 + OTHER_CUSTOMERS);
            }
            long mainEvents = fill(store, events, from, until, fillBatch, fillThreads, clock);
            System.out.printf("store size: %.2f GiB (%s)%n", store.sizeBytes() / (1024.0 * 1024 * 1024),
                    store.describe());

            long opening = System.nanoTime();
            try (TallyServer server = BenchServer.start(store, clock)) {
                System.out.printf("server started on the filled store in %.1f s%n",
                        (System.nanoTime() - opening) / 1e9);
                measure(server.port(), mainEvents, warmup, requests, clients);
            }
        }
    }

    /**
     * Appends {@code events} and a tenth as many for the other customers in batches from {@code threads} threads, each batch in event-time order, then runs one
     * retention pass as the server would have (it drops minute rollups older than two days), so the store is in
     * the state a server that had received this traffic would be in.
     *
     * @return the events filled in for the measured customer
     */
    private static long fill(FreshStore fresh, long events, Instant from, Instant until, int batch, int threads,
                             InstantSource clock) throws InterruptedException {
        long total = events + events / 10;
        long spanMs = until.toEpochMilli() - from.toEpochMilli();
        long batches = (total + batch - 1) / batch;
        AtomicLong next = new AtomicLong();
        AtomicInteger reported = new AtomicInteger();
        long started = System.nanoTime();
        try (TallyStore store = Stores.open(fresh.url())) {
            PriceCatalog prices = new PriceCatalog(store.prices());
            List<Thread> appenders = new ArrayList<>();
            RuntimeException[] failure = new RuntimeException[1];
            for (int t = 0; t < threads; t++) {
                Thread appender = new Thread(() -> {
                    try {
                        for (long b = next.getAndIncrement(); b < batches; b = next.getAndIncrement()) {
                            long first = b * batch;
                            long end = Math.min(total, first + batch);
                            store.append(batch(b, first, end, total, from.toEpochMilli(), spanMs, prices));
                            int percent = (int) (100 * (b + 1) / batches);
                            if (percent / 10 > reported.get() && reported.getAndSet(percent / 10) < percent / 10) {
                                System.out.printf("  filled %d%% in %.0f s%n", percent,
                                        (System.nanoTime() - started) / 1e9);
                            }
                        }
                    } catch (RuntimeException e) {
                        failure[0] = e;
                        next.set(batches);
                    }
                }, "fill-" + t);
                appender.start();
                appenders.add(appender);
            }
            for (Thread appender : appenders) {
                appender.join();
            }
            if (failure[0] != null) {
                throw failure[0];
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            System.out.printf("fill: %,d events in %.1f s (%,.0f events/s) through TallyStore.append, batches of "
                    + "%,d, %d thread(s)%n", total, seconds, total / seconds, batch, threads);
            long retentionStarted = System.nanoTime();
            RetentionJob.Result removed = new RetentionJob(store, clock, ServerConfig.DEFAULT_RETENTION).runOnce();
            System.out.printf("retention pass: removed %,d minute rollups, %,d hour rollups, %,d events in %.1f s%n",
                    removed.minuteRollups(), removed.hourRollups(), removed.events(),
                    (System.nanoTime() - retentionStarted) / 1e9);
        }
        // Every eleventh event went to another customer.
        return total - total / 11;
    }

    /** Events {@code [first, end)} of the fill: evenly spread in time; every eleventh for another customer. */
    private static List<LedgerEntry> batch(long b, long first, long end, long total, long fromMs, long spanMs,
                                           PriceCatalog prices) {
        SplittableRandom random = new SplittableRandom(b * 31 + 7);
        List<LedgerEntry> entries = new ArrayList<>((int) (end - first));
        for (long i = first; i < end; i++) {
            Instant t = Instant.ofEpochMilli(fromMs + spanMs * i / total);
            String customer = i % 11 == 10 ? AdminApi.customerId(1 + (int) (i / 11 % OTHER_CUSTOMERS)) : CUSTOMER;
            entries.add(EventMix.Call.draw(random).ledgerEntry("evt_" + Long.toString(i, 36), customer, t, prices));
        }
        return entries;
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
        long started = System.nanoTime();
        for (int i = 0; i < requests; i++) {
            long sent = System.nanoTime();
            get(http, uri);
            sequential.recordValue(Math.max(1, (System.nanoTime() - sent) / 1000));
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        System.out.printf("sequential, 1 client:  %s, %.0f requests/s%n", Latencies.summary(sequential),
                requests / seconds);

        Histogram concurrent = Latencies.histogram();
        List<Thread> threads = new ArrayList<>();
        AtomicInteger left = new AtomicInteger(requests);
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
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + AdminApi.ADMIN_KEY).GET().build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("GET " + uri + " answered " + response.statusCode() + ": "
                        + response.body());
            }
            return response.body();
        } catch (IOException e) {
            throw new IllegalStateException("GET " + uri + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
