package dev.tally.server.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.errors.RateLimitException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
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

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A {@code concurrent_requests} limit: a call holds one place from its authorization until its event settles the
 * reservation, so a customer at its limit is denied further calls (429 in the provider's format, nothing sent
 * upstream) until one of its running calls ends. The fake upstream holds every call until the test releases it.
 */
class GatewayConcurrencyTest {
    private static final String COMPLETION = """
            {"id":"chatcmpl-1","object":"chat.completion","created":1741570283,"model":"gpt-4o",
             "choices":[{"index":0,"message":{"role":"assistant","content":"Hi","refusal":null},"logprobs":null,
             "finish_reason":"stop"}],"usage":{"prompt_tokens":10,"completion_tokens":2,"total_tokens":12}}""";

    @TempDir
    Path dir;
    private TestServer server;
    private Api api;
    private String key;
    private FakeUpstream upstream;
    private OpenAIClient client;
    private final CountDownLatch release = new CountDownLatch(1);
    private final ExecutorService callers = Executors.newFixedThreadPool(2);

    @BeforeEach
    void start() {
        server = TestServer.start(Backend.SQLITE, dir, MutableClock.at("2026-11-20T12:00:30Z"));
        api = server.admin();
        upstream = new FakeUpstream();
        upstream.answer((e, req) -> {
            assertThat(release.await(20, TimeUnit.SECONDS)).as("released by the test").isTrue();
            FakeUpstream.json(e, 200, COMPLETION, Map.of());
        });
        assertThat(api.put("/v1/customers/acme", "{\"limits\":[{\"metric\":\"concurrent_requests\","
                + "\"window\":\"month\",\"amount\":2}]}").status()).isIn(200, 201);
        key = api.post("/v1/customers/acme/keys", null).json().get("key").asText();
        client = OpenAiGateway.connect(server, api, upstream, key);
    }

    @AfterEach
    void stop() {
        release.countDown();
        callers.shutdownNow();
        client.close();
        server.close();
        upstream.close();
    }

    private ChatCompletion call() {
        return client.chat().completions().create(ChatCompletionCreateParams.builder().model("gpt-4o")
                .addUserMessage("Say hi").maxCompletionTokens(5).build());
    }

    @Test
    void aCallBeyondTheLimit_isDeniedInOpenAisFormat_neverReachesTheUpstream_andFitsOnceOneHasEnded()
            throws Exception {
        Future<ChatCompletion> first = callers.submit(this::call);
        Future<ChatCompletion> second = callers.submit(this::call);
        // A bound, not a wait: the SDK's first calls in a fresh JVM load its HTTP stack, which took over 10 s at a
        // load average of 15.
        Await.within(Duration.ofSeconds(30), "two calls held at the upstream", () -> upstream.seen().size() == 2);

        assertThatThrownBy(this::call).isInstanceOf(RateLimitException.class);
        HttpResponse<String> raw = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                        "http://127.0.0.1:" + server.port() + "/gateway/openai/v1/chat/completions"))
                .header("Authorization", "Bearer " + key).POST(HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(raw.statusCode()).isEqualTo(429);
        assertThat(raw.headers().firstValue("Retry-After")).hasValue("1");
        JsonNode error = new ObjectMapper().readTree(raw.body()).get("error");
        assertThat(error.get("code").asText()).isEqualTo("rate_limit_exceeded");
        assertThat(error.get("message").asText()).contains("at once").contains("2");
        assertThat(upstream.seen()).as("denied calls are never forwarded").hasSize(2);

        release.countDown();
        assertThat(first.get(10, TimeUnit.SECONDS).choices().get(0).message().content()).hasValue("Hi");
        assertThat(second.get(10, TimeUnit.SECONDS).choices().get(0).message().content()).hasValue("Hi");
        // A place is free again once the call's event has settled its reservation (a few ms after the answer).
        Await.within(Duration.ofSeconds(10), "a call allowed after the running ones ended", () -> {
            try {
                return call().choices().size() == 1;
            } catch (RateLimitException stillHeld) {
                return false;
            }
        });
        assertThat(upstream.seen()).hasSizeGreaterThanOrEqualTo(3);
    }

    @Test
    void authorize_holdsOnePlacePerReservation_untilItIsReleased() {
        String body = "{\"customer\":\"acme\",\"provider\":\"openai\",\"model\":\"gpt-4o\",\"endpoint\":\"/chat\","
                + "\"estimate\":{\"tokens\":10},\"ttl_seconds\":300}";
        String held = api.post("/v1/authorize", body).json().get("reservation").asText();
        assertThat(api.post("/v1/authorize", body).json().get("allowed").asBoolean()).isTrue();
        JsonNode denied = api.post("/v1/authorize", body).json();
        assertThat(denied.get("allowed").asBoolean()).isFalse();
        assertThat(denied.get("code").asText()).isEqualTo("rate_limited");
        assertThat(denied.get("retry_after_seconds").asLong()).isEqualTo(1);
        assertThat(denied.get("limit").get("metric").asText()).isEqualTo("concurrent_requests");

        assertThat(api.delete("/v1/reservations/" + held).status()).isIn(200, 204);
        assertThat(api.post("/v1/authorize", body).json().get("allowed").asBoolean()).isTrue();
    }

    @Test
    void aSlidingWindow_isRefused_sinceACallWouldStopCountingWhileStillRunning() {
        Api.Response r = api.put("/v1/plans/busy", "{\"limits\":[{\"metric\":\"concurrent_requests\","
                + "\"window\":\"minute\",\"amount\":2}]}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.body()).contains("limits[0].window").contains("day or month");
    }

    @Test
    void anEventCannotSendConcurrentRequests_sinceTheyAreDerived() {
        Api.Response r = api.post("/v1/events", "{\"customer\":\"acme\",\"usage\":{\"concurrent_requests\":3}}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.body()).contains("concurrent_requests");
    }
}
