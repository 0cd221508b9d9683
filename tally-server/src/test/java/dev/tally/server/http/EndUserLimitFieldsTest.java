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

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 13, limit fields: {@code user}, {@code dimensions} and {@code per} on plan limits and customer overrides,
 * validated at the edge, stored (SQLite and PostgreSQL, read back after a restart) and part of a limit's identity.
 */
class EndUserLimitFieldsTest {
    private static final MutableClock CLOCK = MutableClock.at("2026-11-20T12:00:00Z");
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
    void limitFields_areStored_andOverrideByTheirWholeIdentity(Backend backend) {
        server = TestServer.start(backend, dir, CLOCK);
        Api api = server.admin();
        assertThat(api.put("/v1/plans/clinic", """
                {"name": "Clinic", "limits": [
                  {"metric": "requests", "window": "month", "amount": 500},
                  {"metric": "requests", "window": "day", "amount": 50, "per": "user"},
                  {"metric": "compute_units", "window": "day", "amount": 10, "per": "dimensions.platform"},
                  {"metric": "requests", "window": "day", "amount": 5, "user": "bot_1",
                   "dimensions": {"platform": "tiktok", "bot": "support"}}]}
                """).status()).isBetween(200, 201);
        // Overrides the per-user daily limit only: the monthly one has the same metric and window but no per.
        assertThat(api.put("/v1/customers/acme", """
                {"name": "Acme", "plan": "clinic", "limits": [
                  {"metric": "requests", "window": "day", "amount": 80, "per": "user"}]}
                """).status()).isBetween(200, 201);
        String url = server.databaseUrl();
        server.close();
        server = TestServer.startOn(url, dir, CLOCK);
        api = server.admin();

        JsonNode limits = api.get("/v1/plans/clinic").json().get("limits");
        assertThat(limits).hasSize(4);
        assertThat(limits.get(1).get("per").asText()).isEqualTo("user");
        assertThat(limits.get(1).get("name").asText()).isEqualTo("requests-day-per-user");
        assertThat(limits.get(2).get("per").asText()).isEqualTo("dimensions.platform");
        assertThat(limits.get(3).get("user").asText()).isEqualTo("bot_1");
        assertThat(limits.get(3).at("/dimensions/platform").asText()).isEqualTo("tiktok");
        assertThat(limits.get(3).at("/dimensions/bot").asText()).isEqualTo("support");
        assertThat(limits.get(0).has("per")).isFalse();

        JsonNode customerLimits = api.get("/v1/customers/acme").json().get("limits");
        assertThat(customerLimits).hasSize(1);
        assertThat(customerLimits.get(0).get("amount").asInt()).isEqualTo(80);
        assertThat(customerLimits.get(0).get("per").asText()).isEqualTo("user");
    }

    @Test
    void badLimitFields_answer400_namingFieldAndRule_andStoreNothing() {
        server = TestServer.start(Backend.SQLITE, dir, CLOCK);
        Api api = server.admin();
        Api.Response r = api.put("/v1/plans/bad", """
                {"name": "Bad", "limits": [
                  {"metric": "requests", "window": "day", "amount": 50, "per": "user", "user": "doctor_1"},
                  {"metric": "requests", "window": "day", "amount": 50, "per": "team"},
                  {"metric": "requests", "window": "day", "amount": 50, "per": "dimensions.Platform"},
                  {"metric": "requests", "window": "day", "amount": 50, "dimensions": {"Bad-Key": "x"}},
                  {"metric": "requests", "window": "day", "amount": 50, "dimensions": {"a": "1", "b": "2", "c": "3",
                   "d": "4", "e": "5", "f": "6", "g": "7", "h": "8", "i": "9"}},
                  {"metric": "requests", "window": "day", "amount": 50, "user": ""},
                  {"metric": "requests", "window": "day", "amount": 50, "dimensions": {"platform": "x"},
                   "per": "dimensions.platform"}]}
                """);
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.contentType()).startsWith("application/problem+json");
        List<String> fields = new ArrayList<>();
        r.json().get("errors").forEach(e -> fields.add(e.get("message").asText()));
        assertThat(fields).anySatisfy(f -> assertThat(f).startsWith("limits[0].per: must not be \"user\""));
        assertThat(fields).anySatisfy(f -> assertThat(f).startsWith("limits[1].per: must be \"user\" or"));
        assertThat(fields).anySatisfy(f -> assertThat(f).startsWith("limits[2].per: must be \"user\" or"));
        assertThat(fields).anySatisfy(f -> assertThat(f).startsWith("limits[3].dimensions.Bad-Key: key must be"));
        assertThat(fields).anySatisfy(f -> assertThat(f).startsWith("limits[4].dimensions: must have at most 8"));
        assertThat(fields).anySatisfy(f -> assertThat(f).startsWith("limits[5].user: must be 1 to 128"));
        assertThat(fields).anySatisfy(f -> assertThat(f).startsWith("limits[6].per: must not name dimension"));
        assertThat(api.get("/v1/plans/bad").status()).isEqualTo(404);

        // Same metric and window, but one per user and one for the customer: two limits, not a duplicate.
        assertThat(api.put("/v1/plans/ok", """
                {"name": "Ok", "limits": [
                  {"metric": "requests", "window": "day", "amount": 500},
                  {"metric": "requests", "window": "day", "amount": 50, "per": "user"}]}
                """).status()).isBetween(200, 201);
        Api.Response dup = api.put("/v1/plans/dup", """
                {"name": "Dup", "limits": [
                  {"metric": "requests", "window": "day", "amount": 50, "per": "user"},
                  {"metric": "requests", "window": "day", "amount": 60, "per": "user", "name": "other"}]}
                """);
        assertThat(dup.status()).isEqualTo(400);
        assertThat(dup.body()).contains("limits[1]", "user, dimensions and per");
    }
}
