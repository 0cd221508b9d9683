package dev.tally.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.testing.MutableClock;
import dev.tally.server.testing.Api;
import dev.tally.server.testing.Backend;
import dev.tally.server.testing.TestServer;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Review finding: a write answered the time Tally recorded ({@code created_at}) with the clock's full precision
 * ({@code 12:00:00.123456789Z}) while every later read, from either store, gave the milliseconds the store keeps
 * ({@code 12:00:00.123Z}): one instant shown two ways. Recorded times are answered to the millisecond, so the
 * write's answer, a read on the same node and a read after a restart show the same text.
 */
class RecordedTimePrecisionTest {
    /** A clock with nanoseconds, as the system clock has on Linux. */
    private static final String NOW = "2026-11-20T12:00:00.123456789Z";
    private static final String STORED = "2026-11-20T12:00:00.123Z";

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(Backend.class)
    void createdAt_subMillisecondClock_writeAnswersWhatEveryLaterReadShows(Backend backend) {
        MutableClock clock = MutableClock.at(NOW);
        String url;
        String customerWritten;
        String adjustmentWritten;
        String reratingWritten;
        String reratingId;
        try (TestServer server = TestServer.start(backend, dir, clock)) {
            url = server.databaseUrl();
            Api api = server.admin();
            RerateTestData.setUp(api);
            customerWritten = api.put("/v1/customers/acme", "{\"plan\":\"pro\",\"name\":\"Acme\"}").json()
                    .path("created_at").asText();
            Api.Response created = api.put("/v1/customers/zeta", "{\"plan\":\"pro\"}");
            assertThat(created.status()).isEqualTo(201);
            assertThat(created.json().path("created_at").asText()).as("a new customer's answer").isEqualTo(STORED);
            assertThat(api.get("/v1/customers/zeta").json().path("created_at").asText()).isEqualTo(STORED);

            adjustmentWritten = api.post("/v1/customers/acme/adjustments", """
                    {"metric":"cost","amount":"-1.00","reason":"goodwill","period":"2026-11"}""").json()
                    .path("created_at").asText();
            RerateTestData.price(api, "2.50");
            JsonNode rerating = RerateTest.rerate(api, false);
            reratingWritten = rerating.path("created_at").asText();
            reratingId = rerating.path("id").asText();
            assertThat(api.post("/v1/customers/acme/keys", "").json().path("created_at").asText())
                    .as("a customer key's answer").isEqualTo(STORED);
            assertThat(api.post("/v1/keys", "{\"scope\":\"ingest\"}").json().path("created_at").asText())
                    .as("an ingest key's answer").isEqualTo(STORED);

            assertThat(api.get("/v1/customers/acme").json().path("created_at").asText())
                    .as("read on the node that wrote").isEqualTo(customerWritten);
        }
        // A new server reads everything back from the store.
        try (TestServer server = TestServer.startOn(url, dir, clock)) {
            Api api = server.admin();
            assertThat(customerWritten).isEqualTo(STORED);
            assertThat(api.get("/v1/customers/acme").json().path("created_at").asText()).isEqualTo(customerWritten);
            assertThat(api.get("/v1/customers/acme/adjustments").json().at("/adjustments/0/created_at").asText())
                    .isEqualTo(adjustmentWritten).isEqualTo(STORED);
            assertThat(api.get("/v1/reratings/" + reratingId).json().path("created_at").asText())
                    .isEqualTo(reratingWritten).isEqualTo(STORED);
        }
    }
}
