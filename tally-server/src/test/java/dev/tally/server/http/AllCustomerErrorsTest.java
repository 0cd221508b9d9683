package dev.tally.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.testing.MutableClock;
import dev.tally.server.testing.Api;
import dev.tally.server.testing.Backend;
import dev.tally.server.testing.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 15.8: the usage log shows every customer's errors of the last hour at once ({@code GET /v1/events?errors=true},
 * admin only, from the partial index of failed calls).
 */
class AllCustomerErrorsTest {
    @TempDir
    Path dir;
    private TestServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void errorsOfEveryCustomer_lastHour_newestFirstAcrossPages(Backend backend) {
        MutableClock clock = MutableClock.at("2026-12-06T12:00:00Z");
        server = TestServer.start(backend, dir, clock);
        Api admin = server.admin();
        for (String c : List.of("acme", "globex", "initech")) {
            admin.put("/v1/customers/" + c, "{}");
        }
        // Two hours ago: an error of acme, outside the last hour.
        admin.post("/v1/events", "{\"id\": \"old\", \"customer\": \"acme\", \"status\": 500, "
                + "\"timestamp\": \"2026-12-06T10:00:00Z\"}");
        admin.post("/v1/events", """
                [{"id": "a1", "customer": "acme", "status": 200, "timestamp": "2026-12-06T11:10:00Z"},
                 {"id": "a2", "customer": "acme", "status": 502, "timestamp": "2026-12-06T11:20:00Z"},
                 {"id": "g1", "customer": "globex", "status": 429, "timestamp": "2026-12-06T11:30:00Z"},
                 {"id": "g2", "customer": "globex", "status": 201, "timestamp": "2026-12-06T11:40:00Z"},
                 {"id": "i1", "customer": "initech", "status": 400, "timestamp": "2026-12-06T11:50:00Z"},
                 {"id": "i2", "customer": "initech", "timestamp": "2026-12-06T11:55:00Z"}]""");

        List<String> ids = new ArrayList<>();
        String next = "";
        do {
            JsonNode page = admin.get("/v1/events?errors=true&from=2026-12-06T11:00:00Z&limit=2" + next).json();
            page.get("events").forEach(e -> ids.add(e.get("id").asText() + "/" + e.get("customer").asText()));
            next = page.get("next_cursor").isNull() ? null : "&cursor=" + page.get("next_cursor").asText();
        } while (next != null);

        assertThat(ids).containsExactly("i1/initech", "g1/globex", "a2/acme");
        assertThat(admin.get("/v1/events?errors=true&customer=globex").json().findValuesAsText("id"))
                .containsExactly("g1");
        assertThat(admin.get("/v1/events?errors=true").json().findValuesAsText("id"))
                .containsExactly("i1", "g1", "a2", "old");
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = "SQLITE")
    void withoutErrorsTrue_orWithACustomerKey_isRefused(Backend backend) {
        server = TestServer.start(backend, dir, MutableClock.at("2026-12-06T12:00:00Z"));
        Api admin = server.admin();
        admin.put("/v1/customers/acme", "{}");
        String key = admin.post("/v1/customers/acme/keys", null).json().get("key").asText();

        Api.Response all = admin.get("/v1/events");
        assertThat(all.status()).isEqualTo(400);
        assertThat(all.json().at("/errors/0/field").asText()).isEqualTo("errors");
        assertThat(all.json().at("/errors/0/message").asText()).startsWith("errors: must be true");
        assertThat(admin.as(key).get("/v1/events?errors=true").status()).isEqualTo(403);
        assertThat(admin.get("/v1/events?errors=true&customer=nobody").status()).isEqualTo(404);
    }
}
