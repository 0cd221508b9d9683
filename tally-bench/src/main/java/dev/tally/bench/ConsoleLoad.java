package dev.tally.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tally.core.event.LedgerEntry;
import dev.tally.core.pricing.PriceCatalog;
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
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The console at scale: {@code --customers} customers (1,000) sharing {@code --events} events (10,000,000) over the
 * current month, then the latency of the JSON calls the pages make (the live overview's
 * {@code GET /v1/usage?limit=1000} above all, which every open console repeats every 2 seconds), and, with
 * {@code --browser true}, the pages themselves in headless Chromium: time to a full overview table, one live refresh,
 * how soon a posted event shows, and the customer and log pages.
 *
 * <p>The store is filled directly through {@link TallyStore#append} (what the server's writer calls), as
 * {@link UsageLatency} does; every event goes to customer {@code i % customers}, evenly spread in time. The server's
 * clock stands at the last minute of the month, so every window of the plan's limits holds data.
 *
 * <pre>
 * ./mvnw -q -pl tally-bench -am package -DskipTests
 * java -Xmx3g -cp tally-bench/target/benchmarks.jar dev.tally.bench.ConsoleLoad --events 10000000 --keep true
 * java -cp tally-bench/target/benchmarks.jar dev.tally.bench.ConsoleLoad --data /tmp/tally-bench-console... \
 *      --events 10000025                                 # measure again on a kept store, no fill
 * java -cp tally-bench/target/benchmarks.jar dev.tally.bench.ConsoleLoad --events 100000   # a quick run
 * </pre>
 *
 * Flags: {@code --store sqlite|postgres} (sqlite), {@code --customers} (1,000), {@code --events} (10,000,000),
 * {@code --fill-batch} (20,000), {@code --fill-threads} (2), {@code --requests} per call (100),
 * {@code --browser true|false} (true), {@code --keep}, {@code --data DIR}. A run with the browser adds 25 calls
 * (posted to watch the live table), so a later run on the kept store passes {@code --events} 25 higher per such run
 * for its check.
 */
public final class ConsoleLoad {
    private static final String USAGE = "ConsoleLoad [--store sqlite|postgres] [--customers 1000] "
            + "[--events 10000000] [--fill-batch 20000] [--fill-threads 2] [--requests 100] [--browser true] "
            + "[--keep false] [--data DIR]";
    private static final ObjectMapper JSON = new ObjectMapper();

    private ConsoleLoad() {
    }

    public static void main(String[] args) throws Exception {
        Flags flags = Flags.parse(args, USAGE, "store", "customers", "events", "fill-batch", "fill-threads",
                "requests", "browser", "keep", "data");
        String kind = flags.text("store", "sqlite", "sqlite", "postgres");
        int customers = flags.integer("customers", 1_000, 1, 9_999);
        long events = flags.number("events", 10_000_000, 1_000, 200_000_000);
        int fillBatch = flags.integer("fill-batch", 20_000, 100, 100_000);
        int fillThreads = flags.integer("fill-threads", 2, 1, 16);
        int requests = flags.integer("requests", 100, 1, 100_000);
        boolean browser = Boolean.parseBoolean(flags.text("browser", "true", "true", "false"));
        boolean keep = Boolean.parseBoolean(flags.text("keep", "false", "true", "false"));
        String data = flags.text("data", "");

        YearMonth month = YearMonth.now(ZoneOffset.UTC);
        Instant from = month.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        Instant until = month.plusMonths(1).atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant().minusSeconds(60);
        InstantSource clock = InstantSource.fixed(until);
        System.out.printf("ConsoleLoad: store %s, %,d customers, %,d events, %s to %s%n", kind, customers, events,
                from, until);
        System.out.println(BenchServer.describeJvm());
        try (FreshStore store = data.isEmpty() ? FreshStore.create(kind, "console")
                : FreshStore.existingSqlite(Path.of(data))) {
            if (keep) {
                store.keep();
            }
            if (data.isEmpty()) {
                try (TallyServer server = BenchServer.start(store, clock)) {
                    new AdminApi(server.port()).createCatalog(customers);
                }
                fill(store, customers, events, from, until, fillBatch, fillThreads, clock);
            } else {
                System.out.printf("reusing %s (%.2f GiB), no fill%n", store.describe(),
                        store.sizeBytes() / (1024.0 * 1024 * 1024));
            }
            long opening = System.nanoTime();
            try (TallyServer server = BenchServer.start(store, clock)) {
                System.out.printf("server started on the filled store in %.1f s%n",
                        (System.nanoTime() - opening) / 1e9);
                int port = server.port();
                String overview = "/v1/usage?period=current&sort=cost&limit=1000";
                JsonNode first = JSON.readTree(get(port, overview));
                check(first, customers, events);
                String middle = AdminApi.customerId(customers / 2);
                measure(port, "overview (live table, all customers)", overview, requests);
                measure(port, "customer usage report", "/v1/customers/" + middle + "/usage?period=current",
                        requests);
                measure(port, "customer history, 12 months", "/v1/customers/" + middle + "/history?months=12",
                        requests);
                measure(port, "customer last 1,000 calls", "/v1/customers/" + middle + "/events?limit=1000",
                        requests);
                measure(port, "log page, errors only, 50", "/v1/customers/" + middle
                        + "/events?limit=50&errors=true&provider=openai", requests);
                if (browser) {
                    ConsoleTiming.run(port, AdminApi.ADMIN_KEY, AdminApi.customerId(customers - 1), middle,
                            customers, until);
                }
            }
        }
    }

    /** Appends the events in batches from several threads, then runs one retention pass as the server would. */
    private static void fill(FreshStore fresh, int customers, long events, Instant from, Instant until, int batch,
                             int threads, InstantSource clock) throws InterruptedException {
        try (TallyStore store = Stores.open(fresh.url())) {
            PriceCatalog prices = new PriceCatalog(store.prices());
            long spanMs = until.toEpochMilli() - from.toEpochMilli();
            long batches = (events + batch - 1) / batch;
            AtomicLong next = new AtomicLong();
            RuntimeException[] failure = new RuntimeException[1];
            long started = System.nanoTime();
            List<Thread> appenders = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Thread appender = new Thread(() -> {
                    try {
                        for (long b = next.getAndIncrement(); b < batches; b = next.getAndIncrement()) {
                            long first = b * batch;
                            long end = Math.min(events, first + batch);
                            SplittableRandom random = new SplittableRandom(b * 31 + 7);
                            List<LedgerEntry> entries = new ArrayList<>((int) (end - first));
                            for (long i = first; i < end; i++) {
                                Instant at = Instant.ofEpochMilli(from.toEpochMilli() + spanMs * i / events);
                                entries.add(EventMix.Call.draw(random).ledgerEntry("evt_" + Long.toString(i, 36),
                                        AdminApi.customerId((int) (i % customers)), at, prices));
                            }
                            store.append(entries);
                            if (b % Math.max(1, batches / 10) == 0) {
                                System.out.printf("  filled %d%% in %.0f s%n", 100 * b / batches,
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
            System.out.printf("fill: %,d events in %.1f s (%,.0f events/s)%n", events, seconds, events / seconds);
            RetentionJob.Result removed = new RetentionJob(store, clock, ServerConfig.DEFAULT_RETENTION).runOnce();
            System.out.printf("retention pass removed %,d minute rollups; store: %.2f GiB (%s)%n",
                    removed.minuteRollups(), fresh.sizeBytes() / (1024.0 * 1024 * 1024), fresh.describe());
        }
    }

    /** The overview must list every customer and count every event: the answer is the real one. */
    private static void check(JsonNode overview, int customers, long events) {
        long counted = overview.path("totals").path("requests").asLong(-1);
        System.out.printf("overview: %,d customers, %,d requests in total, cost %s USD%n",
                overview.path("customer_count").asLong(), counted, overview.path("totals").path("cost").asText());
        if (overview.path("customers").size() != customers || counted != events) {
            throw new IllegalStateException("the overview lists " + overview.path("customers").size()
                    + " customers and " + counted + " requests; the fill stored " + customers + " and " + events);
        }
    }

    private static void measure(int port, String what, String path, int requests) {
        long t0 = System.nanoTime();
        int bytes = get(port, path).length();
        double coldMs = (System.nanoTime() - t0) / 1e6;
        for (int i = 0; i < Math.min(20, requests); i++) {
            get(port, path);
        }
        Histogram h = Latencies.histogram();
        for (int i = 0; i < requests; i++) {
            long sent = System.nanoTime();
            get(port, path);
            h.recordValue(Math.max(1, (System.nanoTime() - sent) / 1000));
        }
        System.out.printf("%-38s %s (first %.0f ms, %,d bytes)%n", what + ":", Latencies.summary(h), coldMs, bytes);
    }

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    static String get(int port, String path) {
        return AdminApi.get(HTTP, URI.create("http://127.0.0.1:" + port + path), Duration.ofSeconds(120));
    }
}
