package dev.tally.bench;

import dev.tally.server.TallyServer;
import io.javalin.Javalin;
import org.HdrHistogram.Histogram;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Authorization over HTTP: C clients post {@code POST /v1/authorize} to a real Tally server in this JVM (closed loop,
 * one request at a time per client), for customers on the benchmark plan (five limits: requests per month, day and
 * minute, an openai-only soft token budget, a cost budget priced from the catalog), each call estimating 1,200
 * tokens and reserving them for 5 s. Then, in the same run, the same clients post the same body to a bare Javalin
 * endpoint that parses nothing and answers a fixed decision of the same size: the ceiling of an HTTP endpoint on
 * this machine. Prints decisions/s, latency and the ratio.
 *
 * <pre>
 * ./mvnw -o -q -pl tally-bench -am package -DskipTests
 * java -cp tally-bench/target/benchmarks.jar dev.tally.bench.AuthorizeLoad --clients 16 --seconds 20
 * </pre>
 *
 * Flags: {@code --clients} (16), {@code --warmup} seconds (5), {@code --seconds} measured (20), {@code --customers}
 * (100).
 */
public final class AuthorizeLoad {
    private static final String USAGE = "AuthorizeLoad [--clients 16] [--warmup 5] [--seconds 20] [--customers 100]";

    private AuthorizeLoad() {
    }

    public static void main(String[] args) throws Exception {
        Flags flags = Flags.parse(args, USAGE, "clients", "warmup", "seconds", "customers");
        int clients = flags.integer("clients", 16, 1, 256);
        int warmup = flags.integer("warmup", 5, 0, 600);
        int seconds = flags.integer("seconds", 20, 1, 600);
        int customers = flags.integer("customers", 100, 1, 10_000);
        System.out.printf("AuthorizeLoad: clients %d, warm-up %d s, measured %d s%n", clients, warmup, seconds);
        System.out.println(BenchServer.describeJvm());

        Result tally;
        String sampleDecision;
        try (FreshStore store = FreshStore.create("sqlite", "authorize");
             TallyServer server = BenchServer.start(store, InstantSource.system())) {
            new AdminApi(server.port()).createCatalog(customers);
            sampleDecision = post(HttpClient.newHttpClient(), "http://127.0.0.1:" + server.port() + "/v1/check",
                    body(0)).body();
            tally = run("Tally /v1/authorize", "http://127.0.0.1:" + server.port() + "/v1/authorize", clients,
                    warmup, seconds, customers);
        }
        String fixed = sampleDecision;
        Javalin bare = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.concurrency.useVirtualThreads = Runtime.version().feature() >= 21;
            cfg.routes.post("/decide", ctx -> ctx.contentType("application/json").result(fixed));
        }).start("127.0.0.1", 0);
        Result ceiling;
        try {
            ceiling = run("bare Javalin", "http://127.0.0.1:" + bare.port() + "/decide", clients, warmup, seconds,
                    customers);
        } finally {
            bare.stop();
        }
        System.out.printf("%nTally %,.0f decisions/s (p50 %.2f ms, p99 %.2f ms); bare Javalin %,.0f/s "
                        + "(p50 %.2f ms, p99 %.2f ms). Tally / bare = %.2f%n",
                tally.perSecond, Latencies.ms(tally.latency.getValueAtPercentile(50)),
                Latencies.ms(tally.latency.getValueAtPercentile(99)), ceiling.perSecond,
                Latencies.ms(ceiling.latency.getValueAtPercentile(50)),
                Latencies.ms(ceiling.latency.getValueAtPercentile(99)), tally.perSecond / ceiling.perSecond);
    }

    record Result(double perSecond, Histogram latency) {
    }

    private static String body(int customer) {
        return "{\"customer\":\"" + AdminApi.customerId(customer) + "\",\"provider\":\"openai\",\"model\":\"gpt-4o\","
                + "\"endpoint\":\"/api/chat\",\"estimate\":{\"input_tokens\":800,\"output_tokens\":400},"
                + "\"ttl_seconds\":5}";
    }

    private static HttpResponse<String> post(HttpClient http, String url, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                        .header("Authorization", "Bearer " + AdminApi.ADMIN_KEY)
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static Result run(String name, String url, int clients, int warmup, int seconds, int customers)
            throws Exception {
        long start = System.nanoTime();
        long from = start + warmup * 1_000_000_000L;
        long to = from + seconds * 1_000_000_000L;
        AtomicLong measured = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        List<Histogram> histograms = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            Histogram h = Latencies.histogram();
            histograms.add(h);
            int first = c;
            Thread t = new Thread(() -> {
                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                int i = first;
                while (System.nanoTime() < to) {
                    long sent = System.nanoTime();
                    try {
                        int status = post(http, url, body(i++ % customers)).statusCode();
                        long done = System.nanoTime();
                        if (status != 200) {
                            failed.incrementAndGet();
                        } else if (sent >= from && done <= to) {
                            h.recordValue(Math.max(1, (done - sent) / 1000));
                            measured.incrementAndGet();
                        }
                    } catch (Exception e) {
                        failed.incrementAndGet();
                    }
                }
            }, "authorize-client-" + c);
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        Histogram all = Latencies.histogram();
        histograms.forEach(all::add);
        double perSecond = measured.get() / (double) seconds;
        System.out.printf("%s: %,.0f decisions/s over %d s; latency %s; failed %d%n", name, perSecond, seconds,
                Latencies.summary(all), failed.get());
        return new Result(perSecond, all);
    }
}
