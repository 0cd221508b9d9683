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
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 13: alerts watch {@code per} limits. 50, 80 and 100 % of a {@code per: user} limit fire for the user who
 * reaches them, once per user, level and period, naming the user; a denial by the user's own counter fires its
 * {@code exceeded}; they resolve when the period ends. The same for {@code per: dimensions.KEY}.
 */
class PerLimitAlertTest {
    private final MutableClock clock = MutableClock.at("2026-11-20T09:00:00Z");
    @TempDir
    Path dir;
    private TestServer server;
    private Api api;
    private int seq;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private void events(int n, String user, String platform) {
        StringBuilder body = new StringBuilder("[");
        for (int i = 0; i < n; i++) {
            body.append(i == 0 ? "" : ",").append("{\"id\":\"e").append(seq++)
                    .append("\",\"customer\":\"clinic\",\"user\":\"").append(user)
                    .append("\",\"dimensions\":{\"platform\":\"").append(platform).append("\"}}");
        }
        assertThat(api.post("/v1/events", body.append(']').toString()).json().get("accepted").asInt()).isEqualTo(n);
    }

    private List<JsonNode> alerts(String query) {
        server.server().alerts().drain(Duration.ofSeconds(10));
        Api.Response r = api.get("/v1/alerts" + query);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        List<JsonNode> out = new ArrayList<>();
        r.json().get("alerts").forEach(out::add);
        return out;
    }

    private static List<String> keys(List<JsonNode> alerts) {
        return alerts.stream().map(a -> a.get("limit").asText() + " " + a.get("per_value").asText() + " "
                + a.get("kind").asText() + " " + a.get("threshold").asText()).sorted().toList();
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void perUserAndPerPlatformLevels_fireOncePerValueAndLevel_namingIt_andResolveWhenTheDayEnds(Backend backend) {
        server = TestServer.start(backend, dir, clock);
        api = server.admin();
        api.put("/v1/plans/clinic", """
                {"name": "Clinic", "limits": [
                  {"metric": "requests", "window": "month", "amount": 1000},
                  {"metric": "requests", "window": "day", "amount": 10, "per": "user"},
                  {"metric": "requests", "window": "day", "amount": 20, "per": "dimensions.platform",
                   "thresholds": [80]}]}""");
        api.put("/v1/customers/clinic", "{\"name\": \"Clinic\", \"plan\": \"clinic\"}");

        events(4, "doctor_1", "web");
        assertThat(alerts("?customer=clinic")).isEmpty();
        events(1, "doctor_1", "web"); // doctor_1 at 5 of 10
        events(5, "doctor_2", "web"); // doctor_2 at 5 of 10
        events(3, "doctor_1", "app"); // doctor_1 at 8 of 10
        events(1, "doctor_1", "app"); // 9: no new level; each level fired once
        assertThat(keys(alerts("?customer=clinic"))).containsExactly(
                "requests-day-per-user doctor_1 threshold 50",
                "requests-day-per-user doctor_1 threshold 80",
                "requests-day-per-user doctor_2 threshold 50");
        JsonNode fifty = alerts("?customer=clinic&kind=threshold").stream()
                .filter(a -> a.get("per_value").asText().equals("doctor_2")).findFirst().orElseThrow();
        assertThat(fifty.get("message").asText()).contains("doctor_2", "50%");
        assertThat(fifty.get("period").asText()).isEqualTo("2026-11-20");

        // web reaches 16 of 20 (80 %): one alert for that value.
        events(6, "doctor_3", "web");
        // doctor_1's 10th call: 100 %; an 11th is denied by its own counter (one exceeded alert, not two).
        events(1, "doctor_1", "app");
        JsonNode denied = api.post("/v1/authorize", "{\"customer\":\"clinic\",\"user\":\"doctor_1\"}").json();
        assertThat(denied.get("allowed").asBoolean()).isFalse();
        api.post("/v1/authorize", "{\"customer\":\"clinic\",\"user\":\"doctor_1\"}");
        List<JsonNode> all = alerts("?customer=clinic");
        assertThat(keys(all)).containsExactly(
                "requests-day-per-platform web threshold 80",
                "requests-day-per-user doctor_1 exceeded null",
                "requests-day-per-user doctor_1 threshold 100",
                "requests-day-per-user doctor_1 threshold 50",
                "requests-day-per-user doctor_1 threshold 80",
                "requests-day-per-user doctor_2 threshold 50",
                "requests-day-per-user doctor_3 threshold 50");
        // A sweep within the day keeps them: the customer's rollups do not measure per limits.
        assertThat(server.server().alerts().sweep()).isZero();

        clock.set(Instant.parse("2026-11-21T00:30:00Z")); // the customer's day (UTC) is over
        assertThat(server.server().alerts().sweep()).isEqualTo(all.size());
        assertThat(alerts("?customer=clinic&state=active")).isEmpty();
        // A new day: doctor_1's 50 % fires again, for the new day.
        events(5, "doctor_1", "web");
        List<JsonNode> active = alerts("?customer=clinic&state=active");
        assertThat(keys(active)).containsExactly("requests-day-per-user doctor_1 threshold 50");
        assertThat(active.get(0).get("period").asText()).isEqualTo("2026-11-21");
    }
}
