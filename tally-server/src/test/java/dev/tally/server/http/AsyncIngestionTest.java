package dev.tally.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.store.StoreException;
import dev.tally.core.persistence.TallyStore;
import dev.tally.core.testing.InterceptedStore;
import dev.tally.core.testing.MutableClock;
import dev.tally.server.TallyServer;
import dev.tally.server.config.ServerConfig;
import dev.tally.server.json.Json;
import dev.tally.server.testing.Api;
import dev.tally.server.testing.Await;
import dev.tally.server.testing.OpenApiContract;
import dev.tally.server.testing.TestServer;
import dev.tally.store.Stores;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code POST /v1/events} holds no HTTP thread while it waits for its commit: on a small platform-thread pool, more
 * ingestion requests than the pool has threads wait on a held commit while other routes still answer; and the
 * failure of a commit reaches the one exception mapper from the asynchronous path. Usage reads hold none either: they
 * run on their own pool. Real server, real SQLite file; the store is the real one with its appends (or its rollup
 * reads) passed through a gate the test opens (or a failure it injects).
 */
class AsyncIngestionTest {
    /** The pool of the platform-thread experiment (Jetty's acceptor and selector included). */
    private static final int HTTP_THREADS = 6;
    private static final int WAITING_REQUESTS = 3 * HTTP_THREADS;
    private static final Duration DEADLINE = Duration.ofSeconds(20);
    private static final Pattern PENDING = Pattern.compile("(?m)^tally_writer_pending_requests (\\S+)$");

    @TempDir
    Path dir;
    private final CountDownLatch gate = new CountDownLatch(1);
    private final AtomicInteger heldWrites = new AtomicInteger();
    private final AtomicInteger heldReads = new AtomicInteger();
    private volatile boolean holdReads;
    private volatile RuntimeException writeFailure;
    private TallyServer server;
    private Api api;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @AfterEach
    void stop() {
        gate.countDown();
        if (server != null) {
            server.close();
        }
    }

    private void start() {
        MutableClock clock = MutableClock.at("2026-11-20T12:00:00Z");
        ServerConfig config = ServerConfig.fromEnvironment(Map.of()).toBuilder().port(0).dataDir(dir)
                .adminKey(TestServer.ADMIN_KEY).httpThreads(HTTP_THREADS).build();
        server = TallyServer.start(config, clock, gated(Stores.sqliteFile(dir, clock)));
        api = new Api("http://127.0.0.1:" + server.port(), TestServer.ADMIN_KEY);
        api.put("/v1/plans/basic", """
                {"name":"Basic","limits":[{"metric":"requests","window":"month","amount":1000}]}""");
        api.put("/v1/customers/acme", "{\"name\":\"Acme\",\"plan\":\"basic\"}");
    }

    /**
     * The real store, whose appends wait for the gate (or throw {@link #writeFailure} when one is set), and its rollup
     * reads too while {@link #holdReads} is set.
     */
    private TallyStore gated(TallyStore real) {
        return InterceptedStore.of(TallyStore.class, real, new InterceptedStore.Hooks() {
            @Override
            public void beforeCall(String method) {
                if (holdReads && method.equals("rollups")) {
                    heldReads.incrementAndGet();
                    awaitGate();
                }
            }

            @Override
            public void beforeWrite(int n) {
                RuntimeException failure = writeFailure;
                if (failure != null) {
                    throw failure;
                }
                heldWrites.incrementAndGet();
                awaitGate();
            }
        });
    }

    private void awaitGate() {
        try {
            if (!gate.await(DEADLINE.toSeconds(), TimeUnit.SECONDS)) {
                throw new StoreException("the test never opened the gate", null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted at the gate", e);
        }
    }

    @Test
    void ingestion_moreRequestsWaitingOnCommitThanThreads_otherRoutesAnswer_andEveryEventIsStoredOnce() {
        start();
        List<CompletableFuture<HttpResponse<String>>> waiting = new ArrayList<>();
        for (int i = 0; i < WAITING_REQUESTS; i++) {
            waiting.add(postEventAsync("evt_" + i));
        }
        // Every request is inside the server, handed to the writer, and none is answered: the commit is held.
        Await.within(DEADLINE, "a commit held and all " + WAITING_REQUESTS + " ingestion requests waiting for one",
                () -> heldWrites.get() > 0 && pendingRequests() == WAITING_REQUESTS);

        Api.Response health = api.get("/health");
        Api.Response decision = api.post("/v1/authorize", """
                {"customer":"acme","provider":"openai","model":"gpt-4","endpoint":"/api/chat"}""");

        assertThat(health.status()).isEqualTo(200);
        assertThat(decision.status()).isEqualTo(200);
        assertThat(decision.json().get("allowed").asBoolean()).isTrue();
        assertThat(waiting).noneMatch(CompletableFuture::isDone);

        gate.countDown();
        for (CompletableFuture<HttpResponse<String>> answer : waiting) {
            HttpResponse<String> r = answer.orTimeout(DEADLINE.toSeconds(), TimeUnit.SECONDS).join();
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(json(r.body()).get("accepted").asInt()).isEqualTo(1);
        }
        assertThat(api.get("/v1/customers/acme/usage").json().at("/totals/requests").asLong())
                .isEqualTo(WAITING_REQUESTS);
        for (int i = 0; i < WAITING_REQUESTS; i++) {
            JsonNode again = json(postEventAsync("evt_" + i).join().body());
            assertThat(again.get("duplicates").asInt()).as("evt_" + i + " stored once").isEqualTo(1);
        }
    }

    @Test
    void ingestion_commitFails_isAnswered503ProblemByTheMapper() {
        start();
        writeFailure = new StoreException("disk I/O error", null);

        HttpResponse<String> r = postEventAsync("evt_1").orTimeout(DEADLINE.toSeconds(), TimeUnit.SECONDS).join();

        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/problem+json"));
        assertThat(r.headers().firstValue("Retry-After")).hasValue("1");
        JsonNode problem = json(r.body());
        assertThat(problem.get("type").asText()).isEqualTo("https://tally.dev/problems/unavailable");
        assertThat(problem.get("status").asInt()).isEqualTo(503);
        assertThat(problem.get("detail").asText()).contains("disk I/O error");

        writeFailure = null;
        gate.countDown();
        assertThat(json(postEventAsync("evt_1").join().body()).get("accepted").asInt())
                .as("nothing of the failed commit was stored").isEqualTo(1);
    }

    @Test
    void usageReads_moreWaitingThanThreads_authorizeAndHealthStillAnswer() {
        start();
        holdReads = true;
        List<CompletableFuture<HttpResponse<String>>> reads = new ArrayList<>();
        for (int i = 0; i < WAITING_REQUESTS; i++) {
            reads.add(getAsync("/v1/customers/acme/usage"));
        }
        // As many reads held as can run at once: the read pool's threads (2 per core), or every HTTP request thread
        // if reads ran on the HTTP pool (which would then have none left to answer anything else).
        int runningAtOnce = Math.min(WAITING_REQUESTS, 2 * Runtime.getRuntime().availableProcessors());
        Await.within(DEADLINE, runningAtOnce + " usage reads held", () -> heldReads.get() >= runningAtOnce);

        HttpResponse<String> health = getAsync("/health").orTimeout(DEADLINE.toSeconds(), TimeUnit.SECONDS).join();
        Api.Response decision = api.post("/v1/authorize", """
                {"customer":"acme","provider":"openai","model":"gpt-4","endpoint":"/api/chat"}""");

        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(decision.status()).isEqualTo(200);
        assertThat(reads).noneMatch(CompletableFuture::isDone);
        gate.countDown();
        for (CompletableFuture<HttpResponse<String>> answer : reads) {
            HttpResponse<String> r = answer.orTimeout(DEADLINE.toSeconds(), TimeUnit.SECONDS).join();
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(json(r.body()).get("customer").asText()).isEqualTo("acme");
        }
    }

    private CompletableFuture<HttpResponse<String>> getAsync(String path) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .timeout(Duration.ofSeconds(60)).header("Authorization", "Bearer " + TestServer.ADMIN_KEY).GET()
                .build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                .thenApply(AsyncIngestionTest::checked);
    }

    private CompletableFuture<HttpResponse<String>> postEventAsync(String id) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/v1/events"))
                .timeout(Duration.ofSeconds(60)).header("Authorization", "Bearer " + TestServer.ADMIN_KEY)
                .POST(HttpRequest.BodyPublishers.ofString("{\"id\":\"" + id + "\",\"customer\":\"acme\"}"))
                .build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                .thenApply(AsyncIngestionTest::checked);
    }

    /** Every answer must be one the OpenAPI document describes. */
    private static HttpResponse<String> checked(HttpResponse<String> response) {
        OpenApiContract.get().check(response);
        return response;
    }

    private double pendingRequests() {
        Matcher m = PENDING.matcher(api.get("/metrics").body());
        return m.find() ? Double.parseDouble(m.group(1)) : -1;
    }

    private static JsonNode json(String body) {
        try {
            return Json.mapper().readTree(body);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + body, e);
        }
    }
}
