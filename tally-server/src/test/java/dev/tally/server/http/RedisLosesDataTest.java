package dev.tally.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.testing.MutableClock;
import dev.tally.server.testing.Api;
import dev.tally.server.testing.Await;
import dev.tally.server.testing.Backend;
import dev.tally.server.testing.PrivateRedis;
import dev.tally.server.testing.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 12.3: counters that survive Redis. Two nodes on one PostgreSQL schema and a private Redis that loses its data
 * (restarted empty) or cannot be reached for a while (frozen) while the nodes run.
 */
class RedisLosesDataTest {
    private static final String CALL = """
            {"customer":"acme","provider":"openai","model":"gpt-4"}""";

    @TempDir
    Path dir;
    private final MutableClock clock = MutableClock.at("2026-11-20T12:00:30Z");
    private final List<TestServer> nodes = new ArrayList<>();
    private PrivateRedis redis;

    @AfterEach
    void stop() throws Exception {
        nodes.forEach(TestServer::close);
        if (redis != null) {
            redis.close();
        }
    }

    /** Two nodes; {@code acme} is on a plan with {@code limits} that fails closed when the counters cannot answer. */
    private List<Api> twoNodes(String limits) throws Exception {
        redis = PrivateRedis.start(dir);
        TestServer a = TestServer.startWithRedis(Backend.POSTGRES.freshUrl(dir), dir, clock, redis.url(), "tally:");
        nodes.add(a);
        assertThat(a.admin().put("/v1/plans/strict", limits.replaceFirst("^\\s*\\{",
                "{\"name\": \"Strict\", \"failure_policy\": \"fail_closed\", ")).status()).isIn(200, 201);
        assertThat(a.admin().put("/v1/customers/acme", "{\"plan\": \"strict\"}").status()).isIn(200, 201);
        nodes.add(TestServer.startWithRedis(a.databaseUrl(), dir, clock, redis.url(), "tally:"));
        return List.of(a.admin(), nodes.get(1).admin());
    }

    private static void post(Api api, String idPrefix, int count) {
        StringBuilder events = new StringBuilder("[");
        for (int i = 0; i < count; i++) {
            events.append(i == 0 ? "" : ",").append("""
                    {"id":"%s%d","customer":"acme","provider":"openai","model":"gpt-4"}""".formatted(idPrefix, i));
        }
        Api.Response r = api.post("/v1/events", events.append(']').toString());
        assertThat(r.status()).as(r.body()).isEqualTo(200);
    }

    /** The month counter as a node's counters answer it, or -1 while they cannot answer (failure policy). */
    private static long usedThisMonth(Api api) {
        JsonNode check = api.post("/v1/check", CALL).json();
        for (JsonNode l : check.path("limits")) {
            if (l.get("name").asText().equals("requests-month")) {
                return l.get("used").asLong();
            }
        }
        return -1;
    }

    private static boolean allowed(Api api) {
        Api.Response r = api.post("/v1/authorize", CALL);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json().get("allowed").asBoolean();
    }

    @Test
    void redisRestartedEmpty_countersAreRebuiltFromTheStore_andPendingReservationsReleased() throws Exception {
        List<Api> apis = twoNodes("""
                {"limits":[{"metric":"requests","window":"month","amount":10}]}""");
        post(apis.get(0), "e", 6);
        assertThat(allowed(apis.get(1))).isTrue(); // held, never settled
        assertThat(usedThisMonth(apis.get(0))).isEqualTo(7);

        redis.restartEmpty();

        // Each node reconnects by itself; its first operation finds the mark gone and the counters are rebuilt from
        // the store's 6 events before anything is decided. The pending reservation went with Redis: released.
        for (Api api : apis) {
            Await.within(Duration.ofSeconds(15), "the counters answer again on " + api,
                    () -> usedThisMonth(api) == 6);
        }
        int allowedNow = 0;
        for (int i = 0; i < 6; i++) {
            allowedNow += allowed(apis.get(i % 2)) ? 1 : 0;
        }
        // The overshoot bound of a restart: the call pending at the loss goes on, and its room was given again.
        // 6 stored + 4 = the limit of 10, with the pending call 11 calls: exactly one (the pending one) past it.
        assertThat(allowedNow).isEqualTo(4);
    }

    @Test
    void eventsStoredWhileRedisCouldNotBeReached_areCountedWhenItAnswersAgain() throws Exception {
        List<Api> apis = twoNodes("""
                {"limits":[{"metric":"requests","window":"month","amount":100}]}""");
        post(apis.get(0), "before", 5);
        assertThat(usedThisMonth(apis.get(1))).isEqualTo(5);

        redis.freeze();
        try {
            // Each count times out (1 s); the events are stored and acknowledged all the same.
            post(apis.get(0), "during", 3);
            // The plan fails closed: nothing is allowed while the counters cannot answer (no overshoot).
            JsonNode denied = apis.get(1).post("/v1/authorize", CALL).json();
            assertThat(denied.get("allowed").asBoolean()).isFalse();
            assertThat(denied.get("code").asText()).isEqualTo("unavailable");
        } finally {
            redis.thaw();
        }

        // Redis kept its data (the mark too), but it lacks the 3 events: they are counted from the store.
        for (Api api : apis) {
            Await.within(Duration.ofSeconds(15), "the 3 events stored during the outage counted on " + api,
                    () -> usedThisMonth(api) == 8);
        }
        post(apis.get(1), "after", 2);
        assertThat(usedThisMonth(apis.get(0))).isEqualTo(10);
    }
}
