package dev.tally.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.testing.MutableClock;
import dev.tally.server.TallyServer;
import dev.tally.server.config.ServerConfig;
import dev.tally.server.testing.Api;
import dev.tally.server.testing.Backend;
import dev.tally.server.testing.OpenApiContract;
import dev.tally.server.testing.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 11, point 5: clients that send their body at 1 byte a second must not stop the server. On JDK 17 (platform
 * threads, a pool of a few threads) more such connections than the pool has threads used to hold every thread in a
 * blocking body read, and {@code /health} and {@code /v1/authorize} stopped answering. Real server on port 0, real
 * SQLite file, raw sockets for the slow clients.
 */
class SlowClientTest {
    /** Slow connections: far more than the HTTP pool's threads on platform threads (6 on 2 cores). */
    private static final int SLOW_CLIENTS = 20;
    private static final Duration ANSWER_WITHIN = Duration.ofSeconds(1);

    @TempDir
    Path dir;
    private TestServer server;
    private Api api;
    private final List<Socket> sockets = new ArrayList<>();
    private final ScheduledExecutorService dribbler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "slow-client-dribbler");
        t.setDaemon(true);
        return t;
    });
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void start() {
        server = TestServer.start(Backend.SQLITE, dir, MutableClock.at("2026-11-20T12:00:30Z"));
        api = server.admin();
        assertThat(api.put("/v1/customers/acme",
                "{\"limits\":[{\"metric\":\"requests\",\"window\":\"day\",\"amount\":1000}]}").status()).isIn(200, 201);
    }

    @AfterEach
    void stop() throws IOException {
        dribbler.shutdownNow();
        for (Socket s : sockets) {
            s.close();
        }
        server.close();
    }

    @Test
    void slowBodies_twentyAtOneBytePerSecond_healthAndAuthorizeAnswerWithinASecondAndTheBodiesCount()
            throws Exception {
        List<byte[]> bodies = new ArrayList<>();
        List<int[]> sent = new ArrayList<>();
        CountDownLatch twoBytesEach = new CountDownLatch(SLOW_CLIENTS);
        for (int i = 0; i < SLOW_CLIENTS; i++) {
            byte[] body = ("{\"id\":\"slow-" + i + "\",\"customer\":\"acme\",\"usage\":{\"input_tokens\":1}}")
                    .getBytes(StandardCharsets.UTF_8);
            Socket socket = openSlowPost("/v1/events", body.length);
            bodies.add(body);
            sent.add(new int[1]);
            int client = i;
            // 1 byte a second: the connection is never idle long enough for an idle timeout to end it.
            dribbler.scheduleAtFixedRate(() -> dribble(socket, body, sent.get(client), twoBytesEach), 0, 1,
                    TimeUnit.SECONDS);
        }
        // Every slow request has its headers in and its body started: it has been handed to the server.
        assertThat(twoBytesEach.await(10, TimeUnit.SECONDS)).isTrue();

        long health = timeToAnswer(HttpRequest.newBuilder(uri("/health")).GET());
        long authorize = timeToAnswer(HttpRequest.newBuilder(uri("/v1/authorize"))
                .header("Authorization", "Bearer " + TestServer.ADMIN_KEY)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"customer\":\"acme\",\"estimate\":{\"tokens\":1}}")));
        System.out.printf("slow clients %d: /health answered in %d ms, /v1/authorize in %d ms%n", SLOW_CLIENTS,
                health, authorize);
        assertThat(health).as("ms to answer /health").isLessThan(ANSWER_WITHIN.toMillis());
        assertThat(authorize).as("ms to answer /v1/authorize").isLessThan(ANSWER_WITHIN.toMillis());

        // The slow bodies, once complete, are served like any other: every event is acknowledged and counted.
        dribbler.shutdownNow();
        assertThat(dribbler.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
        for (int i = 0; i < SLOW_CLIENTS; i++) {
            OutputStream out = sockets.get(i).getOutputStream();
            byte[] body = bodies.get(i);
            int from = sent.get(i)[0];
            out.write(body, from, body.length - from);
            out.flush();
        }
        for (Socket socket : sockets) {
            String answer = readAnswer(socket);
            assertThat(answer).startsWith("HTTP/1.1 200").contains("\"accepted\":1");
        }
        JsonNode usage = api.get("/v1/customers/acme/usage?period=current").json();
        assertThat(usage.at("/totals/requests").asLong()).isEqualTo(SLOW_CLIENTS);
    }

    @Test
    void slowBody_notCompleteWithinTheBodyTimeout_answers408ProblemAndStoresNothing() throws Exception {
        try (TallyServer quick = TallyServer.start(ServerConfig.fromEnvironment(Map.of()).toBuilder().port(0)
                .dataDir(dir.resolve("quick")).adminKey(TestServer.ADMIN_KEY).bodyTimeout(Duration.ofSeconds(1))
                .build(), MutableClock.at("2026-11-20T12:00:30Z"))) {
            Socket socket = openSlowPost(quick.port(), "/v1/events", 100);
            socket.getOutputStream().write('[');
            long start = System.nanoTime();
            String answer = readAnswer(socket);
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            OpenApiContract.get().checkRaw("POST", "/v1/events", answer);
            assertThat(answer).startsWith("HTTP/1.1 408").contains("application/problem+json")
                    .contains("\"status\":408").contains("within 1 s");
            assertThat(ms).as("ms until the 408").isBetween(500L, 5_000L);
            assertThat(quick.store().countEvents()).isZero();
        }
    }

    @Test
    void chunkedBody_largerThanTheLimit_answers413Problem() throws Exception {
        try (TallyServer small = TallyServer.start(ServerConfig.fromEnvironment(Map.of()).toBuilder().port(0)
                .dataDir(dir.resolve("small")).adminKey(TestServer.ADMIN_KEY).maxBodyBytes(1024).build(),
                MutableClock.at("2026-11-20T12:00:30Z"))) {
            Socket socket = new Socket(InetAddress.getLoopbackAddress(), small.port());
            socket.setSoTimeout(30_000);
            sockets.add(socket);
            String chunk = "[" + " ".repeat(1998) + "]";
            String request = "POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                    + TestServer.ADMIN_KEY + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + Integer.toHexString(chunk.length()) + "\r\n" + chunk + "\r\n0\r\n\r\n";
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            String answer = readAnswer(socket);
            OpenApiContract.get().checkRaw("POST", "/v1/events", answer);
            assertThat(answer).startsWith("HTTP/1.1 413").contains("application/problem+json")
                    .contains("\"status\":413");
        }
    }

    /** Opens a connection and sends a POST's headers, announcing {@code length} bytes of body, and none of them. */
    private Socket openSlowPost(String path, int length) throws IOException {
        return openSlowPost(server.port(), path, length);
    }

    private Socket openSlowPost(int port, String path, int length) throws IOException {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
        socket.setSoTimeout(30_000);
        sockets.add(socket);
        String head = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + TestServer.ADMIN_KEY
                + "\r\nContent-Type: application/json\r\nContent-Length: " + length + "\r\n\r\n";
        socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        return socket;
    }

    /** Sends the next byte of the body (never the last, which the test sends itself). */
    private static void dribble(Socket socket, byte[] body, int[] sent, CountDownLatch twoBytesEach) {
        if (sent[0] >= body.length - 1) {
            return;
        }
        try {
            socket.getOutputStream().write(body[sent[0]]);
            socket.getOutputStream().flush();
            sent[0]++;
            if (sent[0] == 2) {
                twoBytesEach.countDown();
            }
        } catch (IOException e) {
            // The connection was closed by the test's end; nothing more to send.
        }
    }

    /** Milliseconds until the answer came, or a failure if none came in 5 s. */
    private long timeToAnswer(HttpRequest.Builder request) throws Exception {
        long start = System.nanoTime();
        try {
            HttpResponse<String> response = http.send(request.timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            OpenApiContract.get().check(response);
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        } catch (HttpTimeoutException e) {
            throw new AssertionError("no answer within 5 s while " + SLOW_CLIENTS + " clients send slowly", e);
        }
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }

    /** The status line, headers and body of one answer (the server closes or sends Content-Length). */
    private static String readAnswer(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] buffer = new byte[4096];
        while (true) {
            int n = in.read(buffer);
            if (n < 0) {
                break;
            }
            got.write(buffer, 0, n);
            String text = got.toString(StandardCharsets.UTF_8);
            int end = text.indexOf("\r\n\r\n");
            if (end >= 0) {
                String head = text.substring(0, end).toLowerCase();
                int at = head.indexOf("content-length:");
                if (at >= 0) {
                    int length = Integer.parseInt(head.substring(at + 15, head.indexOf('\n', at) < 0 ? head.length()
                            : head.indexOf('\n', at)).trim());
                    if (got.size() >= end + 4 + length) {
                        break;
                    }
                }
            }
        }
        return got.toString(StandardCharsets.UTF_8);
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }
}
