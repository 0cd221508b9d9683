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
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 13, enforcement of limits on end users and dimensions through the API: the clinic (50 calls a day for each
 * doctor under the clinic's 500 a month), a platform's daily compute units, counters rebuilt after a restart, and 64
 * HTTP clients against a per-user and a customer limit, in process and on Redis.
 */
class EndUserLimitsTest {
    private final MutableClock clock = MutableClock.at("2026-11-20T12:00:00Z");
    private final String redisPrefix = "tally-test:" + UUID.randomUUID() + ":";
    @TempDir
    Path dir;
    private TestServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        TestServer.deleteRedisKeys(redisPrefix);
    }

    private static String call(String customer, String user) {
        return "{\"customer\":\"" + customer + "\",\"user\":\"" + user + "\"}";
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void clinic_51stCallOfDoctor1Denied_doctor2Passes_bothCountTowardTheMonth_andARestartRemembers(Backend backend) {
        server = TestServer.start(backend, dir, clock);
        Api api = server.admin();
        api.put("/v1/plans/clinic", """
                {"name": "Clinic", "limits": [
                  {"metric": "requests", "window": "month", "amount": 500},
                  {"metric": "requests", "window": "day", "amount": 50, "per": "user"}]}""");
        api.put("/v1/customers/clinic", "{\"name\": \"Clinic\", \"plan\": \"clinic\"}");
        StringBuilder events = new StringBuilder("[");
        for (int i = 0; i < 50; i++) {
            events.append(i == 0 ? "" : ",").append("{\"id\":\"d1-").append(i)
                    .append("\",\"customer\":\"clinic\",\"user\":\"doctor_1\"}");
        }
        assertThat(api.post("/v1/events", events.append("]").toString()).json().get("accepted").asInt())
                .isEqualTo(50);

        JsonNode denied = api.post("/v1/authorize", call("clinic", "doctor_1")).json();
        assertThat(denied.get("allowed").asBoolean()).isFalse();
        assertThat(denied.get("code").asText()).isEqualTo("quota_exceeded");
        assertThat(denied.at("/limit/name").asText()).isEqualTo("requests-day-per-user");
        assertThat(denied.at("/limit/per").asText()).isEqualTo("user");
        assertThat(denied.at("/limit/per_value").asText()).isEqualTo("doctor_1");
        assertThat(denied.at("/limit/used").asInt()).isEqualTo(50);

        JsonNode allowed = api.post("/v1/authorize", call("clinic", "doctor_2")).json();
        assertThat(allowed.get("allowed").asBoolean()).isTrue();
        JsonNode month = byName(allowed.get("limits"), "requests-month");
        assertThat(month.get("used").asInt()).as("doctor_1's 50 and doctor_2's held call").isEqualTo(51);
        assertThat(byName(allowed.get("limits"), "requests-day-per-user").get("per_value").asText())
                .isEqualTo("doctor_2");
        // A call naming no user is not counted by the per-user limit, only by the clinic's.
        JsonNode anonymous = api.post("/v1/authorize", "{\"customer\":\"clinic\"}").json();
        assertThat(anonymous.get("allowed").asBoolean()).isTrue();
        assertThat(anonymous.get("limits")).hasSize(1);

        // One user's usage shows the user's own counter, scope user, beside the clinic's.
        JsonNode own = api.get("/v1/customers/clinic/users/doctor_1/usage").json().get("limits");
        assertThat(own).hasSize(2);
        assertThat(own.get(0).get("scope").asText()).isEqualTo("customer");
        assertThat(own.get(1).get("scope").asText()).isEqualTo("user");
        assertThat(own.get(1).get("used").asInt()).isEqualTo(50);
        assertThat(own.get(1).get("status").asText()).isEqualTo("exceeded");
        Api clinicKey = api.as(api.post("/v1/customers/clinic/keys", null).json().get("key").asText());
        JsonNode mine = clinicKey.get("/v1/me/users/doctor_2/usage").json().get("limits");
        assertThat(mine.get(1).get("per_value").asText()).isEqualTo("doctor_2");
        assertThat(mine.get(1).get("reserved").asInt()).isEqualTo(1);

        // After a restart the per-user counters are rebuilt from the stored events.
        String url = server.databaseUrl();
        server.close();
        server = TestServer.startOn(url, dir, clock);
        api = server.admin();
        assertThat(api.post("/v1/authorize", call("clinic", "doctor_1")).json().get("allowed").asBoolean())
                .isFalse();
        assertThat(api.post("/v1/authorize", call("clinic", "doctor_2")).json().get("allowed").asBoolean()).isTrue();
        // The next day doctor_1 starts again.
        clock.advance(java.time.Duration.ofDays(1));
        assertThat(api.post("/v1/authorize", call("clinic", "doctor_1")).json().get("allowed").asBoolean()).isTrue();
    }

    @Test
    void apify_computeUnitsPerPlatform_dailyLimitOnEachPlatform_andAFilteredLimit() {
        server = TestServer.start(Backend.SQLITE, dir, clock);
        Api api = server.admin();
        api.put("/v1/customers/tracker", """
                {"name": "Tracker", "limits": [
                  {"metric": "compute_units", "window": "day", "amount": 100, "per": "dimensions.platform"},
                  {"metric": "compute_units", "window": "day", "amount": 30, "dimensions": {"platform": "tiktok"},
                   "name": "tiktok-cu"}]}""");
        api.post("/v1/events", """
                [{"id":"a1","customer":"tracker","provider":"apify","dimensions":{"platform":"instagram"},
                  "usage":{"compute_units":80}},
                 {"id":"a2","customer":"tracker","provider":"apify","dimensions":{"platform":"tiktok"},
                  "usage":{"compute_units":25}}]""");
        JsonNode instagram = api.post("/v1/authorize", """
                {"customer":"tracker","dimensions":{"platform":"instagram"},"estimate":{"compute_units":30}}""")
                .json();
        assertThat(instagram.get("allowed").asBoolean()).isFalse();
        assertThat(instagram.at("/limit/per_value").asText()).isEqualTo("instagram");
        assertThat(instagram.at("/limit/used").asInt()).isEqualTo(80);
        // TikTok's own daily counter has room (25 of 100), but the filtered limit on TikTok has 5 left.
        JsonNode tiktok = api.post("/v1/authorize", """
                {"customer":"tracker","dimensions":{"platform":"tiktok"},"estimate":{"compute_units":10}}""").json();
        assertThat(tiktok.get("allowed").asBoolean()).isFalse();
        assertThat(tiktok.at("/limit/name").asText()).isEqualTo("tiktok-cu");
        assertThat(api.post("/v1/authorize", """
                {"customer":"tracker","dimensions":{"platform":"tiktok"},"estimate":{"compute_units":5}}""")
                .json().get("allowed").asBoolean()).isTrue();
        assertThat(api.post("/v1/authorize", """
                {"customer":"tracker","dimensions":{"platform":"youtube"},"estimate":{"compute_units":100}}""")
                .json().get("allowed").asBoolean()).isTrue();
    }

    /** 64 HTTP clients, 10 users, 10 calls a day each and 60 for the customer: exactly 60 allowed, none above 10. */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void authorize_64HttpClients_10Users_exactly60Allowed_noUserAbove10(boolean redis) throws Exception {
        server = redis ? TestServer.startWithRedis(Backend.SQLITE.freshUrl(dir), dir, clock, redisPrefix)
                : TestServer.start(Backend.SQLITE, dir, clock);
        Api api = server.admin();
        api.put("/v1/customers/acme", """
                {"name": "Acme", "limits": [
                  {"metric": "requests", "window": "month", "amount": 60},
                  {"metric": "requests", "window": "day", "amount": 10, "per": "user"}]}""");
        int clients = 64;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<String>> results = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                for (int i = 0; i < 2; i++) {
                    String user = "user_" + ((c * 2 + i) % 10);
                    Api client = api.as(TestServer.ADMIN_KEY);
                    results.add(pool.submit(() -> {
                        start.await();
                        JsonNode d = client.post("/v1/authorize", call("acme", user)).json();
                        return d.get("allowed").asBoolean() ? user : null;
                    }));
                }
            }
            start.countDown();
            Map<String, Integer> allowedByUser = new TreeMap<>();
            int allowed = 0;
            for (Future<String> r : results) {
                String user = r.get(60, TimeUnit.SECONDS);
                if (user != null) {
                    allowed++;
                    allowedByUser.merge(user, 1, Integer::sum);
                }
            }
            assertThat(allowed).isEqualTo(60);
            assertThat(allowedByUser.values()).allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(10));
        } finally {
            pool.shutdownNow();
        }
    }

    private static JsonNode byName(JsonNode limits, String name) {
        for (JsonNode l : limits) {
            if (l.get("name").asText().equals(name)) {
                return l;
            }
        }
        throw new AssertionError("no limit " + name + " in " + limits);
    }
}
