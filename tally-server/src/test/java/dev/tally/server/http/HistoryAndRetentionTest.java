package dev.tally.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.retention.RetentionJob;
import dev.tally.core.testing.MutableClock;
import dev.tally.server.testing.Api;
import dev.tally.server.testing.Backend;
import dev.tally.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class HistoryAndRetentionTest {
    @TempDir
    Path dir;

    @Test
    void history_isKeptAfterRawEventsExpire() {
        MutableClock clock = MutableClock.at("2026-09-10T12:00:00Z");
        try (TestServer server = TestServer.start(Backend.SQLITE, dir, clock)) {
            Api api = server.admin();
            api.put("/v1/prices", "[{\"provider\":\"p\",\"metric\":\"characters\",\"unit_price\":\"0.30\",\"per\":1000}]");
            api.put("/v1/customers/acme", "{\"billing_day\":5}");
            for (String month : new String[]{"2026-09-10", "2026-10-10", "2026-11-10"}) {
                clock.set(Instant.parse(month + "T12:00:00Z"));
                api.post("/v1/events", "[{\"customer\":\"acme\",\"provider\":\"p\",\"usage\":{\"characters\":1000}},"
                        + "{\"customer\":\"acme\",\"provider\":\"p\",\"usage\":{\"characters\":500}}]");
            }
            clock.set(Instant.parse("2027-02-20T12:00:00Z"));
            RetentionJob.Result removed = new RetentionJob(server.server().store(), clock, Duration.ofDays(90))
                    .runOnce();
            assertThat(removed.events()).isEqualTo(6);
            assertThat(api.get("/v1/customers/acme/events").json().get("events")).isEmpty();

            JsonNode history = api.get("/v1/customers/acme/history?months=2").json();
            assertThat(history.get("months")).hasSize(2);
            assertThat(history.at("/months/0/month").asText()).isEqualTo("2026-11");
            assertThat(history.at("/months/0/start").asText()).isEqualTo("2026-11-05T00:00:00Z");
            assertThat(history.at("/months/0/totals/cost").asText()).isEqualTo("0.45");
            assertThat(history.at("/months/1/month").asText()).isEqualTo("2026-10");
            assertThat(api.get("/v1/customers/acme/history").json().get("months")).hasSize(3);
            JsonNode october = api.get("/v1/customers/acme/usage?period=2026-10").json();
            assertThat(october.at("/totals/requests").asLong()).isEqualTo(2);
            assertThat(october.at("/totals/characters").asLong()).isEqualTo(1500);
        }
    }

    @Test
    void overview_sortsCustomersAndSumsTotals() {
        MutableClock clock = MutableClock.at("2026-11-20T12:00:00Z");
        try (TestServer server = TestServer.start(Backend.SQLITE, dir, clock)) {
            Api api = server.admin();
            api.put("/v1/prices", "[{\"provider\":\"p\",\"metric\":\"characters\",\"unit_price\":\"1\",\"per\":1}]");
            api.put("/v1/plans/free", "{\"limits\":[{\"metric\":\"requests\",\"window\":\"day\",\"amount\":2}]}");
            api.put("/v1/customers/small", "{\"plan\":\"free\"}");
            api.put("/v1/customers/big", "{}");
            api.post("/v1/events", """
                    [{"customer":"small","provider":"p","usage":{"characters":1}},
                     {"customer":"small","provider":"p","usage":{"characters":1}},
                     {"customer":"big","provider":"p","usage":{"characters":10}}]""");
            JsonNode byCost = api.get("/v1/usage?sort=cost").json();
            assertThat(byCost.get("customers")).extracting(c -> c.get("customer").asText())
                    .containsExactly("big", "small");
            assertThat(byCost.at("/customers/1/status").asText()).isEqualTo("exceeded");
            assertThat(byCost.at("/totals/cost").asText()).isEqualTo("12.00");
            assertThat(api.get("/v1/usage?sort=requests").json().at("/customers/0/customer").asText())
                    .isEqualTo("small");
            assertThat(api.get("/v1/usage?sort=bogus").status()).isEqualTo(400);
            String csv = api.get("/v1/usage.csv").body();
            assertThat(csv.lines().findFirst().orElseThrow()).startsWith("customer,name,plan,period_start");
            assertThat(csv.lines().count()).isEqualTo(3);
        }
    }
}
