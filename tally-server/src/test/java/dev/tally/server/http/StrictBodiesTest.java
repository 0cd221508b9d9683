package dev.tally.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.testing.MutableClock;
import dev.tally.server.testing.Api;
import dev.tally.server.testing.Backend;
import dev.tally.server.testing.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 11, point 1: a request body is exactly one JSON value; anything after it is a 400 that stores nothing (it used
 * to be ignored, so {@code {ev1}{ev2}} was acknowledged as one event and the second was silently lost).
 */
class StrictBodiesTest {
    private static final String EVENT = "{\"id\":\"e%s\",\"customer\":\"acme\",\"usage\":{\"input_tokens\":10}}";
    /** What may follow a valid JSON value in the bodies below. */
    private static final String[] TRAILERS = {"%s", "]", " xyz", " 1", "}", " {}", " null"};

    @TempDir
    Path dir;
    private TestServer server;
    private Api api;

    @BeforeEach
    void start() {
        server = TestServer.start(Backend.SQLITE, dir, MutableClock.at("2026-11-20T12:00:00Z"));
        api = server.admin();
        assertThat(api.put("/v1/plans/one", """
                {"name":"One","limits":[{"metric":"requests","window":"minute","amount":1}]}""").status())
                .isEqualTo(201);
        assertThat(api.put("/v1/customers/acme", "{\"name\":\"Acme\",\"plan\":\"one\"}").status()).isEqualTo(201);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"%s", "[%s]", "{\"events\":[%s]}"})
    void events_anythingAfterTheBody_is400AndStoresNothing(String shape) {
        int n = 0;
        for (String trailer : TRAILERS) {
            String first = shape.formatted(EVENT.formatted(++n));
            String body = first + trailer.formatted(EVENT.formatted(++n));
            assertBadBody(api.post("/v1/events", body), body);
            assertBadBody(api.post("/v1/events", "[" + EVENT.formatted(++n) + "]]"), "[ev]]");
        }
        assertThat(api.get("/v1/customers/acme/usage").json().at("/totals/requests").asLong()).isZero();
        assertThat(api.post("/v1/events", "\n" + shape.formatted(EVENT.formatted(++n)) + " \r\n\t ").status())
                .as("whitespace after the value is fine").isEqualTo(200);
    }

    @Test
    void authorizeAndCheck_anythingAfterTheBody_is400AndReservesNothing() {
        String call = "{\"customer\":\"acme\",\"estimate\":{\"tokens\":10}}";
        for (String trailer : TRAILERS) {
            String body = call + trailer.formatted(call);
            assertBadBody(api.post("/v1/authorize", body), body);
            assertBadBody(api.post("/v1/check", body), body);
        }
        assertThat(api.post("/v1/authorize", call).json().get("allowed").asBoolean())
                .as("the one request a minute is still free").isTrue();
    }

    @Test
    void catalogAndKeys_anythingAfterTheBody_is400AndChangesNothing() {
        for (String trailer : TRAILERS) {
            String plan = "{\"name\":\"Two\",\"limits\":[]}";
            assertBadBody(api.put("/v1/plans/two", plan + trailer.formatted(plan)), "plan");
            String customer = "{\"name\":\"Globex\"}";
            assertBadBody(api.put("/v1/customers/globex", customer + trailer.formatted(customer)), "customer");
            String prices = "[{\"provider\":\"openai\",\"metric\":\"input_tokens\",\"unit_price\":\"0.03\"}]";
            assertBadBody(api.put("/v1/prices", prices + trailer.formatted(prices)), "prices");
            String channel = "{\"type\":\"webhook\",\"url\":\"https://hooks.example.com/t\"}";
            assertBadBody(api.put("/v1/channels/hook", channel + trailer.formatted(channel)), "channel");
            String key = "{\"scope\":\"ingest\"}";
            assertBadBody(api.post("/v1/keys", key + trailer.formatted(key)), "key");
        }
        assertThat(api.get("/v1/plans/two").status()).isEqualTo(404);
        assertThat(api.get("/v1/customers/globex").status()).isEqualTo(404);
        assertThat(api.get("/v1/prices").json().toString()).doesNotContain("openai");
        assertThat(api.get("/v1/channels/hook").status()).isEqualTo(404);
    }

    private static void assertBadBody(Api.Response response, String body) {
        assertThat(response.status()).as(body).isEqualTo(400);
        assertThat(response.contentType()).as(body).startsWith("application/problem+json");
        JsonNode errors = response.json().get("errors");
        assertThat(errors.findValuesAsText("field")).as(body).containsExactly("body");
        assertThat(errors.get(0).get("message").asText()).as(body).contains("body:");
    }
}
