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
 * Issue 13, the reading views: a customer's usage report, {@code /v1/me/usage} and the overview list its limits on
 * end users and dimensions ({@code per: user}, {@code per: dimensions.KEY}, a dimension filter) from the counters,
 * with how many users (or values) stand at each level and the nearest ones; one user's usage shows the counters of
 * the dimension values its calls used.
 */
class EndUserLimitReportTest {
    private final MutableClock clock = MutableClock.at("2026-11-20T12:00:00Z");
    @TempDir
    Path dir;
    private TestServer server;
    private Api api;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private void startClinic(Backend backend) {
        server = TestServer.start(backend, dir, clock);
        api = server.admin();
        api.put("/v1/plans/clinic", """
                {"name": "Clinic", "limits": [
                  {"metric": "requests", "window": "month", "amount": 500},
                  {"metric": "requests", "window": "day", "amount": 3, "per": "user"},
                  {"metric": "requests", "window": "day", "amount": 5, "per": "dimensions.platform"},
                  {"metric": "requests", "window": "day", "amount": 10, "dimensions": {"platform": "tiktok"}}]}""");
        api.put("/v1/customers/clinic", "{\"name\": \"Clinic\", \"plan\": \"clinic\"}");
        List<String> events = new ArrayList<>();
        // doctor_1: 3 calls (at its limit), doctor_2: 2 (warning), doctor_3: 1 (ok).
        // instagram: 4 calls (critical), tiktok: 2 (ok).
        events.add(call("doctor_1", "instagram"));
        events.add(call("doctor_1", "instagram"));
        events.add(call("doctor_1", "tiktok"));
        events.add(call("doctor_2", "instagram"));
        events.add(call("doctor_2", "instagram"));
        events.add(call("doctor_3", "tiktok"));
        assertThat(api.post("/v1/events", "[" + String.join(",", events) + "]").json().get("accepted").asInt())
                .isEqualTo(6);
    }

    private static String call(String user, String platform) {
        return "{\"customer\":\"clinic\",\"user\":\"" + user + "\",\"dimensions\":{\"platform\":\"" + platform
                + "\"}}";
    }

    private static JsonNode limitNamed(JsonNode limits, String name) {
        for (JsonNode l : limits) {
            if (l.get("name").asText().equals(name)) {
                return l;
            }
        }
        throw new AssertionError("no limit " + name + " in " + limits);
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void customerReport_listsPerLimits_withCountsByLevel_andTheNearestUsersAndValues(Backend backend) {
        startClinic(backend);
        JsonNode limits = api.get("/v1/customers/clinic/usage").json().get("limits");
        assertThat(limits).hasSize(4);
        assertThat(limitNamed(limits, "requests-month").get("used").asInt()).isEqualTo(6);

        JsonNode perUser = limitNamed(limits, "requests-day-per-user");
        assertThat(perUser.get("per").asText()).isEqualTo("user");
        assertThat(perUser.get("per_value").asText()).isEqualTo("doctor_1");
        assertThat(perUser.get("used").asInt()).isEqualTo(3);
        assertThat(perUser.get("status").asText()).isEqualTo("exceeded");
        assertThat(perUser.at("/users/checked").asInt()).isEqualTo(3);
        assertThat(perUser.at("/users/exceeded").asInt()).isEqualTo(1);
        assertThat(perUser.at("/users/critical").asInt()).isZero();
        assertThat(perUser.at("/users/warning").asInt()).isEqualTo(1);
        assertThat(perUser.at("/users/truncated").asBoolean()).isFalse();
        assertThat(perUser.get("nearest")).hasSize(3);
        assertThat(perUser.at("/nearest/1/user").asText()).isEqualTo("doctor_2");
        assertThat(perUser.at("/nearest/1/remaining").asInt()).isEqualTo(1);
        assertThat(perUser.at("/nearest/2/status").asText()).isEqualTo("ok");

        JsonNode perPlatform = limitNamed(limits, "requests-day-per-platform");
        assertThat(perPlatform.get("per").asText()).isEqualTo("dimensions.platform");
        assertThat(perPlatform.get("per_value").asText()).isEqualTo("instagram");
        assertThat(perPlatform.get("status").asText()).isEqualTo("critical");
        assertThat(perPlatform.at("/values/checked").asInt()).isEqualTo(2);
        assertThat(perPlatform.at("/values/critical").asInt()).isEqualTo(1);
        assertThat(perPlatform.at("/nearest/1/value").asText()).isEqualTo("tiktok");
        assertThat(perPlatform.at("/nearest/1/used").asInt()).isEqualTo(2);

        // A limit on one dimension value has one counter, shown like a customer's limit.
        JsonNode tiktok = limits.get(3);
        assertThat(tiktok.at("/dimensions/platform").asText()).isEqualTo("tiktok");
        assertThat(tiktok.get("used").asInt()).isEqualTo(2);
        assertThat(tiktok.has("nearest")).isFalse();

        // The customer's own key sees the same.
        Api own = api.as(api.post("/v1/customers/clinic/keys", null).json().get("key").asText());
        JsonNode mine = own.get("/v1/me/usage").json().get("limits");
        assertThat(limitNamed(mine, "requests-day-per-user").at("/users/exceeded").asInt()).isEqualTo(1);
        // A past month shows only what its rollups measure: the counters hold the current windows.
        assertThat(api.get("/v1/customers/clinic/usage?period=2026-10").json().get("limits")).hasSize(1);
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void perUserCounts_followTheDay_aReservationCounts_andANewDayStartsAtZero(Backend backend) {
        startClinic(backend);
        JsonNode held = api.post("/v1/authorize", "{\"customer\":\"clinic\",\"user\":\"doctor_3\"}").json();
        assertThat(held.get("allowed").asBoolean()).isTrue();
        JsonNode perUser = limitNamed(api.get("/v1/customers/clinic/usage").json().get("limits"),
                "requests-day-per-user");
        assertThat(perUser.at("/users/warning").asInt()).isEqualTo(2); // doctor_3 now holds 2 of 3
        clock.set(java.time.Instant.parse("2026-11-21T12:00:00Z"));
        perUser = limitNamed(api.get("/v1/customers/clinic/usage").json().get("limits"), "requests-day-per-user");
        assertThat(perUser.at("/users/checked").asInt()).isEqualTo(3);
        assertThat(perUser.at("/users/exceeded").asInt() + perUser.at("/users/warning").asInt()).isZero();
        assertThat(perUser.get("used").asInt()).isZero();
    }

    @Test
    void overview_listsEachCustomersPerLimits() {
        startClinic(Backend.SQLITE);
        JsonNode customers = api.get("/v1/usage").json().get("customers");
        JsonNode clinic = customers.get(0);
        assertThat(clinic.get("customer").asText()).isEqualTo("clinic");
        JsonNode perUser = limitNamed(clinic.get("limits"), "requests-day-per-user");
        assertThat(perUser.at("/users/exceeded").asInt()).isEqualTo(1);
        assertThat(perUser.at("/nearest/0/user").asText()).isEqualTo("doctor_1");
        // The customer's status stays that of its own limits (a user at its limit is not the customer's).
        assertThat(clinic.get("status").asText()).isEqualTo("ok");
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void oneUsersUsage_showsTheCountersOfTheDimensionValuesItsCallsUsed(Backend backend) {
        startClinic(backend);
        JsonNode limits = api.get("/v1/customers/clinic/users/doctor_2/usage").json().get("limits");
        List<JsonNode> platforms = new ArrayList<>();
        limits.forEach(l -> {
            if ("dimensions.platform".equals(l.path("per").asText())) {
                platforms.add(l);
            }
        });
        assertThat(platforms).hasSize(1); // doctor_2 called on instagram only
        assertThat(platforms.get(0).get("per_value").asText()).isEqualTo("instagram");
        assertThat(platforms.get(0).get("used").asInt()).isEqualTo(4); // shared by every user of instagram
        assertThat(platforms.get(0).get("scope").asText()).isEqualTo("customer");

        JsonNode doctor1 = api.get("/v1/customers/clinic/users/doctor_1/usage").json().get("limits");
        long values = 0;
        for (JsonNode l : doctor1) {
            values += "dimensions.platform".equals(l.path("per").asText()) ? 1 : 0;
        }
        assertThat(values).isEqualTo(2);
    }
}
