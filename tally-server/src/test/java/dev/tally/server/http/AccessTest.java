package dev.tally.server.http;

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

/** Who may read and change what: every read endpoint is checked for cross-customer access. */
class AccessTest {
    @TempDir
    Path dir;
    private TestServer server;
    private Api admin;
    private Api acme;

    @BeforeEach
    void start() {
        server = TestServer.start(Backend.SQLITE, dir, MutableClock.at("2026-11-20T12:00:00Z"));
        admin = server.admin();
        admin.put("/v1/customers/acme", "{\"name\":\"Acme\"}");
        admin.put("/v1/customers/globex", "{\"name\":\"Globex\"}");
        admin.post("/v1/events", "[{\"customer\":\"acme\"},{\"customer\":\"globex\"}]");
        acme = admin.as(admin.post("/v1/customers/acme/keys", null).json().get("key").asText());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "/usage", "/usage?period=2026-10", "/history", "/events", "/usage.csv"})
    void customerKey_readsOwnData_notOthers_andCannotProbeIds(String suffix) {
        assertThat(acme.get("/v1/customers/acme" + suffix).status()).isEqualTo(200);
        Api.Response other = acme.get("/v1/customers/globex" + suffix);
        Api.Response missing = acme.get("/v1/customers/nobody" + suffix);
        assertThat(other.status()).isEqualTo(403);
        assertThat(missing.status()).isEqualTo(403);
        assertThat(missing.body()).isEqualTo(other.body());
    }

    @ParameterizedTest
    @ValueSource(strings = {"/v1/me", "/v1/me/usage", "/v1/me/history", "/v1/me/events", "/v1/me/usage.csv"})
    void meRoutes_answerForTheKeysCustomer(String path) {
        Api.Response r = acme.get(path);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).contains("acme").doesNotContain("globex");
        assertThat(admin.get(path).status()).isEqualTo(403);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/v1/usage", "/v1/usage.csv", "/v1/customers", "/v1/plans", "/v1/prices"})
    void customerKey_onAdminReads_is403(String path) {
        assertThat(acme.get(path).status()).isEqualTo(403);
    }

    @Test
    void customerKey_cannotWrite() {
        assertThat(acme.post("/v1/events", "{\"customer\":\"acme\"}").status()).isEqualTo(403);
        assertThat(acme.put("/v1/customers/acme", "{}").status()).isEqualTo(403);
        assertThat(acme.post("/v1/customers/acme/keys", null).status()).isEqualTo(403);
        assertThat(acme.delete("/v1/customers/acme").status()).isEqualTo(403);
    }

    @Test
    void missingOrWrongKey_is401() {
        assertThat(admin.as(null).get("/v1/usage").status()).isEqualTo(401);
        assertThat(admin.as("nope").get("/v1/usage").status()).isEqualTo(401);
        assertThat(admin.as("tk_abc_def").get("/v1/me").status()).isEqualTo(401);
        assertThat(admin.as(null).get("/health").status()).isEqualTo(200);
    }

    @Test
    void revokedKey_is401() {
        Api.Response issued = admin.post("/v1/customers/acme/keys", null);
        Api key = admin.as(issued.json().get("key").asText());
        assertThat(key.get("/v1/me").status()).isEqualTo(200);
        assertThat(admin.delete("/v1/customers/acme/keys/" + issued.json().get("id").asText()).status())
                .isEqualTo(204);
        assertThat(key.get("/v1/me").status()).isEqualTo(401);
    }

    @Test
    void issuedKey_isStoredOnlyAsHash() {
        String key = admin.post("/v1/customers/acme/keys", null).json().get("key").asText();
        assertThat(key).startsWith("tk_");
        String id = "key_" + key.substring(3, key.indexOf('_', 3));
        assertThat(server.server().store().key(id).orElseThrow().hash()).hasSize(32)
                .isNotEqualTo(key.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
}
