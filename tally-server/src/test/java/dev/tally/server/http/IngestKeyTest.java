package dev.tally.server.http;

import dev.tally.core.testing.MutableClock;
import dev.tally.server.testing.Api;
import dev.tally.server.testing.Backend;
import dev.tally.server.testing.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Ingest keys ({@code POST /v1/keys}): they may send events and ask for authorizations, and nothing else. */
class IngestKeyTest {
    private static final String AUTHORIZE = "{\"customer\":\"acme\",\"estimate\":{\"input_tokens\":10}}";

    @TempDir
    Path dir;
    private TestServer server;
    private Api admin;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private Api startWithIngestKey(Backend backend) {
        server = TestServer.start(backend, dir, MutableClock.at("2026-11-20T12:00:00Z"));
        admin = server.admin();
        admin.put("/v1/plans/pro", "{\"limits\":[{\"metric\":\"requests\",\"window\":\"day\",\"amount\":100}]}");
        admin.put("/v1/customers/acme", "{\"plan\":\"pro\"}");
        Api.Response issued = admin.post("/v1/keys", "{\"scope\":\"ingest\"}");
        assertThat(issued.status()).isEqualTo(201);
        assertThat(issued.json().get("scope").asText()).isEqualTo("ingest");
        assertThat(issued.json().get("id").asText()).startsWith("key_");
        assertThat(issued.json().get("key").asText()).startsWith("ti_");
        return admin.as(issued.json().get("key").asText());
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void ingestKey_sendsEventsAuthorizesChecksAndReleases(Backend backend) {
        Api ingest = startWithIngestKey(backend);

        Api.Response events = ingest.post("/v1/events", "{\"id\":\"e1\",\"customer\":\"acme\"}");
        assertThat(events.status()).isEqualTo(200);
        assertThat(events.json().get("accepted").asInt()).isEqualTo(1);
        Api.Response authorized = ingest.post("/v1/authorize", AUTHORIZE);
        assertThat(authorized.status()).isEqualTo(200);
        assertThat(authorized.json().get("allowed").asBoolean()).isTrue();
        assertThat(ingest.post("/v1/check", AUTHORIZE).status()).isEqualTo(200);
        String reservation = authorized.json().get("reservation").asText();
        assertThat(ingest.delete("/v1/reservations/" + reservation).status()).isEqualTo(204);
        // The event sent with the ingest key counts like any other.
        assertThat(admin.get("/v1/customers/acme/usage").json().at("/totals/requests").asInt()).isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/v1/customers", "/v1/customers/acme", "/v1/customers/acme/usage",
            "/v1/customers/acme/events", "/v1/customers/acme/history", "/v1/customers/acme/usage.csv", "/v1/usage",
            "/v1/usage.csv", "/v1/plans", "/v1/prices", "/v1/me", "/v1/me/usage"})
    void ingestKey_onReads_is403(String path) {
        Api ingest = startWithIngestKey(Backend.SQLITE);

        Api.Response r = ingest.get(path);

        assertThat(r.status()).isEqualTo(403);
        assertThat(r.contentType()).startsWith("application/problem+json");
    }

    @Test
    void ingestKey_onWrites_is403() {
        Api ingest = startWithIngestKey(Backend.SQLITE);

        assertThat(ingest.put("/v1/plans/free", "{\"limits\":[]}").status()).isEqualTo(403);
        assertThat(ingest.put("/v1/customers/acme", "{}").status()).isEqualTo(403);
        assertThat(ingest.delete("/v1/customers/acme").status()).isEqualTo(403);
        assertThat(ingest.post("/v1/customers/acme/keys", null).status()).isEqualTo(403);
        assertThat(ingest.put("/v1/prices", "[]").status()).isEqualTo(403);
        assertThat(ingest.post("/v1/keys", "{\"scope\":\"ingest\"}").status()).isEqualTo(403);
        assertThat(admin.get("/v1/customers/acme").status()).isEqualTo(200);
    }

    @Test
    void customerKey_cannotIssueOrUseIngestRoutes() {
        startWithIngestKey(Backend.SQLITE);
        Api acme = admin.as(admin.post("/v1/customers/acme/keys", null).json().get("key").asText());

        assertThat(acme.post("/v1/keys", "{\"scope\":\"ingest\"}").status()).isEqualTo(403);
        assertThat(acme.post("/v1/authorize", AUTHORIZE).status()).isEqualTo(403);
        assertThat(acme.post("/v1/events", "{\"customer\":\"acme\"}").status()).isEqualTo(403);
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void revokedIngestKey_is401_andRevokingTwiceOrUnknownIs404(Backend backend) {
        Api ingest = startWithIngestKey(backend);
        String id = admin.post("/v1/keys", "{\"scope\":\"ingest\"}").json().get("id").asText();
        assertThat(ingest.post("/v1/authorize", AUTHORIZE).status()).isEqualTo(200);
        String firstId = keyIdOf(ingest);

        assertThat(admin.delete("/v1/keys/" + firstId).status()).isEqualTo(204);

        assertThat(ingest.post("/v1/authorize", AUTHORIZE).status()).isEqualTo(401);
        assertThat(ingest.post("/v1/events", "{\"customer\":\"acme\"}").status()).isEqualTo(401);
        assertThat(admin.delete("/v1/keys/key_nothere").status()).isEqualTo(404);
        assertThat(admin.delete("/v1/keys/" + id).status()).isEqualTo(204);
    }

    @Test
    void ingestKeyText_withCustomerPrefix_isNotAccepted() {
        Api ingest = startWithIngestKey(Backend.SQLITE);
        String forged = "tk_" + ingest.key().substring(3);

        assertThat(admin.as(forged).post("/v1/authorize", AUTHORIZE).status()).isEqualTo(401);
        assertThat(admin.as(forged).get("/v1/me").status()).isEqualTo(401);
    }

    @Test
    void customerKeyRoute_cannotRevokeAnIngestKey() {
        Api ingest = startWithIngestKey(Backend.SQLITE);

        assertThat(admin.delete("/v1/customers/acme/keys/" + keyIdOf(ingest)).status()).isEqualTo(404);
        assertThat(ingest.post("/v1/authorize", AUTHORIZE).status()).isEqualTo(200);
    }

    @ParameterizedTest
    @ValueSource(strings = {"{}", "{\"scope\":\"customer\"}", "{\"scope\":\"ingest\",\"name\":\"x\"}",
            "{\"scope\":7}", "[]"})
    void issue_invalidBody_is400NamingTheField(String body) {
        startWithIngestKey(Backend.SQLITE);

        Api.Response r = admin.post("/v1/keys", body);

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().at("/errors/0/field").asText()).isIn("scope", "name", "body");
        assertThat(r.json().at("/errors/0/message").asText()).isNotBlank();
    }

    /** {@code ti_<id>_<secret>} is stored as {@code key_<id>}. */
    private static String keyIdOf(Api api) {
        String key = api.key();
        return "key_" + key.substring(3, key.indexOf('_', 3));
    }
}
