package dev.tally.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tally.server.TallyServer;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Durable ingestion over HTTP: C clients post batches of B events to {@code POST /v1/events} of a real Tally
 * server in this JVM, each client on its own connection, one request at a time (a closed loop: a client sends its
 * next batch when the previous one is acknowledged, so latencies are those of a saturated server, without
 * coordinated-omission correction).
 *
 * <p>The server runs as in production: the group-commit writer, SQLite in WAL mode with {@code synchronous=FULL}
 * (or PostgreSQL with its durable defaults), an answer only after the commit. It has 100 customers on one plan and
 * prices for every model the clients send. Every event has a unique id. After a warm-up, the command measures for
 * a fixed time and reports events/s, requests/s and request latency; then it checks that the server holds exactly
 * the events it acknowledged (ledger rows and the rollup total of the overview), so a lost or doubled event fails
 * the run. Finally, unless {@code --baseline false}, it runs the same rows with the same batch size on fresh stores
 * of the same kind through {@link StoreAppend} (Tally's store without the server) and {@link RawJdbcInsert} (a plain
 * JDBC batch insert, the ceiling), and prints the ratios.
 *
 * <p>The load generator shares the machine's cores with the server (and with PostgreSQL): on a small machine its
 * JSON writing and HTTP client take CPU that the server would otherwise have. So the run prints this JVM's CPU per
 * acknowledged event by kind of thread ({@link ThreadCpu#INGEST_GROUPS}: JIT, GC, load generator, HTTP, the
 * writer's preparing and committing threads, the PostgreSQL roller): the JIT's share is warm-up, which a short
 * {@code --warmup} on a busy machine leaves inside the measured window. It also prints the heap bytes allocated per
 * event by the same kinds of thread ({@link ThreadAllocation}), the work behind the GC's share, which does not move
 * with the machine's load.
 *
 * <pre>
 * ./mvnw -o -q -pl tally-bench -am package -DskipTests
 * java -cp tally-bench/target/benchmarks.jar dev.tally.bench.IngestLoad --store sqlite --batch 100 --clients 8
 * java -cp tally-bench/target/benchmarks.jar dev.tally.bench.IngestLoad --store postgres --batch 1000
 * java -cp tally-bench/target/benchmarks.jar dev.tally.bench.IngestLoad --store sqlite --batch 1 --clients 64
 * </pre>
 *
 * With {@code --batch 1} every request is one event as a bare JSON object (not an array), the way most clients send
 * usage: the per-request costs of HTTP, the hand-offs to the writer and the answer dominate.
 *
 * Flags: {@code --store sqlite|postgres} (sqlite), {@code --batch} events per request (100), {@code --clients} (8),
 * {@code --warmup} seconds (10), {@code --seconds} measured (30), {@code --max-requests} a cap over the whole run
 * (2,000,000), {@code --customers} (100), {@code --baseline true|false} (true), {@code --nodes 1|2} (1; 2: a
 * second server on the same PostgreSQL schema, the clients spread over both, and the raw insert from two
 * connections), {@code --end-users
 * default|none|users|many-users|compare|compare-many} (default: a user among 500 per event; none: no user; users:
 * issue 13's mix, 10,000 end users in all (100 per customer) and two dimensions; many-users: 100 times the users,
 * 10,000 per customer; compare: none, users, none, users on fresh stores, then the ratio of users to none, the
 * write-path cost of the end user and dimension rollups, issue 13; compare-many: the same with many-users).
 *
 * <pre>
 * java -cp tally-bench/target/benchmarks.jar dev.tally.bench.IngestLoad --store sqlite --end-users compare \
 *     --warmup 5 --seconds 15 --baseline false
 * </pre>
 */
public final class IngestLoad {
    private static final String USAGE = "IngestLoad [--store sqlite|postgres] [--batch 100] [--clients 8] "
            + "[--warmup 10] [--seconds 30] [--max-requests 2000000] [--customers 100] [--baseline true|false] "
            + "[--end-users default|none|users|many-users|compare|compare-many] [--nodes 1|2]";

    private IngestLoad() {
    }

    public static void main(String[] args) throws Exception {
        Flags flags = Flags.parse(args, USAGE, "store", "batch", "clients", "warmup", "seconds", "max-requests",
                "customers", "baseline", "end-users", "nodes");
        String kind = flags.text("store", "sqlite", "sqlite", "postgres");
        int batch = flags.integer("batch", 100, 1, 10_000);
        int clients = flags.integer("clients", 8, 1, 256);
        int warmup = flags.integer("warmup", 10, 0, 600);
        int seconds = flags.integer("seconds", 30, 1, 3600);
        long maxRequests = flags.number("max-requests", 2_000_000, 1, 100_000_000);
        int customers = flags.integer("customers", 100, 1, 10_000);
        boolean baseline = Boolean.parseBoolean(flags.text("baseline", "true", "true", "false"));
        String endUsers = flags.text("end-users", "default", "default", "none", "users", "many-users", "compare",
                "compare-many");
        int nodes = flags.integer("nodes", 1, 1, 2);
        if (nodes > 1 && !kind.equals("postgres")) {
            throw new IllegalArgumentException("--nodes 2 needs --store postgres (one SQLite file has one writer)");
        }
        if (endUsers.startsWith("compare")) {
            compareEndUsers(kind, batch, clients, warmup, seconds, maxRequests, customers, endUsers.equals("compare")
                    ? EventMix.EndUserMix.USERS_AND_DIMENSIONS : EventMix.EndUserMix.MANY_USERS_AND_DIMENSIONS);
            return;
        }
        EventMix.EndUserMix mix = switch (endUsers) {
            case "none" -> EventMix.EndUserMix.NONE;
            case "users" -> EventMix.EndUserMix.USERS_AND_DIMENSIONS;
            case "many-users" -> EventMix.EndUserMix.MANY_USERS_AND_DIMENSIONS;
            default -> EventMix.EndUserMix.DEFAULT;
        };

        System.out.printf("IngestLoad: store %s, batch %d, clients %d, nodes %d, warm-up %d s, measured %d s%n", kind,
                batch, clients, nodes, warmup, seconds);
        System.out.println(BenchServer.describeJvm());
        Result tally;
        try (FreshStore store = FreshStore.create(kind, "ingest")) {
            tally = run(store, batch, clients, warmup, seconds, maxRequests, customers, mix, nodes);
        }
        if (!tally.consistent) {
            System.out.println("FAILED: the server does not hold exactly the acknowledged events");
            System.exit(2);
        }
        if (baseline) {
            int baselineWarmup = Math.min(warmup, 5);
            int baselineSeconds = Math.min(seconds, 20);
            System.out.println();
            double store = StoreAppend.run(kind, batch, baselineWarmup, baselineSeconds, customers);
            System.out.println();
            // As many inserting connections as nodes: each node commits one batch at a time.
            RawJdbcInsert.Result raw = RawJdbcInsert.run(kind, batch, baselineWarmup, baselineSeconds, customers,
                    false, nodes);
            System.out.println();
            System.out.printf("%s, batch %d, %d node(s): Tally over HTTP %,.0f events/s; TallyStore.append %,.0f; raw "
                            + "JDBC insert (%d connection(s)) %,.0f. Tally / raw = %.2f, store / raw = %.2f%n", kind,
                    batch, nodes, tally.eventsPerSecond, store, nodes, raw.eventsPerSecond(),
                    tally.eventsPerSecond / raw.eventsPerSecond(), store / raw.eventsPerSecond());
        }
    }

    /**
     * The same load without end users and with {@code users} (issue 13's 10,000 users and two dimensions, or 100
     * times the users), alternating twice on fresh stores (the machine may be shared: alternating spreads its noise
     * over both), and the ratio of their means.
     */
    private static void compareEndUsers(String kind, int batch, int clients, int warmup, int seconds,
                                        long maxRequests, int customers, EventMix.EndUserMix users) throws Exception {
        EventMix.EndUserMix[] order = {EventMix.EndUserMix.NONE, users, EventMix.EndUserMix.NONE, users};
        double[] sums = new double[2];
        StringBuilder runs = new StringBuilder();
        for (EventMix.EndUserMix mix : order) {
            System.out.println();
            System.out.println("end users: " + mix);
            Result r;
            try (FreshStore store = FreshStore.create(kind, "ingest")) {
                r = run(store, batch, clients, warmup, seconds, maxRequests, customers, mix);
            }
            if (!r.consistent) {
                System.out.println("FAILED: the server does not hold exactly the acknowledged events");
                System.exit(2);
            }
            sums[mix == EventMix.EndUserMix.NONE ? 0 : 1] += r.eventsPerSecond;
            runs.append(String.format(" %s %,.0f;", mix, r.eventsPerSecond));
        }
        System.out.println();
        System.out.printf("%s, batch %d, clients %d: events/s by run:%s with users and dimensions / without = %.2f%n",
                kind, batch, clients, runs, sums[1] / sums[0]);
    }

    /** What a run measured. */
    record Result(double eventsPerSecond, double requestsPerSecond, Histogram latency, boolean consistent) {
    }

    static Result run(FreshStore store, int batch, int clients, int warmupSeconds, int seconds, long maxRequests,
                      int customers) throws Exception {
        return run(store, batch, clients, warmupSeconds, seconds, maxRequests, customers, EventMix.EndUserMix.DEFAULT);
    }

    static Result run(FreshStore store, int batch, int clients, int warmupSeconds, int seconds, long maxRequests,
                      int customers, EventMix.EndUserMix mix) throws Exception {
        return run(store, batch, clients, warmupSeconds, seconds, maxRequests, customers, mix, 1);
    }

    /**
     * With {@code nodes} 2, a second server on the same PostgreSQL schema (as a second node would run), and the
     * clients spread over both; the writer figures are the first node's.
     */
    static Result run(FreshStore store, int batch, int clients, int warmupSeconds, int seconds, long maxRequests,
                      int customers, EventMix.EndUserMix mix, int nodes) throws Exception {
        try (TallyServer server = BenchServer.start(store, InstantSource.system());
             TallyServer second = nodes > 1 ? BenchServer.start(store, InstantSource.system()) : null) {
            AdminApi admin = new AdminApi(server.port());
            admin.createCatalog(customers);
            System.out.println("server on port " + server.port() + ", store " + store.describe());
            int[] ports = second == null ? new int[]{server.port()} : new int[]{server.port(), second.port()};
            if (second != null) {
                System.out.println("second node on port " + second.port());
                awaitCatalog(new AdminApi(second.port()), customers);
            }

            long start = System.nanoTime();
            Window window = new Window(start + warmupSeconds * 1_000_000_000L,
                    start + (warmupSeconds + seconds) * 1_000_000_000L, maxRequests);
            String run = Long.toString(System.currentTimeMillis(), 36);
            List<Client> all = new ArrayList<>();
            List<Thread> threads = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                Client client = new Client(c, run, ports[c % ports.length], batch, customers, window, mix);
                all.add(client);
                Thread t = new Thread(client, "load-client-" + c);
                threads.add(t);
                t.start();
            }

            // Server-side figures over the measured window: the writer's commits and the JVM's CPU time.
            sleepUntil(window.from);
            Snapshot before = Snapshot.take(admin);
            sleepUntil(window.to);
            Snapshot after = Snapshot.take(admin);
            for (Thread t : threads) {
                t.join();
            }

            Histogram latency = Latencies.histogram();
            long events = 0;
            long requests = 0;
            long acknowledged = 0;
            long duplicates = 0;
            long rejected = 0;
            Map<String, Long> failures = new ConcurrentHashMap<>();
            for (Client c : all) {
                latency.add(c.latency);
                events += c.measuredEvents;
                requests += c.measuredRequests;
                acknowledged += c.acknowledged;
                duplicates += c.duplicates;
                rejected += c.rejected;
                c.failures.forEach((k, v) -> failures.merge(k, v, Long::sum));
            }
            double measuredSeconds = (window.to - window.from) / 1e9;
            double eventsPerSecond = events / measuredSeconds;
            double requestsPerSecond = requests / measuredSeconds;

            System.out.println();
            System.out.printf("measured %.1f s: %,d events in %,d requests%n", measuredSeconds, events, requests);
            System.out.printf("  events/s   %,.0f%n", eventsPerSecond);
            System.out.printf("  requests/s %,.0f%n", requestsPerSecond);
            System.out.println("  latency    " + Latencies.summary(latency));
            after.printDelta(before, measuredSeconds, events);
            if (!failures.isEmpty()) {
                System.out.println("  failed requests (not counted): " + failures);
            }

            // The check: the server holds exactly what it acknowledged, no more, no less.
            long ledger = server.store().countEvents();
            JsonNode overview = admin.get("/v1/usage?period=current&limit=1000");
            long rollupTotal = overview.path("totals").path("requests").asLong(-1);
            boolean consistent = ledger == acknowledged && rollupTotal == acknowledged && duplicates == 0
                    && rejected == 0;
            System.out.printf("check: acknowledged %,d (whole run), ledger rows %,d, rollup total %,d, "
                    + "duplicates %d, rejected %d: %s%n", acknowledged, ledger, rollupTotal, duplicates, rejected,
                    consistent ? "OK" : "MISMATCH");
            return new Result(eventsPerSecond, requestsPerSecond, latency, consistent);
        }
    }

    /** Waits (at most 30 s) until a second node knows the last customer the first one created. */
    private static void awaitCatalog(AdminApi node, int customers) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        String last = "/v1/customers/" + AdminApi.customerId(customers - 1);
        while (true) {
            try {
                node.get(last);
                return;
            } catch (RuntimeException e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the second node did not see the catalog within 30 s", e);
                }
                Thread.sleep(100);
            }
        }
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        long wait = nanoTime - System.nanoTime();
        if (wait > 0) {
            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
    }

    /** The measured window, on the {@link System#nanoTime()} scale, and the cap on requests over the whole run. */
    private static final class Window {
        final long from;
        final long to;
        final long maxRequests;
        final AtomicLong issued = new AtomicLong();

        Window(long from, long to, long maxRequests) {
            this.from = from;
            this.to = to;
            this.maxRequests = maxRequests;
        }

        boolean mayIssue() {
            return System.nanoTime() < to && issued.incrementAndGet() <= maxRequests;
        }
    }

    /** One client: its own HttpClient, so its own connection, sending one batch at a time. */
    private static final class Client implements Runnable {
        private static final ObjectMapper JSON = new ObjectMapper();

        private final int index;
        private final String run;
        private final URI uri;
        private final int batch;
        private final int customers;
        private final Window window;
        private final EventMix.EndUserMix mix;
        private final SplittableRandom random;
        private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        final Histogram latency = Latencies.histogram();
        final Map<String, Long> failures = new ConcurrentHashMap<>();
        long measuredEvents;
        long measuredRequests;
        long acknowledged;
        long duplicates;
        long rejected;
        private long sequence;

        Client(int index, String run, int port, int batch, int customers, Window window, EventMix.EndUserMix mix) {
            this.mix = mix;
            this.index = index;
            this.run = run;
            this.uri = URI.create("http://127.0.0.1:" + port + "/v1/events");
            this.batch = batch;
            this.customers = customers;
            this.window = window;
            this.random = new SplittableRandom(index * 7919L + 17);
        }

        @Override
        public void run() {
            StringBuilder body = new StringBuilder(batch * 340);
            while (window.mayIssue()) {
                body.setLength(0);
                writeBatch(body);
                HttpRequest request = HttpRequest.newBuilder(uri)
                        .timeout(Duration.ofSeconds(60))
                        .header("Authorization", "Bearer " + AdminApi.ADMIN_KEY)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                        .build();
                long sent = System.nanoTime();
                try {
                    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                    long done = System.nanoTime();
                    if (response.statusCode() != 200) {
                        failures.merge("HTTP " + response.statusCode(), 1L, Long::sum);
                        continue;
                    }
                    JsonNode answer = JSON.readTree(response.body());
                    long accepted = answer.path("accepted").asLong();
                    acknowledged += accepted;
                    duplicates += answer.path("duplicates").asLong();
                    rejected += answer.path("rejected").size();
                    if (done >= window.from && done < window.to) {
                        latency.recordValue(Math.max(1, (done - sent) / 1000));
                        measuredEvents += accepted;
                        measuredRequests++;
                    }
                } catch (IOException e) {
                    failures.merge(e.getClass().getSimpleName(), 1L, Long::sum);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }

        /**
         * A JSON array of {@code batch} events stamped now, each with a new id, for random customers; with a batch of
         * one, the event alone (a JSON object), as clients that send one event per call do.
         */
        private void writeBatch(StringBuilder sb) {
            String now = Instant.now().truncatedTo(ChronoUnit.MILLIS).toString();
            boolean array = batch > 1;
            if (array) {
                sb.append('[');
            }
            for (int i = 0; i < batch; i++) {
                if (i > 0) {
                    sb.append(',');
                }
                String id = "evt_" + run + "_" + index + "_" + Long.toString(sequence++, 36);
                EventMix.Call.draw(random).appendJson(sb, id, AdminApi.customerId(random.nextInt(customers)), now, mix,
                        random);
            }
            if (array) {
                sb.append(']');
            }
        }
    }

    /** The writer's counters on {@code /metrics} and the JVM's CPU time at one moment. */
    private record Snapshot(double commits, double committedEvents, double commitSeconds, MachineLoad load,
                            long writerCpuNanos, long[] storeThreadCpuNanos, ThreadCpu threads,
                            ThreadAllocation allocation, long at) {
        /**
         * The store's other threads (preparing a batch, summing pending rollups and end user sums), whose CPU per
         * event is printed beside the writer's: work moved off the writer shows up there.
         */
        private static final String[] STORE_THREADS = {"tally-writer-prepare", "tally-rollup-fold",
            "tally-enduser-fold"};

        static Snapshot take(AdminApi admin) {
            String m = admin.metrics();
            long[] store = new long[STORE_THREADS.length];
            for (int i = 0; i < store.length; i++) {
                store[i] = threadCpuNanos(STORE_THREADS[i]);
            }
            return new Snapshot(AdminApi.metric(m, "tally_writer_batch_events_count"),
                    AdminApi.metric(m, "tally_writer_batch_events_sum"),
                    AdminApi.metric(m, "tally_writer_commit_seconds_sum"),
                    MachineLoad.sample(), threadCpuNanos("tally-writer"), store,
                    ThreadCpu.sample(ProcessHandle.current().pid(), ThreadCpu.INGEST_GROUPS),
                    ThreadAllocation.sample(), System.nanoTime());
        }

        /**
         * CPU time of the first thread named {@code name} (tally-writer: the group-commit writer, where the store's
         * append runs), or -1 if not found.
         */
        private static long threadCpuNanos(String name) {
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                if (t.getName().equals(name)) {
                    return threads.getThreadCpuTime(t.getId());
                }
            }
            return -1;
        }

        void printDelta(Snapshot before, double seconds, long ackedEvents) {
            double commits = this.commits - before.commits;
            double events = committedEvents - before.committedEvents;
            double busy = commitSeconds - before.commitSeconds;
            double wall = (at - before.at) / 1e9;
            System.out.printf("  writer     %,.0f commits, %.0f events per commit, %.2f ms per commit, "
                            + "store busy %.0f%% of the time, writer thread CPU %.0f%% of a core%n",
                    commits, commits == 0 ? 0 : events / commits, commits == 0 ? 0 : busy * 1000 / commits,
                    100 * busy / seconds, 100 * (writerCpuNanos - before.writerCpuNanos) / 1e9 / wall);
            StringBuilder perEvent = new StringBuilder(String.format("  CPU per event: tally-writer %.1f us",
                    events == 0 ? 0 : (writerCpuNanos - before.writerCpuNanos) / 1e3 / events));
            for (int i = 0; i < STORE_THREADS.length; i++) {
                if (storeThreadCpuNanos[i] >= 0 && before.storeThreadCpuNanos[i] >= 0) {
                    perEvent.append(String.format(", %s %.1f us", STORE_THREADS[i],
                            events == 0 ? 0 : (storeThreadCpuNanos[i] - before.storeThreadCpuNanos[i]) / 1e3 / events));
                }
            }
            System.out.println(perEvent);
            System.out.println("  " + load.since(before.load) + "; the JVM holds server and load generator");
            // The JVM's CPU per committed event by kind of thread (with 2 nodes, both nodes' threads and all the
            // events of both, since both run in this JVM: the commits above are the first node's).
            Map<String, Double> byThread = threads.secondsSince(before.threads);
            double total = byThread.values().stream().mapToDouble(Double::doubleValue).sum();
            System.out.printf("  JVM CPU per event by thread (events acknowledged in the window): %s; total %.1f us%n",
                    ThreadCpu.perRequest(byThread, ackedEvents), ackedEvents == 0 ? 0 : total * 1e6 / ackedEvents);
            // Bytes allocated, the GC's work: load-independent, so builds compare on a busy machine too.
            System.out.printf("  JVM heap bytes allocated per event by thread: %s%n",
                    allocation.perEventSince(before.allocation, ThreadCpu.INGEST_GROUPS, ackedEvents));
        }
    }
}
