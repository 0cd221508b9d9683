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
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 13, item 2 of the last session: a past month's report lists its {@code month} limits on end users and
 * dimensions, measured from that month's sums by user and by dimension value; those the sums cannot measure (day
 * windows, provider filters, several restrictions at once) are left out, as a past month leaves out day limits.
 * One end user's usage of a past month ({@code /users/{user}/usage?period=}, admin and {@code /v1/me}) measures the
 * user's own limits the same way: it read them from the counters, so October's page showed November's counts.
 */
class PastMonthEndUserLimitTest {
    private final MutableClock clock = MutableClock.at("2026-10-20T12:00:00Z");
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

    /** Starts a server on {@code backend} with customer clinic and its {@code limits} (a JSON array's items). */
    private void startClinic(Backend backend, String limits) {
        server = TestServer.start(backend, dir, clock);
        api = server.admin();
        api.put("/v1/customers/clinic", "{\"name\": \"Clinic\", \"limits\": [" + limits + "]}");
    }

    private static String call(String user, String platform, String cost) {
        return "{\"customer\":\"clinic\",\"user\":\"" + user + "\",\"dimensions\":{\"platform\":\"" + platform
                + "\"},\"cost\":\"" + cost + "\"}";
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
    void pastMonthReport_listsMonthLimitsOnUsersAndDimensions_fromThatMonthsSums(Backend backend) {
        startClinic(backend, """
                  {"name": "per-user-month", "metric": "requests", "window": "month", "amount": 4, "per": "user"},
                  {"name": "per-platform-cost", "metric": "cost", "window": "month", "amount": "1.00",
                   "per": "dimensions.platform"},
                  {"name": "doctor-2-month", "metric": "requests", "window": "month", "amount": 10,
                   "user": "doctor_2"},
                  {"name": "tiktok-month", "metric": "requests", "window": "month", "amount": 2,
                   "dimensions": {"platform": "tiktok"}},
                  {"name": "per-user-day", "metric": "requests", "window": "day", "amount": 3, "per": "user"},
                  {"name": "openai-per-user", "metric": "requests", "window": "month", "amount": 3,
                   "per": "user", "provider": "openai"}""");
        List<String> october = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            october.add(call("doctor_1", "instagram", "0.30")); // 4 of 4: exceeded; instagram $1.20: exceeded
        }
        october.add(call("doctor_2", "tiktok", "0.10"));
        october.add(call("doctor_2", "tiktok", "0.10")); // doctor_2: 2 of 4, warning; tiktok: 2 of 2
        october.add(call("doctor_3", "tiktok", "0.05"));
        assertThat(api.post("/v1/events", "[" + String.join(",", october) + "]").json().get("accepted").asInt())
                .isEqualTo(7);
        clock.set(Instant.parse("2026-11-05T12:00:00Z"));
        api.post("/v1/events", call("doctor_3", "tiktok", "0.05")); // November's: not in October's limits

        JsonNode limits = api.get("/v1/customers/clinic/usage?period=2026-10").json().get("limits");
        JsonNode perUser = limitNamed(limits, "per-user-month");
        assertThat(perUser.get("per_value").asText()).isEqualTo("doctor_1");
        assertThat(perUser.get("used").asLong()).isEqualTo(4);
        assertThat(perUser.get("status").asText()).isEqualTo("exceeded");
        assertThat(perUser.get("resets_at").asText()).isEqualTo("2026-11-01T00:00:00Z");
        assertThat(perUser.at("/users/checked").asInt()).isEqualTo(3);
        assertThat(perUser.at("/users/exceeded").asInt()).isEqualTo(1);
        assertThat(perUser.at("/users/warning").asInt()).isEqualTo(1);
        assertThat(perUser.at("/users/truncated").asBoolean()).isFalse();
        assertThat(perUser.get("nearest")).extracting(n -> n.get("user").asText() + "=" + n.get("used").asLong())
                .containsExactly("doctor_1=4", "doctor_2=2", "doctor_3=1");

        JsonNode perPlatform = limitNamed(limits, "per-platform-cost");
        assertThat(perPlatform.get("per_value").asText()).isEqualTo("instagram");
        assertThat(perPlatform.get("used").asText()).isEqualTo("1.20");
        assertThat(perPlatform.get("remaining").asText()).isEqualTo("0.00");
        assertThat(perPlatform.at("/values/checked").asInt()).isEqualTo(2);
        assertThat(perPlatform.at("/nearest/1/value").asText()).isEqualTo("tiktok");
        assertThat(perPlatform.at("/nearest/1/used").asText()).isEqualTo("0.25");

        assertThat(limitNamed(limits, "doctor-2-month").get("used").asLong()).isEqualTo(2);
        assertThat(limitNamed(limits, "tiktok-month").get("used").asLong()).isEqualTo(3);
        assertThat(limitNamed(limits, "tiktok-month").get("status").asText()).isEqualTo("exceeded");
        // Day windows and filters the sums do not keep are left out of a past month.
        assertThat(limits).extracting(l -> l.get("name").asText())
                .doesNotContain("per-user-day", "openai-per-user");

        // The current month's rows still come from the counters: doctor_3's one November call.
        JsonNode now = limitNamed(api.get("/v1/customers/clinic/usage").json().get("limits"), "per-user-month");
        assertThat(now.get("per_value").asText()).isEqualTo("doctor_3");
        assertThat(now.get("used").asLong()).isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void pastMonthUserUsage_usersOwnLimits_fromThatMonthsSums_notTodaysCounters(Backend backend) {
        startClinic(backend, """
                  {"name": "clinic-month", "metric": "requests", "window": "month", "amount": 10},
                  {"name": "per-user-month", "metric": "requests", "window": "month", "amount": 4, "per": "user"},
                  {"name": "doctor-2-cost", "metric": "cost", "window": "month", "amount": "1.00",
                   "user": "doctor_2"},
                  {"name": "per-user-day", "metric": "requests", "window": "day", "amount": 3, "per": "user"}""");
        List<String> october = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            october.add(call("doctor_1", "instagram", "0.10")); // 4 of 4: exceeded
        }
        october.add(call("doctor_2", "tiktok", "0.40"));
        october.add(call("doctor_2", "tiktok", "0.40")); // 2 of 4 requests; $0.80 of $1.00
        assertThat(api.post("/v1/events", "[" + String.join(",", october) + "]").json().get("accepted").asInt())
                .isEqualTo(6);
        clock.set(Instant.parse("2026-11-05T12:00:00Z"));
        api.post("/v1/events", call("doctor_1", "instagram", "0.10")); // November's: not October's

        JsonNode doctor1 = api.get("/v1/customers/clinic/users/doctor_1/usage?period=2026-10").json();
        assertThat(doctor1.at("/period/start").asText()).isEqualTo("2026-10-01T00:00:00Z");
        assertThat(doctor1.at("/totals/requests").asLong()).isEqualTo(4);
        JsonNode own = limitNamed(doctor1.get("limits"), "per-user-month");
        assertThat(own.get("scope").asText()).isEqualTo("user");
        assertThat(own.get("per_value").asText()).isEqualTo("doctor_1");
        assertThat(own.get("used").asLong()).as("October's 4 calls, not November's 1").isEqualTo(4);
        assertThat(own.get("status").asText()).isEqualTo("exceeded");
        assertThat(own.get("resets_at").asText()).isEqualTo("2026-11-01T00:00:00Z");
        assertThat(own.get("reserved").asLong()).isZero();
        JsonNode shared = limitNamed(doctor1.get("limits"), "clinic-month");
        assertThat(shared.get("scope").asText()).isEqualTo("customer");
        assertThat(shared.get("used").asLong()).isEqualTo(6);
        // A day window is not in a past month's sums; another user's limit is not this user's.
        assertThat(doctor1.get("limits")).extracting(l -> l.get("name").asText())
                .doesNotContain("per-user-day", "doctor-2-cost");

        // The customer's own key reads the same through /v1/me.
        String key = api.post("/v1/customers/clinic/keys", "").json().get("key").asText();
        JsonNode doctor2 = api.as(key).get("/v1/me/users/doctor_2/usage?period=2026-10").json();
        assertThat(doctor2.at("/totals/requests").asLong()).isEqualTo(2);
        assertThat(doctor2.at("/totals/cost").asText()).isEqualTo("0.80");
        JsonNode perUser = limitNamed(doctor2.get("limits"), "per-user-month");
        assertThat(perUser.get("used").asLong()).isEqualTo(2);
        assertThat(perUser.get("status").asText()).isEqualTo("warning");
        JsonNode cost = limitNamed(doctor2.get("limits"), "doctor-2-cost");
        assertThat(cost.get("scope").asText()).isEqualTo("user");
        assertThat(cost.get("used").asText()).isEqualTo("0.80");
        assertThat(cost.get("status").asText()).isEqualTo("critical");

        // The current month's own limits still come from the counters: doctor_1's one November call.
        JsonNode now = api.get("/v1/customers/clinic/users/doctor_1/usage").json().get("limits");
        assertThat(limitNamed(now, "per-user-month").get("used").asLong()).isEqualTo(1);
        assertThat(limitNamed(now, "per-user-day").get("used").asLong()).isEqualTo(1);
    }
}
