package dev.tally.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.testing.MutableClock;
import dev.tally.server.testing.Api;
import dev.tally.server.testing.Backend;
import dev.tally.server.testing.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 13, step 1: an event's (and a call's) {@code user} and {@code dimensions}, validated at the edge, stored,
 * shown in the log and filtered on, on SQLite and PostgreSQL.
 */
class EndUserEventsTest {
    @TempDir
    Path dir;
    private TestServer server;
    private Api api;

    private void start(Backend backend) {
        server = TestServer.start(backend, dir, MutableClock.at("2026-11-20T12:00:00Z"));
        api = server.admin();
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
    void events_withUserAndDimensions_areStoredShownAndFiltered(Backend backend) {
        start(backend);
        // One event alone and a batch take the fast reader; metadata sends the second batch down the tree path.
        assertThat(api.post("/v1/events", """
                {"id":"e1","customer":"acme","user":"doctor_1","dimensions":{"platform":"instagram","bot":"support"}}
                """).json().get("accepted").asInt()).isEqualTo(1);
        assertThat(api.post("/v1/events", """
                [{"id":"e2","customer":"acme","user":"doctor_2","dimensions":{"platform":"tiktok"}},
                 {"id":"e3","customer":"acme","user":"doctor_1","dimensions":{"platform":"Instagram"}}]
                """).json().get("accepted").asInt()).isEqualTo(2);
        assertThat(api.post("/v1/events", """
                [{"id":"e4","customer":"acme","user":"doctor_2","metadata":{"a":1},
                  "dimensions":{"platform":"instagram","quote":"say \\"hi\\", \\\\ bye"}},
                 {"id":"e5","customer":"acme"}]
                """).json().get("accepted").asInt()).isEqualTo(2);

        JsonNode all = api.get("/v1/customers/acme/events").json().get("events");
        assertThat(all).hasSize(5);
        JsonNode e4 = find(all, "e4");
        assertThat(e4.get("user").asText()).isEqualTo("doctor_2");
        assertThat(e4.at("/dimensions/platform").asText()).isEqualTo("instagram");
        assertThat(e4.at("/dimensions/quote").asText()).isEqualTo("say \"hi\", \\ bye");
        assertThat(find(all, "e1").get("dimensions").size()).isEqualTo(2);
        assertThat(find(all, "e5").get("dimensions").size()).isZero();
        assertThat(find(all, "e5").get("user").isNull()).isTrue();

        assertThat(ids("/v1/customers/acme/events?user=doctor_1")).containsExactlyInAnyOrder("e1", "e3");
        // Exact and case-sensitive: "Instagram" is another value.
        assertThat(ids("/v1/customers/acme/events?dimension.platform=instagram")).containsExactlyInAnyOrder("e1", "e4");
        assertThat(ids("/v1/customers/acme/events?dimension.platform=instagram&user=doctor_2"))
                .containsExactly("e4");
        assertThat(ids("/v1/customers/acme/events?dimension.platform=instagram&dimension.bot=support"))
                .containsExactly("e1");
        assertThat(ids("/v1/customers/acme/events?dimension.platform=insta")).isEmpty();
        assertThat(ids("/v1/customers/acme/events?dimension.quote=" + encode("say \"hi\", \\ bye")))
                .containsExactly("e4");
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void cloudEvent_dataWithUserAndDimensions_isStoredWithThem(Backend backend) throws Exception {
        start(backend);
        String body = """
                {"specversion":"1.0","id":"ce-1","source":"//bot","type":"com.example.call","subject":"acme",
                 "data":{"user":"bot_7","dimensions":{"platform":"tiktok"}}}""";
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + server.port() + "/v1/events"))
                .header("Authorization", "Bearer " + TestServer.ADMIN_KEY)
                .header("Content-Type", "application/cloudevents+json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode logged = api.get("/v1/customers/acme/events?dimension.platform=tiktok").json().at("/events/0");
        assertThat(logged.get("user").asText()).isEqualTo("bot_7");
        assertThat(logged.get("id").asText()).isEqualTo("ce-1");
    }

    @Test
    void events_badUserOrDimensions_are400NamingFieldAndRule_andStoreNothing() {
        start(Backend.SQLITE);
        String nine = "{\"a\":\"1\",\"b\":\"1\",\"c\":\"1\",\"d\":\"1\",\"e\":\"1\",\"f\":\"1\",\"g\":\"1\",\"h\":\"1\","
                + "\"i\":\"1\"}";
        assertProblem("{\"customer\":\"acme\",\"dimensions\":" + nine + "}", "dimensions",
                "dimensions: must have at most 8 keys, had 9");
        assertProblem("{\"customer\":\"acme\",\"dimensions\":{\"Platform\":\"x\"}}", "dimensions.Platform",
                "dimensions.Platform: key must be lower_snake_case (a-z, 0-9, _; starting with a letter), at most 64"
                        + " characters");
        assertProblem("{\"customer\":\"acme\",\"dimensions\":{\"platform\":\"" + "x".repeat(129) + "\"}}",
                "dimensions.platform", "dimensions.platform: must be 1 to 128 characters, was 129");
        assertProblem("{\"customer\":\"acme\",\"dimensions\":{\"platform\":\"\"}}",
                "dimensions.platform", "dimensions.platform: must be 1 to 128 characters, was 0");
        assertProblem("{\"customer\":\"acme\",\"dimensions\":{\"platform\":3}}",
                "dimensions.platform", "dimensions.platform: must be a string, was 3");
        assertProblem("{\"customer\":\"acme\",\"dimensions\":[\"x\"]}",
                "dimensions", "dimensions: must be an object of string values, was an array");
        assertProblem("{\"customer\":\"acme\",\"user\":\"" + "u".repeat(129) + "\"}",
                "user", "user: must be 1 to 128 characters, was 129");
        assertThat(api.get("/v1/customers/acme/events").json().get("events")).isEmpty();
    }

    @Test
    void eventLog_badFilters_are400NamingTheParameter() {
        start(Backend.SQLITE);
        Api.Response key = api.get("/v1/customers/acme/events?dimension.Bad-Key=x");
        assertThat(key.status()).isEqualTo(400);
        assertThat(key.json().at("/errors/0/field").asText()).isEqualTo("dimension.Bad-Key");
        Api.Response user = api.get("/v1/customers/acme/events?user=" + "u".repeat(129));
        assertThat(user.status()).isEqualTo(400);
        assertThat(user.json().at("/errors/0/message").asText()).isEqualTo("user: must be 1 to 128 characters, was 129");
    }

    @Test
    void authorizeAndCheck_takeUserAndDimensions_andRefuseBadOnes() {
        start(Backend.SQLITE);
        String call = "{\"customer\":\"acme\",\"user\":\"doctor_1\",\"dimensions\":{\"platform\":\"instagram\"}}";
        assertThat(api.post("/v1/authorize", call).json().get("allowed").asBoolean()).isTrue();
        assertThat(api.post("/v1/check", call).json().get("allowed").asBoolean()).isTrue();
        // With an unusual form (ttl as 5.0) the same call takes the validating path.
        assertThat(api.post("/v1/check", call.replace("}}", "},\"ttl_seconds\":5.0}")).status()).isEqualTo(200);

        Api.Response bad = api.post("/v1/authorize",
                "{\"customer\":\"acme\",\"user\":\"\",\"dimensions\":{\"9lives\":\"x\"}}");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().at("/errors/0/message").asText()).isEqualTo("user: must be 1 to 128 characters, was 0");
        assertThat(bad.json().at("/errors/1/field").asText()).isEqualTo("dimensions.9lives");
    }

    private void assertProblem(String event, String field, String message) {
        Api.Response r = api.post("/v1/events", event);
        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.contentType()).startsWith("application/problem+json");
        assertThat(r.json().at("/errors/0/field").asText()).isEqualTo(field);
        assertThat(r.json().at("/errors/0/message").asText()).isEqualTo(message);
    }

    private java.util.List<String> ids(String path) {
        Api.Response r = api.get(path);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        java.util.List<String> ids = new java.util.ArrayList<>();
        r.json().get("events").forEach(e -> ids.add(e.get("id").asText()));
        return ids;
    }

    private static JsonNode find(JsonNode events, String id) {
        for (JsonNode e : events) {
            if (e.get("id").asText().equals(id)) {
                return e;
            }
        }
        throw new AssertionError("no event " + id + " in " + events);
    }

    private static String encode(String s) {
        return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8);
    }
}
