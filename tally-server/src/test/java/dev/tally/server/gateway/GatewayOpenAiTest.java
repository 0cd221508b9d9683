package dev.tally.server.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.RateLimitException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseStreamEvent;
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
 * The gateway in front of OpenAI, called through the official {@code openai-java} SDK. The fake upstream answers
 * with transcripts written from OpenAI's public API reference (chat completion object, chunk objects with the final
 * usage chunk whose {@code choices} is empty, the Responses API's events, the embeddings list).
 */
class GatewayOpenAiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CHUNK = "{\"id\":\"chatcmpl-123\",\"object\":\"chat.completion.chunk\","
            + "\"created\":1694268190,\"model\":\"gpt-4o-2024-08-06\",\"system_fingerprint\":\"fp_44709d6fcb\","
            + "\"choices\":[{\"index\":0,\"delta\":%s,\"logprobs\":null,\"finish_reason\":%s}]%s}";
    private static final String USAGE_CHUNK = "{\"id\":\"chatcmpl-123\",\"object\":\"chat.completion.chunk\","
            + "\"created\":1694268190,\"model\":\"gpt-4o-2024-08-06\",\"system_fingerprint\":\"fp_44709d6fcb\","
            + "\"choices\":[],\"usage\":{\"prompt_tokens\":1200,\"completion_tokens\":300,\"total_tokens\":1500,"
            + "\"prompt_tokens_details\":{\"cached_tokens\":1000,\"audio_tokens\":0},"
            + "\"completion_tokens_details\":{\"reasoning_tokens\":100,\"audio_tokens\":0,"
            + "\"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0}}}";

    @TempDir
    Path dir;
    private TestServer server;
    private Api api;
    private FakeUpstream upstream;
    private OpenAIClient client;

    /** The store the server runs on; {@link GatewayOpenAiPostgresTest} runs every case on PostgreSQL. */
    Backend backend() {
        return Backend.SQLITE;
    }

    @BeforeEach
    void start() {
        server = TestServer.start(backend(), dir, MutableClock.at("2026-11-20T12:00:30Z"));
        api = server.admin();
        upstream = new FakeUpstream();
        // gpt-4o: $2.50 per 1M input, $1.25 per 1M cached input, $10.00 per 1M output (reasoning is in output).
        assertThat(api.put("/v1/prices", """
                [{"provider":"openai","model":"gpt-4o-2024-08-06","metric":"input_tokens","unit_price":"2.50","per":1000000},
                 {"provider":"openai","model":"gpt-4o-2024-08-06","metric":"cached_tokens","unit_price":"1.25","per":1000000},
                 {"provider":"openai","model":"gpt-4o-2024-08-06","metric":"output_tokens","unit_price":"10.00","per":1000000},
                 {"provider":"openai","model":"text-embedding-3-small","metric":"input_tokens","unit_price":"0.02","per":1000000}]
                """).status()).isEqualTo(200);
        assertThat(api.put("/v1/customers/acme", "{\"limits\":[{\"metric\":\"tokens\",\"window\":\"month\","
                + "\"amount\":2000}]}").status()).isIn(200, 201);
        String key = api.post("/v1/customers/acme/keys", null).json().get("key").asText();
        client = OpenAiGateway.connect(server, api, upstream, key);
    }

    @AfterEach
    void stop() {
        client.close();
        server.close();
        upstream.close();
    }

    private JsonNode onlyEvent() {
        Await.within(Duration.ofSeconds(5), "the call's event",
                () -> api.get("/v1/customers/acme/events").json().get("events").size() == 1);
        return api.get("/v1/customers/acme/events").json().get("events").get(0);
    }

    /** The event's usage as the contract maps OpenAI's: cached out of input, reasoning beside output. */
    private static void assertChatUsage(JsonNode event) {
        assertThat(event.get("usage").toString()).isEqualTo(
                "{\"cached_tokens\":1000,\"input_tokens\":200,\"output_tokens\":300,\"reasoning_tokens\":100}");
        assertThat(event.get("tokens").asLong()).isEqualTo(1500);
        // 200 x 2.50/1M + 1000 x 1.25/1M + 300 x 10/1M = 0.0005 + 0.00125 + 0.003
        assertThat(event.get("cost").asText()).isEqualTo("0.00475");
        assertThat(event.get("unpriced").asBoolean()).isFalse();
        assertThat(event.get("model").asText()).isEqualTo("gpt-4o-2024-08-06");
        assertThat(event.get("provider").asText()).isEqualTo("openai");
        assertThat(event.get("metadata").isNull()).isTrue();
    }

    private static ChatCompletionCreateParams.Builder chat() {
        return ChatCompletionCreateParams.builder().model("gpt-4o").addUserMessage("Say hello")
                .maxCompletionTokens(50).user("end-user-9");
    }

    @Test
    void chat_plain_recordsProviderUsage_toTheTokenAndCent() {
        upstream.answer((e, req) -> FakeUpstream.json(e, 200, """
                {"id":"chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG","object":"chat.completion","created":1741570283,
                 "model":"gpt-4o-2024-08-06","choices":[{"index":0,"message":{"role":"assistant","content":"Hello!",
                 "refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}],
                 "usage":{"prompt_tokens":1200,"completion_tokens":300,"total_tokens":1500,
                 "prompt_tokens_details":{"cached_tokens":1000,"audio_tokens":0},
                 "completion_tokens_details":{"reasoning_tokens":100,"audio_tokens":0,
                 "accepted_prediction_tokens":0,"rejected_prediction_tokens":0}},
                 "service_tier":"default","system_fingerprint":"fp_fc9f1d7035"}""",
                Map.of("x-request-id", "req_abc", "x-ratelimit-remaining-tokens", "29000")));
        ChatCompletion c = client.chat().completions().create(chat().build());
        assertThat(c.choices().get(0).message().content()).hasValue("Hello!");
        assertThat(c.usage().orElseThrow().totalTokens()).isEqualTo(1500);
        FakeUpstream.Seen seen = upstream.seen().get(0);
        assertThat(seen.path()).isEqualTo("/v1/chat/completions");
        assertThat(seen.header("Authorization")).isEqualTo("Bearer sk-upstream-secret");
        JsonNode event = onlyEvent();
        assertChatUsage(event);
        assertThat(event.get("endpoint").asText()).isEqualTo("/v1/chat/completions");
        assertThat(event.get("user").asText()).isEqualTo("end-user-9");
        assertThat(event.get("status").asInt()).isEqualTo(200);
    }

    private void answerChatStream() {
        upstream.answer((e, req) -> {
            boolean usage = JSON.readTree(req.body()).path("stream_options").path("include_usage").asBoolean();
            String tail = usage ? ",\"usage\":null" : "";
            List<String> events = new ArrayList<>();
            events.add("data: " + CHUNK.formatted("{\"role\":\"assistant\",\"content\":\"\"}", "null", tail) + "\n\n");
            events.add("data: " + CHUNK.formatted("{\"content\":\"Hello\"}", "null", tail) + "\n\n");
            events.add("data: " + CHUNK.formatted("{}", "\"stop\"", tail) + "\n\n");
            if (usage) {
                events.add("data: " + USAGE_CHUNK + "\n\n");
            }
            events.add("data: [DONE]\n\n");
            FakeUpstream.sse(e, events);
        });
    }

    @Test
    void chat_streamWithoutIncludeUsage_gatewayAsksForIt_andTheCallerNeverSeesTheUsageChunk() throws Exception {
        answerChatStream();
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions()
                .createStreaming(chat().build())) {
            stream.stream().forEach(chunks::add);
        }
        assertThat(chunks).hasSize(3);
        assertThat(chunks).allSatisfy(ch -> assertThat(ch.choices()).isNotEmpty());
        JsonNode sent = JSON.readTree(upstream.seen().get(0).body());
        assertThat(sent.path("stream_options").path("include_usage").asBoolean()).isTrue();
        assertChatUsage(onlyEvent());
    }

    @Test
    void chat_streamWithIncludeUsage_callerGetsTheUsageChunk_andTheEventTheSameUsage() {
        answerChatStream();
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(chat()
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
            stream.stream().forEach(chunks::add);
        }
        assertThat(chunks).hasSize(4);
        assertThat(chunks.get(3).usage().orElseThrow().promptTokens()).isEqualTo(1200);
        assertChatUsage(onlyEvent());
    }

    private static final String RESPONSE = """
            {"id":"resp_67ccd3a9da748190baa7f1570fe91ac604becb25c45c1d41","object":"response",
             "created_at":1741476777,"status":"%s","error":null,"incomplete_details":null,"instructions":null,
             "max_output_tokens":64,"model":"gpt-4o-2024-08-06","output":[%s],"parallel_tool_calls":true,
             "previous_response_id":null,"reasoning":{"effort":null,"summary":null},"store":true,"temperature":1.0,
             "text":{"format":{"type":"text"}},"tool_choice":"auto","tools":[],"top_p":1.0,"truncation":"disabled",
             "usage":%s,"user":null,"metadata":{}}""";
    private static final String MESSAGE = """
            {"type":"message","id":"msg_67ccd3acc8d48190a77525dc6de64b4104becb25c45c1d41","status":"completed",
             "role":"assistant","content":[{"type":"output_text","text":"Hi there","annotations":[]}]}""";
    private static final String RESPONSE_USAGE = "{\"input_tokens\":1200,\"input_tokens_details\":"
            + "{\"cached_tokens\":1000},\"output_tokens\":300,\"output_tokens_details\":{\"reasoning_tokens\":100},"
            + "\"total_tokens\":1500}";

    @Test
    void responses_plain_recordsItsUsage() {
        upstream.answer((e, req) -> FakeUpstream.json(e, 200,
                RESPONSE.formatted("completed", MESSAGE, RESPONSE_USAGE), Map.of()));
        Response r = client.responses().create(ResponseCreateParams.builder().model("gpt-4o").input("Hi")
                .maxOutputTokens(64).build());
        assertThat(r.id()).startsWith("resp_");
        assertThat(upstream.seen().get(0).path()).isEqualTo("/v1/responses");
        JsonNode event = onlyEvent();
        assertChatUsage(event);
        assertThat(event.get("endpoint").asText()).isEqualTo("/v1/responses");
    }

    @Test
    void responses_streamed_recordsTheUsageOfResponseCompleted() {
        upstream.answer((e, req) -> FakeUpstream.sse(e, List.of(
                "event: response.created\ndata: {\"type\":\"response.created\",\"sequence_number\":0,\"response\":"
                        + RESPONSE.formatted("in_progress", "", "null").replace("\n", "") + "}\n\n",
                "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\","
                        + "\"sequence_number\":1,\"item_id\":\"msg_1\",\"output_index\":0,\"content_index\":0,"
                        + "\"delta\":\"Hi there\"}\n\n",
                "event: response.completed\ndata: {\"type\":\"response.completed\",\"sequence_number\":2,"
                        + "\"response\":" + RESPONSE.formatted("completed", MESSAGE, RESPONSE_USAGE)
                        .replace("\n", "") + "}\n\n")));
        List<ResponseStreamEvent> events = new ArrayList<>();
        try (StreamResponse<ResponseStreamEvent> stream = client.responses().createStreaming(
                ResponseCreateParams.builder().model("gpt-4o").input("Hi").maxOutputTokens(64).build())) {
            stream.stream().forEach(events::add);
        }
        assertThat(events).hasSize(3);
        assertThat(events.get(2).isCompleted()).isTrue();
        assertChatUsage(onlyEvent());
    }

    @Test
    void embeddings_recordPromptTokensAsInput() {
        upstream.answer((e, req) -> FakeUpstream.json(e, 200, """
                {"object":"list","data":[{"object":"embedding","embedding":[0.0023064255,-0.009327292,
                 -0.0028842222],"index":0}],"model":"text-embedding-3-small",
                 "usage":{"prompt_tokens":8,"total_tokens":8}}""", Map.of()));
        CreateEmbeddingResponse r = client.embeddings().create(EmbeddingCreateParams.builder()
                .model("text-embedding-3-small").input("The food was delicious and the waiter...")
                .encodingFormat(EmbeddingCreateParams.EncodingFormat.FLOAT).build());
        assertThat(r.data()).hasSize(1);
        JsonNode event = onlyEvent();
        assertThat(event.get("usage").toString()).isEqualTo("{\"input_tokens\":8}");
        assertThat(event.get("model").asText()).isEqualTo("text-embedding-3-small");
        assertThat(event.get("cost").asText()).isEqualTo("0.00000016");
        assertThat(event.get("endpoint").asText()).isEqualTo("/v1/embeddings");
    }

    @Test
    void overMonthlyTokenBudget_sdkRaisesItsRateLimitError_andTheUpstreamSawNothing() {
        upstream.answer((e, req) -> FakeUpstream.json(e, 200, """
                {"id":"chatcmpl-1","object":"chat.completion","created":1741570283,"model":"gpt-4o-2024-08-06",
                 "choices":[{"index":0,"message":{"role":"assistant","content":"Long answer"},"finish_reason":"stop"}],
                 "usage":{"prompt_tokens":1800,"completion_tokens":400,"total_tokens":2200}}""", Map.of()));
        client.chat().completions().create(chat().build());
        onlyEvent(); // 2,200 tokens counted against the 2,000 of the month
        assertThatThrownBy(() -> client.chat().completions().create(chat().build()))
                .isInstanceOfSatisfying(RateLimitException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(429);
                    assertThat(e.body().toString()).contains("insufficient_quota");
                    assertThat(e.headers().values("Retry-After")).isNotEmpty();
                });
        assertThat(upstream.seen()).hasSize(1);
    }
}
