package dev.tally.server.gateway;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.RateLimitException;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
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

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The gateway in front of Anthropic, called through the official {@code anthropic-java} SDK, against a fake upstream
 * answering the Messages API's documented transcripts: a message object, and the event stream {@code message_start},
 * content blocks, {@code message_delta} (cumulative usage) and {@code message_stop}.
 */
class GatewayAnthropicTest {
    private static final String MODEL = "claude-sonnet-4-5-20250929";

    @TempDir
    Path dir;
    private TestServer server;
    private Api api;
    private FakeUpstream upstream;
    private AnthropicClient client;

    @BeforeEach
    void start() {
        server = TestServer.start(Backend.SQLITE, dir, MutableClock.at("2026-11-20T12:00:30Z"));
        api = server.admin();
        upstream = new FakeUpstream();
        // $3 per 1M input, $15 output, $0.30 cache reads, $3.75 cache writes.
        assertThat(api.put("/v1/prices", ("""
                [{"provider":"anthropic","model":"M","metric":"input_tokens","unit_price":"3.00","per":1000000},
                 {"provider":"anthropic","model":"M","metric":"output_tokens","unit_price":"15.00","per":1000000},
                 {"provider":"anthropic","model":"M","metric":"cached_tokens","unit_price":"0.30","per":1000000},
                 {"provider":"anthropic","model":"M","metric":"cache_write_tokens","unit_price":"3.75","per":1000000}]
                """).replace("\"M\"", "\"" + MODEL + "\"")).status()).isEqualTo(200);
        assertThat(api.put("/v1/customers/acme", "{\"limits\":[{\"metric\":\"requests\",\"window\":\"minute\","
                + "\"amount\":1}]}").status()).isIn(200, 201);
        String key = api.post("/v1/customers/acme/keys", null).json().get("key").asText();
        assertThat(api.put("/v1/upstreams/anthropic", "{\"type\":\"anthropic\",\"base_url\":\"" + upstream.baseUrl()
                + "\",\"api_key\":\"sk-ant-upstream-secret\"}").status()).isEqualTo(200);
        client = AnthropicOkHttpClient.builder().apiKey(key)
                .baseUrl("http://127.0.0.1:" + server.port() + "/gateway/anthropic").maxRetries(0).build();
    }

    @AfterEach
    void stop() {
        client.close();
        server.close();
        upstream.close();
    }

    private static MessageCreateParams params() {
        return MessageCreateParams.builder().model(MODEL).maxTokens(1024).addUserMessage("Hello, Claude").build();
    }

    private JsonNode onlyEvent() {
        Await.within(Duration.ofSeconds(5), "the call's event",
                () -> api.get("/v1/customers/acme/events").json().get("events").size() == 1);
        return api.get("/v1/customers/acme/events").json().get("events").get(0);
    }

    /** Cache reads as cached_tokens, cache writes as cache_write_tokens, each at its own price. */
    private static void assertUsage(JsonNode event) {
        assertThat(event.get("usage").toString()).isEqualTo("{\"cache_write_tokens\":2000,\"cached_tokens\":3000,"
                + "\"input_tokens\":100,\"output_tokens\":500}");
        assertThat(event.get("tokens").asLong()).isEqualTo(5600);
        // 100 x 3/1M + 500 x 15/1M + 3000 x 0.30/1M + 2000 x 3.75/1M = 0.0003 + 0.0075 + 0.0009 + 0.0075
        assertThat(event.get("cost").asText()).isEqualTo("0.0162");
        assertThat(event.get("model").asText()).isEqualTo(MODEL);
        assertThat(event.get("provider").asText()).isEqualTo("anthropic");
        assertThat(event.get("endpoint").asText()).isEqualTo("/v1/messages");
    }

    @Test
    void messages_plain_recordsCacheReadsAndWritesApart() {
        upstream.answer((e, req) -> FakeUpstream.json(e, 200, """
                {"id":"msg_013Zva2CMHLNnXjNJJKqJ2EF","type":"message","role":"assistant","model":"%s",
                 "content":[{"type":"text","text":"Hi! My name is Claude."}],"stop_reason":"end_turn",
                 "stop_sequence":null,"usage":{"input_tokens":100,"cache_creation_input_tokens":2000,
                 "cache_read_input_tokens":3000,"output_tokens":500}}""".formatted(MODEL),
                Map.of("request-id", "req_018EeWyXxfu5pfWkrYcMdjWG")));
        Message m = client.messages().create(params());
        assertThat(m.content().get(0).text().orElseThrow().text()).isEqualTo("Hi! My name is Claude.");
        FakeUpstream.Seen seen = upstream.seen().get(0);
        assertThat(seen.header("x-api-key")).isEqualTo("sk-ant-upstream-secret");
        assertThat(seen.header("anthropic-version")).isNotNull();
        assertUsage(onlyEvent());
    }

    @Test
    void messages_streamed_cumulativeMessageDelta_lastValueCounts_neverTheSum() {
        upstream.answer((e, req) -> FakeUpstream.sse(e, List.of(
                "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1nZdL29xx5MUA1y\","
                        + "\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"" + MODEL + "\","
                        + "\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":100,"
                        + "\"cache_creation_input_tokens\":2000,\"cache_read_input_tokens\":3000,"
                        + "\"output_tokens\":1}}}\n\n",
                "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,"
                        + "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n",
                "event: ping\ndata: {\"type\": \"ping\"}\n\n",
                "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
                        + "\"delta\":{\"type\":\"text_delta\",\"text\":\"Hello\"}}\n\n",
                "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
                        + "\"delta\":{\"type\":\"text_delta\",\"text\":\"!\"}}\n\n",
                "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
                "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":null,"
                        + "\"stop_sequence\":null},\"usage\":{\"output_tokens\":200}}\n\n",
                "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\","
                        + "\"stop_sequence\":null},\"usage\":{\"output_tokens\":500}}\n\n",
                "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n")));
        List<RawMessageStreamEvent> events = new ArrayList<>();
        try (StreamResponse<RawMessageStreamEvent> stream = client.messages().createStreaming(params())) {
            stream.stream().forEach(events::add);
        }
        assertThat(events).hasSizeGreaterThanOrEqualTo(8);
        assertThat(events.get(events.size() - 1).isMessageStop()).isTrue();
        JsonNode event = onlyEvent();
        assertUsage(event);
        assertThat(event.get("metadata").isNull()).isTrue();
    }

    @Test
    void overTheMinuteLimit_sdkRaisesItsRateLimitError_andTheUpstreamSawOneCall() {
        upstream.answer((e, req) -> FakeUpstream.json(e, 200, """
                {"id":"msg_1","type":"message","role":"assistant","model":"%s","content":[{"type":"text","text":"x"}],
                 "stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":10,"output_tokens":1}}"""
                .formatted(MODEL), Map.of()));
        client.messages().create(params());
        assertThatThrownBy(() -> client.messages().create(params()))
                .isInstanceOfSatisfying(RateLimitException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(429);
                    assertThat(e.body().toString()).contains("rate_limit_error");
                });
        assertThat(upstream.seen()).hasSize(1);
    }
}
