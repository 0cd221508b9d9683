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
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 16: a re-rating moves the counters of cost limits on end users and dimensions by exactly the cost change of
 * that user's (that value's) calls in the limit's current window, and their alerts fire or resolve as if the calls had
 * been priced so from the start; the alerts of minute and hour cost limits too.
 *
 * <p>Each call costs $2.50 + $1.00 = $3.50 at an input price of $2.50 (1,000,000 input and 100,000 output tokens) and
 * $0.50 + $1.00 = $1.50 at $0.50. Before, the counters of such limits kept what ingestion had counted: the
 * user stayed denied after a downward re-price, allowed after an upward one, and the alerts stayed as they were.
 */
class RerateEndUserLimitTest {
    private final MutableClock clock = MutableClock.at("2026-11-20T12:00:00Z");
    @TempDir
    Path dir;
    private TestServer server;
    private Api api;
    private int seq;

    /** A second node sharing the first's PostgreSQL schema and Redis prefix, if started. */
    private TestServer other;
    private String redisPrefix;

    @AfterEach
    void stop() {
        for (TestServer node : new TestServer[]{other, server}) {
            if (node != null) {
                node.close();
            }
        }
        if (redisPrefix != null) {
            TestServer.deleteRedisKeys(redisPrefix);
        }
    }

    private void start(Backend backend, String limits) {
        setUp(TestServer.start(backend, dir, clock), limits);
    }

    private void setUp(TestServer node, String limits) {
        server = node;
        api = server.admin();
        assertThat(api.put("/v1/plans/clinic", "{\"limits\":" + limits + "}").status()).isIn(200, 201);
        assertThat(api.put("/v1/customers/clinic", "{\"plan\":\"clinic\"}").status()).isIn(200, 201);
        price("2.50");
    }

    private void price(String input) {
        assertThat(api.put("/v1/prices", """
                [{"provider":"openai","model":"gpt-4o","metric":"input_tokens","unit_price":"%s","per":1000000,
                  "effective_from":"2026-11-01T00:00:00Z"},
                 {"provider":"openai","model":"gpt-4o","metric":"output_tokens","unit_price":"10.00","per":1000000,
                  "effective_from":"2026-11-01T00:00:00Z"}]""".formatted(input)).status()).isEqualTo(200);
    }

    /** {@code n} calls of {@code user} on {@code platform} at {@code time} today, priced at ingestion. */
    private void calls(int n, String user, String platform, String time) {
        StringBuilder body = new StringBuilder("[");
        for (int i = 0; i < n; i++) {
            body.append(i == 0 ? "" : ",").append("""
                    {"id":"e%d","customer":"clinic","provider":"openai","model":"gpt-4o","user":"%s",
                     "dimensions":{"platform":"%s"},"timestamp":"2026-11-20T%s:0%dZ",
                     "usage":{"input_tokens":1000000,"output_tokens":100000}}""".formatted(seq++, user, platform,
                    time, i));
        }
        assertThat(api.post("/v1/events", body.append(']').toString()).json().path("accepted").asInt()).isEqualTo(n);
    }

    private void rerate(String input) {
        price(input);
        Api.Response r = api.post("/v1/rerate", "{\"period\":\"2026-11\",\"customer\":\"clinic\",\"dry_run\":false}");
        assertThat(r.status()).as(r.body()).isEqualTo(201);
    }

    /** The active alerts, as "limit per_value kind threshold" ("-" for none), sorted. */
    private List<String> active() {
        server.server().alerts().drain(Duration.ofSeconds(10));
        List<String> out = new ArrayList<>();
        for (JsonNode a : api.get("/v1/alerts?customer=clinic&state=active").json().path("alerts")) {
            out.add(a.path("limit").asText() + " " + text(a.path("per_value")) + " " + a.path("kind").asText()
                    + " " + text(a.path("threshold")));
        }
        return out.stream().sorted().toList();
    }

    private static String text(JsonNode n) {
        return n.isMissingNode() || n.isNull() ? "-" : n.asText();
    }

    private JsonNode authorize(String user, String platform) {
        return api.post("/v1/authorize", """
                {"customer":"clinic","provider":"openai","model":"gpt-4o","user":"%s",
                 "dimensions":{"platform":"%s"},"estimate":{"cost":"1.00"}}""".formatted(user, platform)).json();
    }

    private boolean checkAllowed(String user, String platform) {
        return checkAllowed(api, user, platform);
    }

    private static boolean checkAllowed(Api api, String user, String platform) {
        return api.post("/v1/check", """
                {"customer":"clinic","provider":"openai","model":"gpt-4o","user":"%s",
                 "dimensions":{"platform":"%s"},"estimate":{"cost":"1.00"}}""".formatted(user, platform)).json()
                .path("allowed").asBoolean();
    }

    /** The user's own limit as {@code /users/{user}/usage} reads it from its counter, and the user's cost. */
    private void userAgrees(String user, String used) {
        JsonNode usage = api.get("/v1/customers/clinic/users/" + user + "/usage").json();
        assertThat(usage.at("/totals/cost").asText()).as(usage.toString()).isEqualTo(used);
        JsonNode own = null;
        for (JsonNode l : usage.path("limits")) {
            if ("user".equals(l.path("scope").asText())) {
                own = l;
            }
        }
        assertThat(own).as(usage.toString()).isNotNull();
        assertThat(own.path("used").asText()).isEqualTo(used);
    }

    /**
     * doctor_1's three calls today cost $10.50 of its $8.00 daily budget: over, with its 50, 80 and 100 % alerts and
     * exceeded. Re-priced down to $4.50, it is back under: all but the 50 % resolve, and $1.00 more fits. Re-priced
     * up again, it is over again: its alerts fire again, its next authorize is denied ({@code budget_exceeded}, as
     * a cost limit denies), and doctor_2 ($3.50) is still allowed.
     */
    @ParameterizedTest
    @EnumSource(Backend.class)
    void perUserDailyCostLimit_followsRerateDownAndUp_alertsResolveAndFire(Backend backend) {
        start(backend, """
                [{"name":"doctor_day","metric":"cost","window":"day","amount":"8.00","per":"user"}]""");
        calls(3, "doctor_1", "web", "10:00");
        calls(1, "doctor_2", "web", "10:10");
        List<String> over = List.of("doctor_day doctor_1 exceeded -", "doctor_day doctor_1 threshold 100",
                "doctor_day doctor_1 threshold 50", "doctor_day doctor_1 threshold 80");
        assertThat(active()).isEqualTo(over);
        assertThat(checkAllowed("doctor_1", "web")).isFalse();
        userAgrees("doctor_1", "10.50");

        rerate("0.50");
        assertThat(active()).as("$4.50 of $8.00: only the 50 % level is still reached")
                .containsExactly("doctor_day doctor_1 threshold 50");
        assertThat(checkAllowed("doctor_1", "web")).as("$4.50 + $1.00 fits $8.00").isTrue();
        userAgrees("doctor_1", "4.50");
        userAgrees("doctor_2", "1.50");

        rerate("2.50");
        assertThat(active()).isEqualTo(over);
        JsonNode exceeded = api.get("/v1/alerts?customer=clinic&kind=exceeded&state=active").json().at("/alerts/0");
        assertThat(exceeded.path("message").asText()).contains("doctor_1", "after a re-rating");
        JsonNode denied = authorize("doctor_1", "web");
        assertThat(denied.path("allowed").asBoolean()).as(denied.toString()).isFalse();
        assertThat(denied.path("code").asText()).as("a cost limit's denial").isEqualTo("budget_exceeded");
        assertThat(checkAllowed("doctor_2", "web")).as("doctor_2 at $3.50 of its own $8.00").isTrue();
        userAgrees("doctor_1", "10.50");
        userAgrees("doctor_2", "3.50");
    }

    /**
     * The same for a dimension value's counter ({@code per: dimensions.platform}, $10.00 a day): web's four calls
     * ($14.00) are over, app's one ($3.50) is not; re-priced down, web ($6.00) is back under and its alerts but the
     * 50 % resolve; re-priced up, web is over again and denied while app is allowed. A limit on the app value alone
     * ({@code dimensions} filter, one counter, $5.00) goes over with the upward re-price and fires.
     */
    @ParameterizedTest
    @EnumSource(Backend.class)
    void dimensionValueCostLimits_followRerateDownAndUp(Backend backend) {
        start(backend, """
                [{"name":"platform_day","metric":"cost","window":"day","amount":"10.00","per":"dimensions.platform",
                  "thresholds":[50]},
                 {"name":"app_day","metric":"cost","window":"day","amount":"5.00","dimensions":{"platform":"app"},
                  "thresholds":[50]}]""");
        calls(2, "doctor_1", "web", "09:00");
        calls(2, "doctor_2", "web", "09:10");
        calls(1, "doctor_3", "app", "09:20");
        List<String> over = List.of("app_day - threshold 50", "platform_day web exceeded -",
                "platform_day web threshold 50");
        assertThat(active()).isEqualTo(over);

        rerate("0.50");
        assertThat(active()).as("web $6.00 of $10.00, app $1.50 of $5.00")
                .containsExactly("platform_day web threshold 50");
        assertThat(checkAllowed("doctor_1", "web")).isTrue();

        rerate("2.50");
        assertThat(active()).isEqualTo(over);
        JsonNode denied = authorize("doctor_4", "web");
        assertThat(denied.path("allowed").asBoolean()).as(denied.toString()).isFalse();
        assertThat(denied.path("code").asText()).as("a cost limit's denial").isEqualTo("budget_exceeded");
        assertThat(checkAllowed("doctor_4", "lab")).as("another value has its own counter").isTrue();

        rerate("4.50"); // app: 4.50 + 1.00 = $5.50 of $5.00
        assertThat(active()).contains("app_day - exceeded -");
        assertThat(checkAllowed("doctor_3", "app")).isFalse();
    }

    /**
     * Issue 16, item 2: a re-rating that pushes the customer's hourly cost limit ($8.00) over fires its alerts, and
     * one that brings it back under resolves them, as the day and month limits' do (the sweep keeps an hour limit's
     * alerts for the hour: only the counters can tell).
     */
    @ParameterizedTest
    @EnumSource(Backend.class)
    void hourlyCostLimit_rerateFiresAndResolvesItsAlerts(Backend backend) {
        start(backend, """
                [{"name":"hourly","metric":"cost","window":"hour","amount":"8.00"}]""");
        price("0.50");
        calls(3, "doctor_1", "web", "11:40"); // $4.50 of $8.00
        assertThat(active()).containsExactly("hourly - threshold 50");

        rerate("2.50"); // $10.50
        assertThat(active()).containsExactly("hourly - exceeded -", "hourly - threshold 100",
                "hourly - threshold 50", "hourly - threshold 80");
        assertThat(checkAllowed("doctor_1", "web")).isFalse();

        rerate("0.50");
        assertThat(active()).containsExactly("hourly - threshold 50");
        assertThat(checkAllowed("doctor_1", "web")).isTrue();
    }

    /**
     * Issue 16, item 3: with several nodes the counters are Redis's, shared; the re-rating applied on one node moves
     * them through the counter store, so the other node decides doctor_1's calls by the re-rated cost at once.
     */
    @Test
    void twoNodesOnRedis_rerateOnOneMovesTheSharedPerUserCounter_theOtherDecidesByIt() {
        redisPrefix = "tally-test:" + java.util.UUID.randomUUID() + ":";
        setUp(TestServer.startWithRedis(Backend.POSTGRES.freshUrl(dir), dir, clock, redisPrefix), """
                [{"name":"doctor_day","metric":"cost","window":"day","amount":"8.00","per":"user"}]""");
        calls(3, "doctor_1", "web", "10:00");
        calls(1, "doctor_2", "web", "10:10");
        other = TestServer.startWithRedis(server.databaseUrl(), dir, clock, redisPrefix);
        Api b = other.admin();
        assertThat(checkAllowed(b, "doctor_1", "web")).as("$10.50 of $8.00").isFalse();

        rerate("0.50");
        assertThat(checkAllowed(b, "doctor_1", "web")).as("$4.50 + $1.00 of $8.00").isTrue();

        rerate("2.50");
        JsonNode denied = b.post("/v1/authorize", """
                {"customer":"clinic","provider":"openai","model":"gpt-4o","user":"doctor_1",
                 "estimate":{"cost":"1.00"}}""").json();
        assertThat(denied.path("allowed").asBoolean()).as(denied.toString()).isFalse();
        assertThat(denied.path("code").asText()).isEqualTo("budget_exceeded");
        assertThat(checkAllowed(b, "doctor_2", "web")).isTrue();
        assertThat(active()).contains("doctor_day doctor_1 exceeded -");
    }
}
