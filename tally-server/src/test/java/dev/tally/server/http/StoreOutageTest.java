package dev.tally.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.testing.MutableClock;
import dev.tally.server.json.Json;
import dev.tally.server.testing.Api;
import dev.tally.server.testing.PrivatePostgres;
import dev.tally.server.testing.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 11, point 6: with PostgreSQL stopped, {@code /health} answers 503 within a second (and 200 again once it is
 * back), authorization goes on for keys the server knows, events answer 503 quickly with a reason, and nothing
 * acknowledged is lost. The PostgreSQL is the test's own ({@link PrivatePostgres}), never the machine's shared one,
 * since the test stops it.
 */
class StoreOutageTest {
    private static final Duration ANSWER_WITHIN = Duration.ofSeconds(1);
    private static final Duration DEADLINE = Duration.ofSeconds(30);

    private PrivatePostgres postgres;
    private Path serverDir;
    private TestServer server;
    private Api api;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void start() throws Exception {
        postgres = PrivatePostgres.start();
        serverDir = Files.createTempDirectory("tally-outage-server");
        server = TestServer.startOn(postgres.url(), serverDir, MutableClock.at("2026-11-20T12:00:30Z"));
        api = server.admin();
    }

    @AfterEach
    void stop() throws Exception {
        try {
            if (server != null) {
                server.close();
            }
        } finally {
            postgres.close();
            deleteTree(serverDir);
        }
    }

    @Test
    void storeOutage_postgresStopped_health503FastAuthorizeGoesOnEvents503AndNothingAcknowledgedLost()
            throws Exception {
        assertThat(api.put("/v1/customers/acme",
                "{\"limits\":[{\"metric\":\"requests\",\"window\":\"month\",\"amount\":1000}]}").status())
                .isIn(200, 201);
        String ingestKey = api.post("/v1/keys", "{\"scope\":\"ingest\"}").json().get("key").asText();
        Api ingest = api.as(ingestKey);
        assertThat(ingest.post("/v1/events", events("before", 50)).json().get("accepted").asInt()).isEqualTo(50);
        assertThat(ingest.post("/v1/authorize", authorize()).json().get("allowed").asBoolean()).isTrue();
        assertThat(health().statusCode()).isEqualTo(200);
        // The key was read a while ago: during the outage the server cannot read it again.
        server.clock().advance(Duration.ofMinutes(2));

        // First the database goes silent: its processes are frozen, so connections stay open and nothing answers.
        postgres.freeze();
        try {
            HttpResponse<String> silent = awaitHealth(503);
            assertThat(silent.headers().firstValue("Retry-After")).isPresent();
            long start = System.nanoTime();
            Api.Response decision = ingest.post("/v1/authorize", authorize());
            long authorizeMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(decision.status()).as(decision.body()).isEqualTo(200);
            assertThat(decision.json().get("allowed").asBoolean()).isTrue();
            System.out.printf("silent store: authorize %d ms%n", authorizeMs);
            assertThat(authorizeMs).isLessThan(3_000);
        } finally {
            postgres.thaw();
        }
        awaitHealth(200);

        // Then it is stopped.
        postgres.stop();

        HttpResponse<String> down = awaitHealth(503);
        assertThat(down.headers().firstValue("Retry-After")).isPresent();
        JsonNode body = Json.mapper().readTree(down.body());
        assertThat(body.get("status").asText()).isEqualTo("unavailable");
        assertThat(body.get("store").asText()).isEqualTo("postgresql");
        assertThat(body.get("reason").asText()).contains("store");
        for (int i = 0; i < 5; i++) {
            assertThat(timed(this::health)).as("ms of /health during the outage").isLessThan(ANSWER_WITHIN.toMillis());
        }

        long start = System.nanoTime();
        Api.Response decision = ingest.post("/v1/authorize", authorize());
        long authorizeMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(decision.status()).as(decision.body()).isEqualTo(200);
        assertThat(decision.json().get("allowed").asBoolean()).isTrue();
        start = System.nanoTime();
        Api.Response refused = ingest.post("/v1/events", events("during", 10));
        long eventsMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(refused.status()).as(refused.body()).isEqualTo(503);
        assertThat(refused.json().get("detail").asText()).containsIgnoringCase("store");
        System.out.printf("outage: authorize %d ms, events 503 in %d ms%n", authorizeMs, eventsMs);
        assertThat(authorizeMs).isLessThan(3_000);
        assertThat(eventsMs).isLessThan(5_000);

        postgres.startAgain();
        awaitHealth(200);
        assertThat(ingest.post("/v1/events", events("after", 20)).json().get("accepted").asInt()).isEqualTo(20);
        assertThat(server.server().store().countEvents()).isEqualTo(70);
        assertThat(api.get("/v1/customers/acme/usage?period=current").json().at("/totals/requests").asLong())
                .isEqualTo(70);
    }

    private static String authorize() {
        return "{\"customer\":\"acme\",\"estimate\":{\"tokens\":1}}";
    }

    private static String events(String prefix, int n) {
        StringBuilder out = new StringBuilder("[");
        for (int i = 0; i < n; i++) {
            out.append(i == 0 ? "" : ",").append("{\"id\":\"").append(prefix).append('-').append(i)
                    .append("\",\"customer\":\"acme\",\"usage\":{\"input_tokens\":1}}");
        }
        return out.append(']').toString();
    }

    private HttpResponse<String> health() {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/health"))
                    .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new AssertionError("/health did not answer within 5 s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Calls /health until it answers {@code status}, each call within a second, up to the deadline. */
    private HttpResponse<String> awaitHealth(int status) {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (true) {
            long start = System.nanoTime();
            HttpResponse<String> response = health();
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(ms).as("ms of /health (answered %d)", response.statusCode())
                    .isLessThan(ANSWER_WITHIN.toMillis());
            if (response.statusCode() == status) {
                return response;
            }
            assertThat(System.nanoTime()).as("/health answered %d until the deadline", status).isLessThan(deadline);
        }
    }

    private static long timed(Runnable call) {
        long start = System.nanoTime();
        call.run();
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }

    private static void deleteTree(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
