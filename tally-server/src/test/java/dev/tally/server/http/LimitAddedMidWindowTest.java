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
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A limit added partway through its window counts the usage already in it (reported by the console helper: a per-user
 * daily limit added mid-day showed "2 of 10" for a user with 7 calls that day). Per-user, customer-wide and changed
 * filters (a new counter) are seeded from the store; a changed amount keeps its counter; with Redis, two nodes see the
 * seeded counter once, not twice.
 */
class LimitAddedMidWindowTest {
    private final MutableClock clock = MutableClock.at("2026-11-20T12:00:00Z");
    private final String redisPrefix = "tally-test:" + UUID.randomUUID() + ":";
    @TempDir
    Path dir;
    private TestServer server;
    private TestServer other;

    @AfterEach
    void stop() {
        for (TestServer s : new TestServer[] {server, other}) {
            if (s != null) {
                s.close();
            }
        }
        TestServer.deleteRedisKeys(redisPrefix);
    }

    /** {@code n} events of {@code user} (null: none) for {@code provider} at the clock's time. */
    private static void events(Api api, String prefix, int n, String user, String provider) {
        StringBuilder body = new StringBuilder("[");
        for (int i = 0; i < n; i++) {
            body.append(i == 0 ? "" : ",").append("{\"id\":\"").append(prefix).append(i)
                    .append("\",\"customer\":\"acme\",\"provider\":\"").append(provider).append('"')
                    .append(user == null ? "" : ",\"user\":\"" + user + "\"").append('}');
        }
        assertThat(api.post("/v1/events", body.append(']').toString()).json().get("accepted").asInt()).isEqualTo(n);
    }

    private static JsonNode authorize(Api api, String user) {
        return api.post("/v1/authorize", "{\"customer\":\"acme\",\"provider\":\"openai\",\"user\":\"" + user + "\"}")
                .json();
    }

    private static int userUsed(Api api, String user) {
        JsonNode limits = api.get("/v1/customers/acme/users/" + user + "/usage").json().get("limits");
        for (JsonNode l : limits) {
            if ("user".equals(l.get("scope").asText())) {
                return l.get("used").asInt();
            }
        }
        throw new AssertionError("no per-user limit in " + limits);
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void perUserDailyLimitAddedMidDay_countsTheUsersEarlierCalls(Backend backend) {
        server = TestServer.start(backend, dir, clock);
        Api api = server.admin();
        api.put("/v1/customers/acme", "{\"name\": \"Acme\"}");
        events(api, "u1-", 7, "u1", "openai");
        events(api, "u2-", 2, "u2", "openai");
        clock.advance(Duration.ofHours(1));

        api.put("/v1/customers/acme", """
                {"name": "Acme", "limits": [{"metric": "requests", "window": "day", "amount": 8, "per": "user"}]}""");

        assertThat(userUsed(api, "u1")).as("u1's 7 calls of the day").isEqualTo(7);
        assertThat(userUsed(api, "u2")).isEqualTo(2);
        assertThat(authorize(api, "u1").get("allowed").asBoolean()).as("the 8th").isTrue();
        JsonNode denied = authorize(api, "u1");
        assertThat(denied.get("allowed").asBoolean()).as("the 9th").isFalse();
        assertThat(denied.at("/limit/used").asInt()).as("the 7 and the 8th, held").isEqualTo(8);
        assertThat(denied.at("/limit/reserved").asInt()).isEqualTo(1);
    }

    @Test
    void customerMonthLimitAddedToThePlanMidMonth_countsTheMonthsEarlierCalls_andANewAmountKeepsTheCount() {
        server = TestServer.start(Backend.SQLITE, dir, clock);
        Api api = server.admin();
        api.put("/v1/plans/basic", "{\"name\": \"Basic\", \"limits\": []}");
        api.put("/v1/customers/acme", "{\"name\": \"Acme\", \"plan\": \"basic\"}");
        events(api, "early-", 6, null, "openai");
        clock.advance(Duration.ofDays(3));
        events(api, "later-", 3, null, "openai");

        api.put("/v1/plans/basic", """
                {"name": "Basic", "limits": [{"metric": "requests", "window": "month", "amount": 20}]}""");
        JsonNode check = api.post("/v1/check", "{\"customer\":\"acme\"}").json();
        assertThat(check.at("/limits/0/used").asInt()).as("the month's 9 calls (a check holds nothing)").isEqualTo(9);

        // Same metric, window and filters with a new amount: the same counter, not seeded again.
        api.put("/v1/plans/basic", """
                {"name": "Basic", "limits": [{"metric": "requests", "window": "month", "amount": 10}]}""");
        assertThat(authorize(api, "x").get("allowed").asBoolean()).as("the 10th").isTrue();
        JsonNode denied = authorize(api, "x");
        assertThat(denied.get("allowed").asBoolean()).as("the 11th").isFalse();
        assertThat(denied.at("/limit/used").asInt()).as("the 9 and the 10th, held").isEqualTo(10);
    }

    @Test
    void changedFilter_isANewCounter_seededWithTheNewFiltersUsage() {
        server = TestServer.start(Backend.SQLITE, dir, clock);
        Api api = server.admin();
        api.put("/v1/customers/acme", """
                {"name": "Acme", "limits": [{"metric": "requests", "window": "day", "amount": 5,
                                             "provider": "anthropic"}]}""");
        events(api, "a-", 2, null, "anthropic");
        events(api, "o-", 4, null, "openai");

        api.put("/v1/customers/acme", """
                {"name": "Acme", "limits": [{"metric": "requests", "window": "day", "amount": 5,
                                             "provider": "openai"}]}""");
        JsonNode allowed = authorize(api, "x");
        assertThat(allowed.get("allowed").asBoolean()).as("the 5th openai call").isTrue();
        assertThat(allowed.at("/limits/0/used").asInt()).as("openai's 4 and this call, not anthropic's 2")
                .isEqualTo(5);
        assertThat(authorize(api, "x").get("allowed").asBoolean()).as("the 6th").isFalse();
    }

    /**
     * Regression (issue 13, item 5): a limit removed and added back within its window kept its counter, and the fill
     * at the re-add counted the usage from before the removal a second time.
     */
    @ParameterizedTest
    @EnumSource(Backend.class)
    void limitRemovedAndAddedBackInOneWindow_countsTheWindowOnce(Backend backend) {
        server = TestServer.start(backend, dir, clock);
        Api api = server.admin();
        String limits = """
                {"name": "Acme", "limits": [{"metric": "requests", "window": "day", "amount": 20, "per": "user"},
                                            {"metric": "requests", "window": "month", "amount": 30}]}""";
        api.put("/v1/customers/acme", limits);
        events(api, "before-", 7, "u1", "openai");
        api.put("/v1/customers/acme", "{\"name\": \"Acme\"}");
        events(api, "between-", 2, "u1", "openai");
        api.put("/v1/customers/acme", limits);

        assertThat(userUsed(api, "u1")).as("7 before the removal and 2 while removed, once each").isEqualTo(9);
        JsonNode check = api.post("/v1/check", "{\"customer\":\"acme\",\"user\":\"u1\"}").json();
        for (JsonNode l : check.get("limits")) {
            assertThat(l.get("used").asInt()).as(l.get("name").asText()).isEqualTo(9);
        }
        // Counted from here on as any limit: one more event makes 10.
        events(api, "after-", 1, "u1", "openai");
        assertThat(userUsed(api, "u1")).isEqualTo(10);
    }

    @Test
    void twoNodesOnRedis_theWritingNodeSeedsOnce_theOtherSeesTheSameCount() {
        String url = Backend.POSTGRES.freshUrl(dir);
        server = TestServer.startWithRedis(url, dir, clock, redisPrefix);
        other = TestServer.startWithRedis(url, dir, clock, redisPrefix);
        Api api = server.admin();
        Api otherApi = other.admin();
        api.put("/v1/customers/acme", "{\"name\": \"Acme\"}");
        events(api, "u1-", 7, "u1", "openai");

        api.put("/v1/customers/acme", """
                {"name": "Acme", "limits": [{"metric": "requests", "window": "day", "amount": 10, "per": "user"}]}""");
        assertThat(userUsed(api, "u1")).isEqualTo(7);
        // The other node reloads its catalog within 2 s of the change: poll until it has the limit.
        Instant deadline = Instant.now().plusSeconds(10);
        while (otherApi.get("/v1/customers/acme/users/u1/usage").json().get("limits").isEmpty()) {
            assertThat(Instant.now()).as("the other node sees the new limit").isBefore(deadline);
            Thread.onSpinWait();
        }
        assertThat(userUsed(otherApi, "u1")).as("seeded once, by the writing node").isEqualTo(7);
        assertThat(userUsed(api, "u1")).isEqualTo(7);
    }
}
