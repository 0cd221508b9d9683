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
 * Issue 13: the usage report of a range of days ({@code from}/{@code to}): top users and dimension values of today
 * or this week from the day rollups, in the customer's zone, on SQLite and PostgreSQL.
 */
class EndUserDayReportTest {
    /** Friday 2026-11-20, 13:00 in Berlin; the week began on Monday 2026-11-16, 00:00 Berlin = 2026-11-15T23:00Z. */
    private static final String NOW = "2026-11-20T12:00:00Z";

    @TempDir
    Path dir;
    private TestServer server;
    private Api api;

    private void start(Backend backend) {
        server = TestServer.start(backend, dir, MutableClock.at(NOW));
        api = server.admin();
        api.put("/v1/customers/clinic", "{\"name\":\"Clinic\",\"timezone\":\"Europe/Berlin\"}");
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static String event(String id, String at, String user, String platform, String cost, int status) {
        return "{\"id\":\"" + id + "\",\"customer\":\"clinic\",\"timestamp\":\"" + at + "\",\"user\":\"" + user
                + "\",\"dimensions\":{\"platform\":\"" + platform + "\"},\"status\":" + status
                + ",\"usage\":{\"input_tokens\":100},\"cost\":\"" + cost + "\"}";
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void dayAndWeekRanges_listTheTopUsersAndValuesOfThoseDays_inTheCustomersZone(Backend backend) {
        start(backend);
        List<String> events = new ArrayList<>();
        events.add(event("t1", "2026-11-20T08:00:00Z", "alice", "instagram", "0.10", 200)); // today
        events.add(event("t2", "2026-11-20T11:59:00Z", "alice", "tiktok", "0.25", 500)); // today, failed
        events.add(event("t3", "2026-11-19T23:30:00Z", "bob", "tiktok", "0.05", 200)); // today 00:30 in Berlin
        events.add(event("w1", "2026-11-18T10:00:00Z", "carol", "tiktok", "1.00", 200)); // Wednesday
        events.add(event("w2", "2026-11-15T23:10:00Z", "carol", "instagram", "1.00", 200)); // Monday 00:10 Berlin
        events.add(event("o1", "2026-11-15T22:50:00Z", "dave", "instagram", "9.00", 200)); // Sunday 23:50 Berlin
        events.add(event("o2", "2026-11-10T10:00:00Z", "alice", "instagram", "9.00", 200)); // the week before
        assertThat(api.post("/v1/events", "[" + String.join(",", events) + "]").json().get("accepted").asInt())
                .isEqualTo(7);
        // A later batch adds to today's rows.
        api.post("/v1/events", event("t4", "2026-11-20T11:00:00Z", "bob", "tiktok", "0.05", 200));

        JsonNode today = api.get("/v1/customers/clinic/usage?from=2026-11-20&to=2026-11-21").json();
        assertThat(today.at("/range/from").asText()).isEqualTo("2026-11-19T23:00:00Z");
        assertThat(today.at("/range/to").asText()).isEqualTo("2026-11-20T23:00:00Z");
        assertThat(today.at("/totals/requests").asLong()).isEqualTo(4);
        assertThat(today.at("/totals/cost").asText()).isEqualTo("0.45");
        JsonNode users = today.get("by_user");
        assertThat(users).hasSize(2);
        assertThat(users.get(0).get("user").asText()).isEqualTo("alice");
        assertThat(users.get(0).get("requests").asLong()).isEqualTo(2);
        assertThat(users.get(0).get("errors").asLong()).isEqualTo(1);
        assertThat(users.get(0).get("tokens").asLong()).isEqualTo(200);
        assertThat(users.get(0).get("cost").asText()).isEqualTo("0.35");
        assertThat(users.get(1).get("user").asText()).isEqualTo("bob");
        assertThat(users.get(1).get("requests").asLong()).isEqualTo(2);
        JsonNode platforms = today.at("/by_dimension/platform");
        assertThat(platforms).hasSize(2);
        assertThat(platforms.get(0).get("value").asText()).isEqualTo("tiktok");
        assertThat(platforms.get(0).get("requests").asLong()).isEqualTo(3);
        assertThat(platforms.get(1).get("value").asText()).isEqualTo("instagram");
        assertThat(today.get("users_truncated").asBoolean()).isFalse();

        // This week, as timestamps of the day starts in Berlin: Monday 00:10 counts, Sunday 23:50 does not.
        JsonNode week = api.get("/v1/customers/clinic/usage?from=2026-11-15T23:00:00Z&to=2026-11-21").json();
        assertThat(week.get("by_user")).extracting(u -> u.get("user").asText() + "=" + u.get("requests").asLong())
                .containsExactly("alice=2", "bob=2", "carol=2");
        assertThat(week.at("/totals/requests").asLong()).isEqualTo(6);
        assertThat(week.at("/by_dimension/platform")).extracting(v -> v.get("value").asText() + "="
                + v.get("requests").asLong()).containsExactly("tiktok=4", "instagram=2");

        // The month still has everyone; the customer's own key reads its days under /v1/me.
        assertThat(api.get("/v1/customers/clinic/usage").json().get("by_user")).hasSize(4);
        Api own = api.as(api.post("/v1/customers/clinic/keys", null).json().get("key").asText());
        assertThat(own.get("/v1/me/usage?from=2026-11-20&to=2026-11-21").json().at("/by_user/0/cost").asText())
                .isEqualTo("0.35");
    }

    @Test
    void badRanges_answer400_namingTheField() {
        start(Backend.SQLITE);
        assertProblem("/v1/customers/clinic/usage?from=2026-11-20", "to");
        assertProblem("/v1/customers/clinic/usage?to=2026-11-20", "from");
        assertProblem("/v1/customers/clinic/usage?period=2026-11&from=2026-11-20&to=2026-11-21", "period");
        assertProblem("/v1/customers/clinic/usage?from=2026-11-21&to=2026-11-20", "to");
        assertProblem("/v1/customers/clinic/usage?from=2026-11-20&to=2026-11-20", "to");
        assertProblem("/v1/customers/clinic/usage?from=2026-10-01&to=2026-11-02", "to"); // 32 days
        assertProblem("/v1/customers/clinic/usage?from=2026-11-20T00:00:00Z&to=2026-11-21", "from"); // not Berlin's
        assertProblem("/v1/customers/clinic/usage?from=yesterday&to=2026-11-21", "from");
        assertThat(api.get("/v1/customers/clinic/usage?from=2026-10-01&to=2026-11-01").status()).isEqualTo(200);
        assertThat(api.get("/v1/customers/nobody/usage?from=2026-11-20&to=2026-11-21").status()).isEqualTo(404);
    }

    private void assertProblem(String path, String field) {
        Api.Response r = api.get(path);
        assertThat(r.status()).as(path).isEqualTo(400);
        assertThat(r.body()).as(path).contains("\"" + field + "\"").contains(field + ":");
    }
}
