package dev.tally.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.testing.MutableClock;
import dev.tally.server.testing.Api;
import dev.tally.server.testing.Backend;
import dev.tally.server.testing.OpenApiContract;
import dev.tally.server.testing.TestServer;
import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import io.cloudevents.core.format.EventFormat;
import io.cloudevents.core.provider.EventFormatProvider;
import io.cloudevents.jackson.JsonFormat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * CloudEvents ingestion (issue 11, point 12) against the real server on SQLite and PostgreSQL. The events are written
 * by the CloudEvents Java SDK, as an outside client would write them: the server must take exactly that JSON.
 */
class CloudEventIngestionTest {
    private static final EventFormat FORMAT = EventFormatProvider.getInstance().resolveFormat(JsonFormat.CONTENT_TYPE);
    private static final String SINGLE = "application/cloudevents+json";
    private static final String BATCH = "application/cloudevents-batch+json";
    private static final String DATA = """
            {"provider": "openai", "model": "gpt-4", "endpoint": "/api/chat", "status": 200, "latency_ms": 150,
             "user": "doctor_1", "usage": {"input_tokens": 500, "output_tokens": 200}}""";

    @TempDir
    Path dir;
    private final HttpClient http = HttpClient.newHttpClient();
    private TestServer server;
    private Api api;

    private void start(Backend backend) {
        server = TestServer.start(backend, dir, MutableClock.at("2026-11-20T12:00:00Z"));
        api = server.admin();
        api.put("/v1/prices", """
                [{"provider":"openai","model":"gpt-4","metric":"input_tokens","unit_price":"0.03","per":1000}]""");
        api.put("/v1/customers/acme", "{\"name\":\"Acme\"}");
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void postCloudEvent_writtenBySdk_isCountedPricedAndShownWithItsContext(Backend backend) {
        start(backend);
        CloudEvent event = sdkEvent("req-8812", "//chat.example.com/api", DATA)
                .withExtension("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
                .withExtension("attempt", 2)
                .withDataSchema(URI.create("https://example.com/schemas/call.json"))
                .build();

        JsonNode answer = post(SINGLE, FORMAT.serialize(event), Map.of()).json();

        assertThat(answer.get("accepted").asInt()).as(answer.toString()).isEqualTo(1);
        JsonNode totals = api.get("/v1/customers/acme/usage").json().get("totals");
        assertThat(totals.get("input_tokens").asLong()).isEqualTo(500);
        assertThat(totals.get("cost").asText()).isEqualTo("0.015");
        JsonNode logged = api.get("/v1/customers/acme/events").json().at("/events/0");
        assertThat(logged.get("id").asText()).isEqualTo("req-8812");
        assertThat(logged.get("customer").asText()).isEqualTo("acme");
        assertThat(logged.get("timestamp").asText()).isEqualTo("2026-11-20T11:00:00Z");
        assertThat(logged.get("user").asText()).isEqualTo("doctor_1");
        JsonNode context = logged.get("cloudevent");
        assertThat(context.get("source").asText()).isEqualTo("//chat.example.com/api");
        assertThat(context.get("type").asText()).isEqualTo("com.example.api.call");
        assertThat(context.at("/attributes/traceparent").asText())
                .isEqualTo("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        assertThat(context.at("/attributes/attempt").asInt()).isEqualTo(2);
        assertThat(context.at("/attributes/dataschema").asText()).isEqualTo("https://example.com/schemas/call.json");
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void postCloudEvents_sameIdFromTwoSourcesAndAsPlainId_areThreeEventsAndResendsAreDuplicates(Backend backend) {
        start(backend);
        byte[] batch = batchOf(sdkEvent("req-1", "//a.example.com", DATA).build(),
                sdkEvent("req-1", "//b.example.com", DATA).build());
        String plain = "{\"id\":\"req-1\",\"customer\":\"acme\"}";

        JsonNode first = post(BATCH, batch, Map.of()).json();
        JsonNode plainFirst = api.post("/v1/events", plain).json();
        JsonNode again = post(BATCH, batch, Map.of()).json();
        JsonNode oneAgain = post(SINGLE, FORMAT.serialize(sdkEvent("req-1", "//a.example.com", DATA).build()),
                Map.of()).json();
        JsonNode plainAgain = api.post("/v1/events", plain).json();

        assertThat(first.get("accepted").asInt()).as(first.toString()).isEqualTo(2);
        assertThat(plainFirst.get("accepted").asInt()).isEqualTo(1);
        assertThat(List.of(again.get("duplicates").asInt(), oneAgain.get("duplicates").asInt(),
                plainAgain.get("duplicates").asInt())).containsExactly(2, 1, 1);
        assertThat(api.get("/v1/customers/acme/usage").json().at("/totals/requests").asLong()).isEqualTo(3);
    }

    @Test
    void postCloudEventBatch_invalidEvents_keepsTheValidOneAndNamesEachAttribute() {
        start(Backend.SQLITE);
        String events = """
                [{"specversion":"1.0","id":"ok","source":"//s","type":"t","subject":"acme","data":{"usage":{"input_tokens":1}}},
                 {"specversion":"1.0","id":"no-subject","source":"//s","type":"t"},
                 {"specversion":"1.0","id":"negative","source":"//s","type":"t","subject":"acme","time":"2026-11-20T11:00:00Z",
                  "data":{"usage":{"input_tokens":-5}}},
                 {"specversion":"0.3","id":"old","type":"t","subject":"acme","data":{"customer":"acme"}},
                 {"specversion":"1.0","id":"bad-ext","source":"//s","type":"t","subject":"acme","Bad_Name":"x","deep":{"a":1}}]""";

        JsonNode answer = post(BATCH, events.getBytes(StandardCharsets.UTF_8), Map.of()).json();

        assertThat(answer.get("accepted").asInt()).as(answer.toString()).isEqualTo(1);
        assertThat(fields(answer.get("rejected"))).containsExactly(
                "1 no-subject: subject",
                "2 negative: data.usage.input_tokens",
                "3 old: specversion, source, data.customer",
                "4 bad-ext: Bad_Name, deep");
        assertThat(answer.at("/rejected/1/errors/0/message").asText())
                .isEqualTo("data.usage.input_tokens: must be >= 0, was -5");
    }

    @Test
    void post_contentTypeNeitherJsonNorCloudEvents_answers415AndStoresNothing() {
        start(Backend.SQLITE);
        byte[] event = "{\"id\":\"e1\",\"customer\":\"acme\"}".getBytes(StandardCharsets.UTF_8);

        for (String type : List.of("text/plain", "multipart/form-data; boundary=x", "application/xml")) {
            Api.Response r = send("POST", "/v1/events", type, event, Map.of());
            assertThat(r.status()).as(type).isEqualTo(415);
            assertThat(r.contentType()).startsWith("application/problem+json");
            assertThat(r.json().at("/errors/0/field").asText()).isEqualTo("Content-Type");
        }
        Api.Response plan = send("PUT", "/v1/plans/pro", "text/plain", "{\"name\":\"Pro\"}".getBytes(
                StandardCharsets.UTF_8), Map.of());
        Api.Response authorize = send("POST", "/v1/authorize", "text/plain", event, Map.of());
        Api.Response ceOnPlan = send("PUT", "/v1/plans/pro", SINGLE, "{\"name\":\"Pro\"}".getBytes(
                StandardCharsets.UTF_8), Map.of());

        assertThat(List.of(plan.status(), authorize.status(), ceOnPlan.status())).containsExactly(415, 415, 415);
        assertThat(api.get("/v1/customers/acme/usage").json().at("/totals/requests").asLong()).isZero();
    }

    @Test
    void post_jsonNoContentTypeOrCurlFormType_isReadAsPlainJson() {
        start(Backend.SQLITE);

        List<Integer> accepted = new ArrayList<>();
        int i = 0;
        for (String type : new String[] {"application/json; charset=utf-8", null,
                "application/x-www-form-urlencoded"}) {
            byte[] event = ("{\"id\":\"e" + i++ + "\",\"customer\":\"acme\"}").getBytes(StandardCharsets.UTF_8);
            accepted.add(send("POST", "/v1/events", type, event, Map.of()).json().get("accepted").asInt());
        }

        assertThat(accepted).containsExactly(1, 1, 1);
    }

    @Test
    void post_cloudEventsBinaryMode_answers400NamingStructuredModeAndStoresNothing() {
        start(Backend.SQLITE);
        // What a binary-mode client sends: the attributes as ce-* headers, the data alone as the body.
        Map<String, String> headers = Map.of("ce-specversion", "1.0", "ce-id", "req-9", "ce-source", "//s",
                "ce-type", "com.example.api.call", "ce-subject", "acme");

        Api.Response r = send("POST", "/v1/events", "application/json", DATA.getBytes(StandardCharsets.UTF_8),
                headers);

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().at("/errors/0/field").asText()).isEqualTo("ce-specversion");
        assertThat(r.json().at("/errors/0/message").asText()).contains("application/cloudevents+json");
        assertThat(api.get("/v1/customers/acme/usage").json().at("/totals/requests").asLong()).isZero();
    }

    @Test
    void post_bodyShapeOfTheOtherCloudEventsType_answers400NamingTheRightType() {
        start(Backend.SQLITE);
        byte[] one = FORMAT.serialize(sdkEvent("req-1", "//s", DATA).build());

        Api.Response oneAsBatch = send("POST", "/v1/events", BATCH, one, Map.of());
        Api.Response batchAsOne = send("POST", "/v1/events", SINGLE, batchOf(sdkEvent("req-1", "//s", DATA).build()),
                Map.of());

        assertThat(oneAsBatch.status()).isEqualTo(400);
        assertThat(oneAsBatch.json().at("/errors/0/message").asText()).contains(SINGLE);
        assertThat(batchAsOne.status()).isEqualTo(400);
        assertThat(batchAsOne.json().at("/errors/0/message").asText()).contains(BATCH);
    }

    /** The rejected events as "index id: field, field". */
    private static List<String> fields(JsonNode rejected) {
        List<String> out = new ArrayList<>();
        for (JsonNode r : rejected) {
            List<String> names = new ArrayList<>();
            r.get("errors").forEach(e -> names.add(e.get("field").asText()));
            out.add(r.get("index").asInt() + " " + r.get("id").asText() + ": " + String.join(", ", names));
        }
        return out;
    }

    private static CloudEventBuilder sdkEvent(String id, String source, String data) {
        return CloudEventBuilder.v1().withId(id).withSource(URI.create(source)).withType("com.example.api.call")
                .withSubject("acme").withTime(OffsetDateTime.parse("2026-11-20T11:00:00Z"))
                .withData("application/json", data.getBytes(StandardCharsets.UTF_8));
    }

    /** A batch in the JSON batch format: an array of events, each as the SDK writes it. */
    private static byte[] batchOf(CloudEvent... events) {
        StringBuilder out = new StringBuilder("[");
        for (CloudEvent e : events) {
            out.append(out.length() > 1 ? "," : "").append(new String(FORMAT.serialize(e), StandardCharsets.UTF_8));
        }
        return out.append(']').toString().getBytes(StandardCharsets.UTF_8);
    }

    private Api.Response post(String contentType, byte[] body, Map<String, String> headers) {
        return send("POST", "/v1/events", contentType, body, headers);
    }

    private Api.Response send(String method, String path, String contentType, byte[] body,
                              Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .method(method, HttpRequest.BodyPublishers.ofByteArray(body))
                .header("Authorization", "Bearer " + TestServer.ADMIN_KEY);
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        headers.forEach(b::header);
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            OpenApiContract.get().check(r);
            return new Api.Response(r.statusCode(), r.body(), r.headers().firstValue("Content-Type").orElse(""));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
