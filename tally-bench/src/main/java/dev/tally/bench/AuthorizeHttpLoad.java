package dev.tally.bench;

import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Authorization over HTTP at a fixed offered rate, measured without coordinated omission: {@code POST /v1/authorize}
 * to a Tally server in its own process ({@code tally.jar serve}, started here on the JVM given by {@code --java}),
 * then, in the same run, the same requests to the bare Javalin endpoint of {@code tally-bench/wrk/BareServer.java}
 * (answers a fixed decision of the same size, parsing nothing): the ceiling of an HTTP endpoint on this machine.
 *
 * <p>How it measures: {@code --connections} keep-alive HTTP/1.1 connections (one thread each, plain sockets) share
 * the offered rate; request {@code k} of a connection is due at {@code start + offset + k * connections / rate}
 * and its latency is taken from that <em>intended</em> send time to the last byte of the answer, so a server stall
 * delays and counts every request due during it (what wrk2 does; wrk and closed-loop clients hide it). Each latency
 * goes into an HdrHistogram. {@code --rate 0} runs closed loop instead (each connection sends as soon as the previous
 * answer arrived): the maximum throughput, with latency from the actual send.
 *
 * <p>The load generator shares the machine's cores with the server: it prints its own CPU, the server's CPU per
 * answer served in the window (from {@code /proc}; the window's CPU over the answers it gave, whenever they were due,
 * so a backlog does not hide it) and everything else's, the servers' GC pauses during the measured window (from
 * their {@code -Xlog:gc}), and each node's CPU by kind of thread ({@link ThreadCpu}: JIT, GC, Redis client, HTTP,
 * other), which tells a node still compiling from one at work. {@code --node-options} passes JVM options to the
 * Tally nodes (a flight recording, compiler settings). Calls reserve {@code --ttl} seconds and are never settled, as
 * in {@code wrk/run.sh}, so about {@code rate * ttl} reservations are pending at any moment: the worst case for the
 * heap.
 *
 * <p>Several nodes ({@code --nodes 2}): that many Tally servers, each in its own process, on one fresh PostgreSQL
 * schema ({@code TALLY_DATABASE_URL}) and one Redis ({@code TALLY_REDIS_URL}, under a fresh key prefix removed at
 * the end), the connections spread over them in turn: the decisions are shared, as behind a load balancer. The
 * catalog is created through the first node and the run waits until every node sees it. {@code --redis} gives one
 * node Redis counters too; the bare ceiling stays one process.
 *
 * <pre>
 * ./mvnw -o -q -pl tally-bench,tally-server -am package -DskipTests
 * java -cp tally-bench/target/benchmarks.jar dev.tally.bench.AuthorizeHttpLoad --rate 10000 --connections 32 \
 *     --seconds 20 [--java /usr/lib/jvm/temurin-25-jdk-amd64/bin/java]
 * java -cp tally-bench/target/benchmarks.jar dev.tally.bench.AuthorizeHttpLoad --rate 0 --connections 32
 * java -cp tally-bench/target/benchmarks.jar dev.tally.bench.AuthorizeHttpLoad --rate 10000 --connections 32 \
 *     --nodes 2 --redis redis://127.0.0.1:6379
 * </pre>
 */
public final class AuthorizeHttpLoad {
    private static final String USAGE = "AuthorizeHttpLoad [--rate 10000 (0: closed loop)] [--connections 32] "
            + "[--warmup 10] [--seconds 20] [--customers 100] [--ttl 5] [--java <java binary for the servers>] "
            + "[--server-jar tally-server/target/tally.jar] [--bare-source tally-bench/wrk/BareServer.java] "
            + "[--servers tally,bare] [--heap <e.g. 1g, default the JVM's>] [--nodes 1 (2..4: on PostgreSQL and Redis)] "
            + "[--redis <URL; default redis://127.0.0.1:6379 with --nodes 2 or more, else none>] "
            + "[--node-options '<JVM options of the Tally nodes, e.g. -XX:StartFlightRecording=...>']";
    private static final Pattern PAUSE = Pattern.compile("Pause.* (\\d+(?:\\.\\d+)?)ms$");

    private AuthorizeHttpLoad() {
    }

    public static void main(String[] args) throws Exception {
        Flags flags = Flags.parse(args, USAGE, "rate", "connections", "warmup", "seconds", "customers", "ttl",
                "java", "server-jar", "bare-source", "servers", "heap", "nodes", "redis", "node-options");
        Settings s = new Settings(
                flags.integer("rate", 10_000, 0, 1_000_000),
                flags.integer("connections", 32, 1, 1024),
                flags.integer("warmup", 10, 0, 600),
                flags.integer("seconds", 20, 1, 600),
                flags.integer("customers", 100, 1, 10_000),
                flags.integer("ttl", 5, 1, 3600));
        String java = flags.text("java", Path.of(System.getProperty("java.home"), "bin", "java").toString());
        Path serverJar = Path.of(flags.text("server-jar", "tally-server/target/tally.jar"));
        Path bareSource = Path.of(flags.text("bare-source", "tally-bench/wrk/BareServer.java"));
        List<String> servers = List.of(flags.text("servers", "tally,bare").split(","));
        String heap = flags.text("heap", "");
        int nodes = flags.integer("nodes", 1, 1, 4);
        String redis = flags.text("redis", nodes > 1 ? RedisKeys.URL : "");
        String nodeOptions = flags.text("node-options", "").trim();
        List<String> nodeJvm = nodeOptions.isEmpty() ? List.of() : List.of(nodeOptions.split("\\s+"));
        System.out.printf("AuthorizeHttpLoad: %s, %d connections, warm-up %d s, measured %d s, %d customers, "
                        + "ttl %d s; %d Tally node(s)%s%s; servers on %s%s; load generator on Java %s, %d CPUs%n",
                s.rate == 0 ? "closed loop" : String.format("%,d requests/s offered", s.rate), s.connections,
                s.warmup, s.seconds, s.customers, s.ttl, nodes, nodes > 1 ? " on PostgreSQL" : "",
                redis.isEmpty() ? " (counters in the process)" : " with counters in Redis " + redis, java,
                heap.isEmpty() ? "" : " -Xmx" + heap,
                Runtime.version(), Runtime.getRuntime().availableProcessors());

        Result tally = null;
        Result bare = null;
        String sample = null;
        Path work = Files.createTempDirectory("tally-http-load");
        try {
            if (servers.contains("tally")) {
                try (Nodes cluster = Nodes.start(work, nodes, redis, java, heap, nodeJvm, serverJar)) {
                    new AdminApi(cluster.first().port).createCatalog(s.customers);
                    cluster.awaitCatalog(s);
                    sample = post("http://127.0.0.1:" + cluster.first().port + "/v1/authorize", body(0, s.ttl));
                    tally = run("Tally POST /v1/authorize on " + nodes + " node(s)"
                            + (redis.isEmpty() ? "" : ", counters in Redis"), cluster.children, "/v1/authorize", s);
                }
            }
            if (servers.contains("bare")) {
                if (sample == null) {
                    // The ceiling answers what Tally would: ask a Tally server once for a decision, then stop it.
                    try (Child server = Child.start(work, "tally-sample", java, heap, List.of("-jar",
                            serverJar.toString(), "serve", "--data-dir", work.resolve("sample").toString()), true)) {
                        new AdminApi(server.port).createCatalog(1);
                        sample = post("http://127.0.0.1:" + server.port + "/v1/authorize", body(0, s.ttl));
                    }
                }
                String classpath = System.getProperty("java.class.path");
                try (Child server = Child.start(work, "bare", java, heap, List.of("-cp", classpath,
                        bareSource.toString()), false, sample)) {
                    bare = run("bare Javalin POST /decide (fixed " + sample.length() + "-byte answer)",
                            List.of(server), "/decide", s);
                }
            }
        } finally {
            try (var files = Files.walk(work)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        if (tally != null && bare != null) {
            System.out.printf("%nTally / bare: throughput %.2f, p50 %.1fx, p99 %.1fx, p99.9 %.1fx; server CPU per "
                            + "request %.1f us / %.1f us%n",
                    tally.perSecond / bare.perSecond, ratio(tally, bare, 50), ratio(tally, bare, 99),
                    ratio(tally, bare, 99.9), tally.serverCpuMicrosPerRequest, bare.serverCpuMicrosPerRequest);
        }
    }

    private static double ratio(Result a, Result b, double percentile) {
        return (double) a.latency.getValueAtPercentile(percentile) / b.latency.getValueAtPercentile(percentile);
    }

    private record Settings(int rate, int connections, int warmup, int seconds, int customers, int ttl) {
    }

    private record Result(double perSecond, Histogram latency, double serverCpuMicrosPerRequest) {
    }

    private static String body(int customer, int ttl) {
        return "{\"customer\":\"" + AdminApi.customerId(customer) + "\",\"provider\":\"openai\",\"model\":\"gpt-4o\","
                + "\"endpoint\":\"/api/chat\",\"estimate\":{\"input_tokens\":800,\"output_tokens\":400},"
                + "\"ttl_seconds\":" + ttl + "}";
    }

    private static String post(String url, String body) throws IOException, InterruptedException {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + AdminApi.ADMIN_KEY)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("POST " + url + " answered " + r.statusCode() + ": " + r.body());
        }
        return r.body();
    }

    /**
     * The Tally servers of a run: one process, or {@code n} processes on a fresh PostgreSQL schema and Redis key
     * prefix (removed on close).
     */
    private static final class Nodes implements AutoCloseable {
        final List<Child> children = new ArrayList<>();
        private final FreshStore store;
        private final String redis;
        private final String prefix = RedisKeys.freshPrefix();

        private Nodes(FreshStore store, String redis) {
            this.store = store;
            this.redis = redis;
        }

        static Nodes start(Path work, int n, String redis, String java, String heap, List<String> jvm,
                           Path serverJar)
                throws Exception {
            Nodes nodes = new Nodes(n > 1 ? FreshStore.create("postgres", "authorize") : null, redis);
            try {
                for (int i = 0; i < n; i++) {
                    Map<String, String> env = new HashMap<>();
                    if (nodes.store != null) {
                        env.put("TALLY_DATABASE_URL", nodes.store.url());
                    }
                    if (!redis.isEmpty()) {
                        env.put("TALLY_REDIS_URL", redis);
                        env.put("TALLY_REDIS_PREFIX", nodes.prefix);
                    }
                    List<String> main = new ArrayList<>(jvm);
                    main.addAll(List.of("-jar", serverJar.toString(), "serve", "--data-dir",
                            work.resolve("data-" + i).toString()));
                    nodes.children.add(Child.start(work, "tally-" + i, java, heap, main, true, env));
                }
                return nodes;
            } catch (Exception | Error e) {
                nodes.close();
                throw e;
            }
        }

        Child first() {
            return children.get(0);
        }

        /** Waits until every node allows the last customer's call (catalog changes reach nodes within seconds). */
        void awaitCatalog(Settings s) throws Exception {
            String last = body(s.customers - 1, s.ttl);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            for (Child node : children) {
                while (true) {
                    try {
                        post("http://127.0.0.1:" + node.port + "/v1/authorize", last);
                        break;
                    } catch (IllegalStateException e) {
                        if (System.nanoTime() > deadline) {
                            throw e;
                        }
                        TimeUnit.MILLISECONDS.sleep(100); // polling another node for the catalog, with a deadline
                    }
                }
            }
        }

        @Override
        public void close() throws Exception {
            for (Child child : children) {
                child.close();
            }
            if (!redis.isEmpty()) {
                RedisKeys.deleteAll(redis, prefix);
            }
            if (store != null) {
                store.close();
            }
        }
    }

    /** One measured pass against {@code server}: warm-up, then the measured window, at the offered rate. */
    private static Result run(String name, List<Child> servers, String path, Settings s) throws Exception {
        byte[][] requests = new byte[s.customers][];
        for (int i = 0; i < s.customers; i++) {
            byte[] b = body(i, s.ttl).getBytes(StandardCharsets.UTF_8);
            String head = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                    + AdminApi.ADMIN_KEY + "\r\nContent-Type: application/json\r\nContent-Length: " + b.length
                    + "\r\n\r\n";
            byte[] h = head.getBytes(StandardCharsets.US_ASCII);
            requests[i] = Arrays.copyOf(h, h.length + b.length);
            System.arraycopy(b, 0, requests[i], h.length, b.length);
        }
        long start = System.nanoTime() + 50_000_000L;
        long from = start + s.warmup * 1_000_000_000L;
        long to = from + s.seconds * 1_000_000_000L;
        Counters counters = new Counters();
        List<Histogram> histograms = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < s.connections; c++) {
            Histogram h = Latencies.histogram();
            histograms.add(h);
            // Connections take the servers in turn, as a round-robin load balancer would.
            Connection conn = new Connection(servers.get(c % servers.size()).port, c, s, requests, start, from, to, h,
                    counters);
            Thread t = new Thread(conn, "load-" + c);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        // The measured window's CPU and GC: sampled when it opens and when it closes.
        sleepUntil(from);
        long serverTicks = cpuTicks(servers);
        List<ThreadCpu> threadsFrom = servers.stream().map(c -> ThreadCpu.sample(c.pid())).toList();
        long[] gcLogFrom = servers.stream().mapToLong(Child::gcLogSize).toArray();
        long ownCpu = ownCpuNanos();
        MachineLoad machine = MachineLoad.sample();
        sleepUntil(to);
        String load = MachineLoad.sample().since(machine);
        double ownCores = (ownCpuNanos() - ownCpu) / 1e9 / s.seconds;
        double serverSeconds = (cpuTicks(servers) - serverTicks) / 100.0;
        List<Map<String, Double>> threadSeconds = new ArrayList<>();
        for (int i = 0; i < servers.size(); i++) {
            threadSeconds.add(ThreadCpu.sample(servers.get(i).pid()).secondsSince(threadsFrom.get(i)));
        }
        long servedInWindow = counters.servedInWindow.get();
        List<String> gcs = new ArrayList<>();
        for (int i = 0; i < servers.size(); i++) {
            gcs.add(servers.get(i).gcPausesSince(gcLogFrom[i]));
        }
        String gc = String.join("; ", gcs);
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(30));
        }
        Histogram all = Latencies.histogram();
        histograms.forEach(all::add);
        long n = counters.measured.get();
        double perSecond = n / (double) s.seconds;
        // CPU per answer given in the window (whenever it was due): the work the window's CPU paid for, also when
        // a backlog leaves few of the window's own requests answered.
        double cpuPerRequest = servedInWindow == 0 ? 0 : serverSeconds * 1e6 / servedInWindow;
        System.out.printf("%n== %s%n  %,.0f answers/s over %d s (offered %s); errors %d, not allowed %d, "
                        + "given up (still due 5 s after the window) %d; served in the window, whenever due: %,.0f/s%n"
                        + "  latency from intended send: p50 %.3f ms, p90 %.3f ms, "
                        + "p99 %.3f ms, p99.9 %.3f ms, max %.3f ms, mean %.3f ms%n"
                        + "  server CPU (all nodes) %.2f cores, %.1f us per answer served in the window; load generator %.2f cores; %s%n"
                        + "  server GC pauses in the window: %s%n",
                name, perSecond, s.seconds, s.rate == 0 ? "closed loop" : String.format("%,d/s", s.rate),
                counters.errors.get(), counters.notAllowed.get(), counters.unfinished.get(),
                counters.servedInWindow.get() / (double) s.seconds,
                Latencies.ms(all.getValueAtPercentile(50)), Latencies.ms(all.getValueAtPercentile(90)),
                Latencies.ms(all.getValueAtPercentile(99)), Latencies.ms(all.getValueAtPercentile(99.9)),
                Latencies.ms(all.getMaxValue()), all.getMean() / 1000.0, serverSeconds / s.seconds,
                cpuPerRequest, ownCores, load, gc);
        // Each node's CPU by kind of thread, per answer the window served (all nodes' answers: the nodes share the
        // load evenly, so each node's figure is half of its own cost per decision with 2 nodes; their sum is the cost).
        Map<String, Double> total = new java.util.LinkedHashMap<>();
        for (int i = 0; i < servers.size(); i++) {
            threadSeconds.get(i).forEach((group, sec) -> total.merge(group, sec, Double::sum));
            if (servers.size() > 1) {
                System.out.printf("  node %d CPU per answer (all nodes' answers): %s%n", i,
                        ThreadCpu.perRequest(threadSeconds.get(i), servedInWindow));
            }
        }
        System.out.printf("  server CPU per answer by thread: %s%n", ThreadCpu.perRequest(total, servedInWindow));
        return new Result(perSecond, all, cpuPerRequest);
    }

    private static long cpuTicks(List<Child> servers) {
        return servers.stream().mapToLong(Child::cpuTicks).sum();
    }

    private static long ownCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        long wait;
        while ((wait = nanoTime - System.nanoTime()) > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
    }

    private static final class Counters {
        final AtomicLong measured = new AtomicLong();
        final AtomicLong errors = new AtomicLong();
        final AtomicLong notAllowed = new AtomicLong();
        final AtomicLong unfinished = new AtomicLong();
        /** Answers that arrived inside the window, whenever they were due: what the servers did keep up with. */
        final AtomicLong servedInWindow = new AtomicLong();
    }

    /**
     * One keep-alive connection and its share of the schedule. Answers are read by {@link HttpLoadConnection}.
     */
    private static final class Connection implements Runnable {
        private static final byte[] ALLOWED = "\"allowed\":true".getBytes(StandardCharsets.US_ASCII);
        private final HttpLoadConnection http;
        private final int index;
        private final Settings s;
        private final byte[][] requests;
        private final long start;
        private final long from;
        private final long to;
        private final Histogram latency;
        private final Counters counters;

        Connection(int port, int index, Settings s, byte[][] requests, long start, long from, long to,
                   Histogram latency, Counters counters) {
            this.http = new HttpLoadConnection(port, ALLOWED);
            this.index = index;
            this.s = s;
            this.requests = requests;
            this.start = start;
            this.from = from;
            this.to = to;
            this.latency = latency;
            this.counters = counters;
        }

        @Override
        public void run() {
            // Each connection offers rate / connections, its first request spread evenly over one period.
            long periodNanos = s.rate == 0 ? 0 : (long) (s.connections * 1e9 / s.rate);
            long intended = start + (s.rate == 0 ? 0 : periodNanos * index / s.connections);
            int customer = index % s.customers;
            long giveUp = to + TimeUnit.SECONDS.toNanos(5);
            while (intended < to) {
                long now = System.nanoTime();
                if (now > giveUp) {
                    // Hopelessly behind an overloaded server: what is still due in the window never finished.
                    counters.unfinished.addAndGet(s.rate == 0 ? 0 : (to - Math.max(intended, from)) / periodNanos);
                    break;
                }
                while (now < intended) {
                    LockSupport.parkNanos(intended - now);
                    now = System.nanoTime();
                }
                long measuredFrom = s.rate == 0 ? now : intended;
                try {
                    http.exchange(requests[customer]);
                    boolean allowed = http.found() && http.status() == 200;
                    long done = System.nanoTime();
                    if (done >= from && done <= to) {
                        counters.servedInWindow.incrementAndGet();
                    }
                    if (measuredFrom >= from && (s.rate != 0 || done <= to)) {
                        latency.recordValue(Math.max(1, (done - measuredFrom) / 1000));
                        counters.measured.incrementAndGet();
                        if (!allowed) {
                            counters.notAllowed.incrementAndGet();
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    if (measuredFrom >= from) {
                        counters.errors.incrementAndGet();
                    }
                    http.close();
                }
                customer = (customer + s.connections) % s.customers;
                intended = s.rate == 0 ? System.nanoTime() : intended + periodNanos;
            }
            http.close();
        }
    }

    /** A server in its own process, on a free port, with its GC log; stopped on close. */
    private static final class Child implements AutoCloseable {
        final int port;
        private final Process process;
        private final Path gcLog;

        private Child(int port, Process process, Path gcLog) {
            this.port = port;
            this.process = process;
            this.gcLog = gcLog;
        }

        static Child start(Path work, String name, String java, String heap, List<String> main, boolean tally,
                           String... extra) throws Exception {
            return start(work, name, java, heap, main, tally, Map.of(), extra);
        }

        static Child start(Path work, String name, String java, String heap, List<String> main, boolean tally,
                           Map<String, String> env, String... extra) throws Exception {
            int port;
            try (ServerSocket probe = new ServerSocket(0)) {
                port = probe.getLocalPort();
            }
            Path gcLog = work.resolve(name + "-gc.log");
            List<String> command = new ArrayList<>(List.of(java, "-Xlog:gc:file=" + gcLog));
            if (!heap.isEmpty()) {
                command.add("-Xmx" + heap);
                command.add("-Xms" + heap);
            }
            command.addAll(main);
            if (tally) {
                command.addAll(List.of("--port", Integer.toString(port)));
            } else {
                command.add(Integer.toString(port));
            }
            command.addAll(List.of(extra));
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(work.resolve(name + ".log").toFile());
            pb.environment().put("TALLY_ADMIN_KEY", AdminApi.ADMIN_KEY);
            pb.environment().putAll(env);
            Process p = pb.start();
            // A load run stopped early (timeout, Ctrl-C) must not leave a server behind.
            Runtime.getRuntime().addShutdownHook(new Thread(p::destroyForcibly));
            Child child = new Child(port, p, gcLog);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!child.answers(tally ? "/health" : "/decide")) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    child.close();
                    throw new IllegalStateException(name + " did not start; its output:\n"
                            + Files.readString(work.resolve(name + ".log")));
                }
                TimeUnit.MILLISECONDS.sleep(200); // polling a child process's start-up, with a deadline
            }
            return child;
        }

        private boolean answers(String path) {
            try (Socket probe = new Socket()) {
                probe.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                String method = path.equals("/health") ? "GET" : "POST";
                probe.getOutputStream().write((method + " " + path + " HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n"
                        + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                probe.setSoTimeout(2000);
                return new String(probe.getInputStream().readNBytes(12), StandardCharsets.US_ASCII)
                        .startsWith("HTTP/1.1 200");
            } catch (IOException e) {
                return false;
            }
        }

        /** User + system CPU ticks the process has used (Linux {@code /proc}); 0 elsewhere. */
        long cpuTicks() {
            try {
                String stat = Files.readString(Path.of("/proc/" + process.pid() + "/stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                return Long.parseLong(f[11]) + Long.parseLong(f[12]);
            } catch (IOException | RuntimeException e) {
                return 0;
            }
        }

        long pid() {
            return process.pid();
        }

        long gcLogSize() {
            try {
                return Files.size(gcLog);
            } catch (IOException e) {
                return 0;
            }
        }

        /** Count, total, largest and 99th percentile of the pauses logged after {@code offset}. */
        String gcPausesSince(long offset) {
            List<Double> pauses = new ArrayList<>();
            try {
                byte[] all = Files.readAllBytes(gcLog);
                String text = new String(all, (int) Math.min(offset, all.length),
                        (int) (all.length - Math.min(offset, all.length)), StandardCharsets.UTF_8);
                for (String line : text.split("\n")) {
                    Matcher m = PAUSE.matcher(line.trim());
                    if (m.find()) {
                        pauses.add(Double.parseDouble(m.group(1)));
                    }
                }
            } catch (IOException e) {
                return "not measured (" + e.getMessage() + ")";
            }
            if (pauses.isEmpty()) {
                return "none";
            }
            pauses.sort(null);
            double total = pauses.stream().mapToDouble(Double::doubleValue).sum();
            return String.format("%d, total %.1f ms, median %.2f ms, max %.2f ms", pauses.size(), total,
                    pauses.get(pauses.size() / 2), pauses.get(pauses.size() - 1));
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
