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
        server = TestServer.start(backend, dir, clock);
        api = server.admin();
        api.put("/v1/customers/clinic", """
                {"name": "Clinic", "limits": [
                  {"name": "per-user-month", "metric": "requests", "window": "month", "amount": 4, "per": "user"},
                  {"name": "per-platform-cost", "metric": "cost", "window": "month", "amount": "1.00",
                   "per": "dimensions.platform"},
                  {"name": "doctor-2-month", "metric": "requests", "window": "month", "amount": 10,
                   "user": "doctor_2"},
                  {"name": "tiktok-month", "metric": "requests", "window": "month", "amount": 2,
                   "dimensions": {"platform": "tiktok"}},
                  {"name": "per-user-day", "metric": "requests", "window": "day", "amount": 3, "per": "user"},
                  {"name": "openai-per-user", "metric": "requests", "window": "month", "amount": 3,
                   "per": "user", "provider": "openai"}]}""");
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
}
