package dev.tally.server.gateway;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.testing.MutableClock;
import dev.tally.server.testing.Api;
import dev.tally.server.testing.Await;
import dev.tally.server.testing.Backend;
import dev.tally.server.testing.FakeUpstream;
import dev.tally.server.testing.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the gateway does when things go wrong, and the two guarantees that are easiest to break: an event stream is
 * never buffered, and neither key ever goes the wrong way. Never a silent zero: every call that reached (or tried to
 * reach) the upstream is recorded.
 */
class GatewayFailureTest {
    private static final String UPSTREAM_KEY = "sk-upstream-NEVER-LEAK-4f1c2e";
    private static final String CHUNK = "data: {\"id\":\"chatcmpl-9\",\"object\":\"chat.completion.chunk\","
            + "\"created\":1694268190,\"model\":\"gpt-4o-2024-08-06\",\"choices\":[{\"index\":0,"
            + "\"delta\":{\"content\":\"%s\"},\"finish_reason\":null}]}\n\n";
    private static final String BODY = "{\"model\":\"gpt-4o\",\"stream\":true,\"max_tokens\":50,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Tell me a story about a lighthouse\"}]}";

    @TempDir
    Path dir;
    private TestServer server;
    private Api api;
    private FakeUpstream upstream;
    private String key;
    private final HttpClient http = HttpClient.newHttpClient();
    private final CountDownLatch release = new CountDownLatch(1);

    @BeforeEach
    void start() throws Exception {
        upstream = new FakeUpstream();
        Path config = dir.resolve("tally.yaml");
        Files.writeString(config, "upstreams:\n  openai:\n    type: openai\n    base_url: " + upstream.baseUrl()
                + "\n    api_key_env: NOT_USED\n".replace("    api_key_env: NOT_USED\n", "    api_key: "
                + UPSTREAM_KEY + "\n") + "gateway:\n  timeout_seconds: 1\n");
        server = TestServer.startWithConfig(Backend.SQLITE, dir, MutableClock.at("2026-11-20T12:00:30Z"), config);
        api = server.admin();
        assertThat(api.put("/v1/customers/acme", "{}").status()).isIn(200, 201);
        key = api.post("/v1/customers/acme/keys", null).json().get("key").asText();
    }

    @AfterEach
    void stop() {
        release.countDown();
        server.close();
        upstream.close();
    }

    private HttpRequest chat(String body) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                        + "/gateway/openai/v1/chat/completions"))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(20)).POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    private JsonNode onlyEvent() {
        Await.within(Duration.ofSeconds(10), "the call's event",
                () -> api.get("/v1/customers/acme/events").json().get("events").size() == 1);
        return api.get("/v1/customers/acme/events").json().get("events").get(0);
    }

    @Test
    void upstreamError_isRecordedWithItsStatus_andNoUsage() throws Exception {
        upstream.answer((e, req) -> FakeUpstream.json(e, 500, "{\"error\":{\"message\":\"The server had an error\","
                + "\"type\":\"server_error\",\"param\":null,\"code\":null}}", Map.of()));
        HttpResponse<String> r = http.send(chat(BODY.replace("true", "false")), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(500);
        assertThat(r.body()).contains("The server had an error");
        JsonNode event = onlyEvent();
        assertThat(event.get("status").asInt()).isEqualTo(500);
        assertThat(event.get("usage").toString()).isEqualTo("{}");
        assertThat(event.get("model").asText()).isEqualTo("gpt-4o");
    }

    @Test
    void streamEndingWithoutUsage_isRecordedEstimated_andMarked() throws Exception {
        upstream.answer((e, req) -> FakeUpstream.sse(e, java.util.List.of(CHUNK.formatted("Once upon a time"),
                CHUNK.formatted(" there was"))));
        HttpResponse<String> r = http.send(chat(BODY), HttpResponse.BodyHandlers.ofString());
        assertThat(r.body()).contains("Once upon a time");
        JsonNode event = onlyEvent();
        assertThat(event.get("metadata").get("usage_estimated").asBoolean()).isTrue();
        // Input: the prompt estimate (request bytes / 4); output: the 26 characters streamed, 4 to a token.
        assertThat(event.get("usage").get("output_tokens").asLong()).isEqualTo(7);
        assertThat(event.get("usage").get("input_tokens").asLong()).isPositive();
    }

    @Test
    void callerAbandonsTheStream_recordedWithWhatWasSeen_estimatedAndMarked() throws Exception {
        CountDownLatch upstreamDone = new CountDownLatch(1);
        upstream.answer((e, req) -> {
            e.getResponseHeaders().set("Content-Type", "text/event-stream");
            e.sendResponseHeaders(200, 0);
            try (OutputStream out = e.getResponseBody()) {
                out.write(CHUNK.formatted("Hello there").getBytes(StandardCharsets.UTF_8));
                out.flush();
                // Keeps streaming until the gateway stops reading (the caller went away).
                for (int i = 0; i < 2_000 && release.getCount() > 0; i++) {
                    out.write(CHUNK.formatted("more").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    release.await(5, TimeUnit.MILLISECONDS);
                }
            } finally {
                upstreamDone.countDown();
            }
        });
        HttpResponse<InputStream> r = http.send(chat(BODY), HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = r.body()) {
            assertThat(new String(in.readNBytes(20), StandardCharsets.UTF_8)).startsWith("data: ");
        }
        JsonNode event = onlyEvent();
        assertThat(event.get("metadata").get("usage_estimated").asBoolean()).isTrue();
        assertThat(event.get("usage").get("output_tokens").asLong()).isPositive();
        assertThat(event.get("status").asInt()).isEqualTo(200);
        assertThat(upstreamDone.await(10, TimeUnit.SECONDS)).as("the upstream call was ended").isTrue();
    }

    @Test
    void upstreamTooSlow_answers504InOpenAiFormat_andIsRecorded() throws Exception {
        upstream.answer((e, req) -> {
            release.await(20, TimeUnit.SECONDS); // never answers within the gateway's 1 s
            FakeUpstream.json(e, 200, "{}", Map.of());
        });
        HttpResponse<String> r = http.send(chat(BODY), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(504);
        assertThat(r.body()).contains("\"error\"").contains("\"code\":\"upstream_timeout\"");
        assertThat(onlyEvent().get("status").asInt()).isEqualTo(504);
    }

    @Test
    void stream_isNotBuffered_firstChunkReachesTheCallerBeforeTheUpstreamSendsTheSecond() throws Exception {
        CountDownLatch callerGotFirst = new CountDownLatch(1);
        boolean[] secondSentAfterFirstArrived = new boolean[1];
        upstream.answer((e, req) -> {
            e.getResponseHeaders().set("Content-Type", "text/event-stream");
            e.sendResponseHeaders(200, 0);
            try (OutputStream out = e.getResponseBody()) {
                out.write(CHUNK.formatted("first").getBytes(StandardCharsets.UTF_8));
                out.flush();
                secondSentAfterFirstArrived[0] = callerGotFirst.await(10, TimeUnit.SECONDS);
                out.write(CHUNK.formatted("second").getBytes(StandardCharsets.UTF_8));
                out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
            }
        });
        HttpResponse<InputStream> r = http.send(chat(BODY), HttpResponse.BodyHandlers.ofInputStream());
        String first = CHUNK.formatted("first");
        try (InputStream in = r.body()) {
            byte[] got = in.readNBytes(first.getBytes(StandardCharsets.UTF_8).length);
            assertThat(new String(got, StandardCharsets.UTF_8)).isEqualTo(first);
            callerGotFirst.countDown();
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).contains("second");
        }
        assertThat(secondSentAfterFirstArrived[0]).as("the first chunk arrived while the upstream held the second")
                .isTrue();
    }

    @Test
    void keys_callersKeyNeverUpstream_upstreamKeyNeverInAnswersLogsStoreOrEvents() throws Exception {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        root.addAppender(logs);
        try {
            upstream.answer((e, req) -> FakeUpstream.json(e, 200, "{\"id\":\"chatcmpl-1\",\"object\":"
                    + "\"chat.completion\",\"model\":\"gpt-4o\",\"choices\":[],\"usage\":{\"prompt_tokens\":3,"
                    + "\"completion_tokens\":1}}", Map.of()));
            HttpResponse<String> ok = http.send(chat(BODY.replace("true", "false")),
                    HttpResponse.BodyHandlers.ofString());
            upstream.close(); // and a failing call, whose error paths log
            HttpResponse<String> failed = http.send(chat(BODY.replace("true", "false")),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(failed.statusCode()).isEqualTo(502);
            Await.within(Duration.ofSeconds(10), "both events",
                    () -> api.get("/v1/customers/acme/events").json().get("events").size() == 2);

            FakeUpstream.Seen seen = upstream.seen().get(0);
            assertThat(seen.headers().toString() + seen.body() + seen.query()).doesNotContain(key)
                    .doesNotContain(key.substring(0, 20));
            assertThat(seen.header("Authorization")).isEqualTo("Bearer " + UPSTREAM_KEY);
            for (HttpResponse<String> r : java.util.List.of(ok, failed)) {
                assertThat(r.headers().map().toString() + r.body()).doesNotContain(UPSTREAM_KEY);
            }
            String answers = api.get("/v1/upstreams").body() + api.get("/v1/upstreams/openai").body()
                    + api.get("/v1/customers/acme/events").body() + api.get("/v1/customers/acme/usage").body();
            assertThat(answers).doesNotContain(UPSTREAM_KEY);
            assertThat(logs.list).isNotEmpty();
            assertThat(logs.list).allSatisfy(l -> assertThat(l.getFormattedMessage()
                    + (l.getThrowableProxy() == null ? "" : l.getThrowableProxy().getMessage()))
                    .doesNotContain(UPSTREAM_KEY).doesNotContain(key));
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path f : files.filter(Files::isRegularFile).filter(f -> !f.endsWith("tally.yaml")).toList()) {
                    assertThat(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1)).as(f.toString())
                            .doesNotContain(UPSTREAM_KEY);
                }
            }
        } finally {
            root.detachAppender(logs);
        }
    }
}
