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
 * Issue 13, step 2: the usage report's {@code by_user} and {@code by_dimension}, the end user list (admin and
 * {@code /v1/me}) and the cardinality bound, on SQLite and PostgreSQL.
 */
class EndUserReportTest {
    @TempDir
    Path dir;
    private TestServer server;
    private Api api;

    private void start(Backend backend) {
        server = TestServer.start(backend, dir, MutableClock.at("2026-11-20T12:00:00Z"));
        api = server.admin();
        api.put("/v1/prices", """
                [{"provider":"openai","model":"gpt-4o","metric":"input_tokens","unit_price":"0.01","per":1000}]""");
        api.put("/v1/customers/chatbot", "{\"name\":\"Chatbot\"}");
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    /** Issue 13's case: a chatbot customer's report lists its top users and bots by requests and tokens. */
    @ParameterizedTest
    @EnumSource(Backend.class)
    void chatbotReport_listsTopUsersAndBots_byRequestsAndTokens(Backend backend) {
        start(backend);
        List<String> events = new ArrayList<>();
        // alice: 3 calls of 1000 tokens by the support bot; bob: 2 calls of 500 by the sales bot, one failing.
        for (int i = 0; i < 3; i++) {
            events.add(event("chatbot", "alice", "support", 1000, 200));
        }
        events.add(event("chatbot", "bob", "sales", 500, 200));
        events.add(event("chatbot", "bob", "sales", 500, 500));
        events.add("{\"customer\":\"chatbot\",\"usage\":{\"input_tokens\":7}}"); // no user: only in the totals
        assertThat(api.post("/v1/events", "[" + String.join(",", events) + "]").json().get("accepted").asInt())
                .isEqualTo(6);
        // A second batch adds to the same rows.
        api.post("/v1/events", event("chatbot", "bob", "support", 2000, 200));

        JsonNode report = api.get("/v1/customers/chatbot/usage").json();
        JsonNode users = report.get("by_user");
        assertThat(users).hasSize(2);
        assertThat(users.get(0).get("user").asText()).isEqualTo("alice");
        assertThat(users.get(0).get("requests").asLong()).isEqualTo(3);
        assertThat(users.get(0).get("tokens").asLong()).isEqualTo(3000);
        assertThat(users.get(0).get("cost").asText()).isEqualTo("0.03");
        assertThat(users.get(1).get("user").asText()).isEqualTo("bob");
        assertThat(users.get(1).get("requests").asLong()).isEqualTo(3);
        assertThat(users.get(1).get("errors").asLong()).isEqualTo(1);
        assertThat(users.get(1).get("tokens").asLong()).isEqualTo(3000);
        JsonNode bots = report.at("/by_dimension/bot");
        assertThat(bots).hasSize(2);
        assertThat(bots.get(0).get("value").asText()).isEqualTo("support");
        assertThat(bots.get(0).get("requests").asLong()).isEqualTo(4);
        assertThat(bots.get(0).get("tokens").asLong()).isEqualTo(5000);
        assertThat(bots.get(1).get("value").asText()).isEqualTo("sales");
        assertThat(bots.get(1).get("tokens").asLong()).isEqualTo(1000);
        assertThat(report.get("users_truncated").asBoolean()).isFalse();
        assertThat(report.get("dimensions_truncated").asBoolean()).isFalse();
        assertThat(report.at("/totals/requests").asLong()).isEqualTo(7);

        // The list: sorted by tokens then user, paginated; the same under /v1/me for the customer's own key.
        JsonNode page1 = api.get("/v1/customers/chatbot/users?sort=tokens&limit=1").json();
        assertThat(page1.at("/users/0/user").asText()).isEqualTo("alice");
        assertThat(page1.get("sort").asText()).isEqualTo("tokens");
        JsonNode page2 = api.get("/v1/customers/chatbot/users?sort=tokens&limit=1&cursor="
                + page1.get("next_cursor").asText()).json();
        assertThat(page2.at("/users/0/user").asText()).isEqualTo("bob");
        assertThat(page2.get("next_cursor").isNull()).isTrue();
        Api own = api.as(api.post("/v1/customers/chatbot/keys", null).json().get("key").asText());
        JsonNode mine = own.get("/v1/me/users?sort=cost").json();
        assertThat(mine.get("users")).hasSize(2);
        assertThat(mine.at("/users/0/cost").asText()).isEqualTo("0.03");
        assertThat(own.get("/v1/me/usage").json().at("/by_user/0/user").asText()).isEqualTo("alice");
        // Another month has none.
        assertThat(api.get("/v1/customers/chatbot/users?period=2026-10").json().get("users")).isEmpty();
    }

    /** Issue 13's case: a personal tracker's Apify compute units by platform, Instagram and TikTok rows. */
    @ParameterizedTest
    @EnumSource(Backend.class)
    void computeUnitsByPlatform_instagramAndTiktokRows(Backend backend) {
        start(backend);
        api.put("/v1/customers/tracker", "{\"name\":\"Tracker\"}");
        api.post("/v1/events", """
                [{"customer":"tracker","provider":"apify","dimensions":{"platform":"instagram"},
                  "usage":{"compute_units":1.25},"cost":"0.50"},
                 {"customer":"tracker","provider":"apify","dimensions":{"platform":"instagram"},
                  "usage":{"compute_units":0.75},"cost":"0.30"},
                 {"customer":"tracker","provider":"apify","dimensions":{"platform":"tiktok"},
                  "usage":{"compute_units":2},"cost":"0.80"}]""");
        JsonNode platforms = api.get("/v1/customers/tracker/usage").json().at("/by_dimension/platform");
        assertThat(platforms).hasSize(2);
        assertThat(platforms.get(0).get("value").asText()).isEqualTo("instagram");
        assertThat(platforms.get(0).get("requests").asLong()).isEqualTo(2);
        assertThat(platforms.get(0).get("cost").asText()).isEqualTo("0.80");
        assertThat(platforms.get(1).get("value").asText()).isEqualTo("tiktok");
        assertThat(platforms.get(1).get("cost").asText()).isEqualTo("0.80");
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void dimensionValuesPastTheBound_areSummedUnderOther_andTheReportSaysSo(Backend backend) {
        start(backend);
        List<String> events = new ArrayList<>();
        for (int i = 0; i < 1_005; i++) {
            events.add("{\"customer\":\"chatbot\",\"dimensions\":{\"feature\":\"f" + i + "\"}}");
        }
        api.post("/v1/events", "[" + String.join(",", events.subList(0, 600)) + "]");
        api.post("/v1/events", "[" + String.join(",", events.subList(600, 1_000)) + "]");
        assertThat(api.get("/v1/customers/chatbot/usage").json().get("dimensions_truncated").asBoolean())
                .as("exactly 1,000 values: all kept").isFalse();
        api.post("/v1/events", "[" + String.join(",", events.subList(1_000, 1_005)) + "]");
        api.post("/v1/events", "{\"customer\":\"chatbot\",\"dimensions\":{\"feature\":\"f3\"}}"); // a kept one
        JsonNode report = api.get("/v1/customers/chatbot/usage").json();
        assertThat(report.get("dimensions_truncated").asBoolean()).isTrue();
        assertThat(report.get("users_truncated").asBoolean()).isFalse();
        JsonNode features = report.at("/by_dimension/feature");
        assertThat(features.get(0).get("value").asText()).isEqualTo("(other)");
        assertThat(features.get(0).get("requests").asLong()).isEqualTo(5);
        assertThat(features.get(1).get("value").asText()).isEqualTo("f3");
        assertThat(features.get(1).get("requests").asLong()).isEqualTo(2);
    }

    @Test
    void usersPastTheBound_areSummedUnderOther_andTheReportSaysSo() {
        start(Backend.SQLITE);
        int users = 100_000 + 3;
        for (int from = 0; from < users; from += 10_000) {
            StringBuilder batch = new StringBuilder("[");
            for (int i = from; i < Math.min(users, from + 10_000); i++) {
                batch.append(i == from ? "" : ",").append("{\"customer\":\"chatbot\",\"user\":\"u").append(i)
                        .append("\"}");
            }
            assertThat(api.post("/v1/events", batch.append("]").toString()).status()).isEqualTo(200);
            if (from == 90_000) {
                assertThat(api.get("/v1/customers/chatbot/usage").json().get("users_truncated").asBoolean())
                        .as("exactly 100,000 users: all kept").isFalse();
            }
        }
        JsonNode report = api.get("/v1/customers/chatbot/usage").json();
        assertThat(report.get("users_truncated").asBoolean()).isTrue();
        assertThat(report.get("dimensions_truncated").asBoolean()).isFalse();
        assertThat(report.at("/by_user/0/user").asText()).isEqualTo("(other)");
        assertThat(report.at("/by_user/0/requests").asLong()).isEqualTo(3);
        JsonNode list = api.get("/v1/customers/chatbot/users?limit=1000").json();
        assertThat(list.get("users_truncated").asBoolean()).isTrue();
        assertThat(list.get("next_cursor").isNull()).isFalse();
        assertThat(report.at("/totals/requests").asLong()).isEqualTo(users);
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void oneUsersUsage_showsItsTotalsAndTheCustomersLimitsMarkedCustomer(Backend backend) {
        start(backend);
        assertThat(api.put("/v1/customers/chatbot", "{\"name\":\"Chatbot\",\"limits\":[{\"metric\":\"requests\","
                + "\"window\":\"month\",\"amount\":500}]}").status()).isIn(200, 201);
        api.post("/v1/events", "[" + event("chatbot", "doctor_1", "support", 100, 200) + ","
                + event("chatbot", "doctor_1", "support", 150, 200) + ","
                + event("chatbot", "doctor_2", "support", 100, 200) + "]");

        JsonNode one = api.get("/v1/customers/chatbot/users/doctor_1/usage").json();
        assertThat(one.get("user").asText()).isEqualTo("doctor_1");
        assertThat(one.at("/totals/requests").asLong()).isEqualTo(2);
        assertThat(one.at("/totals/tokens").asLong()).isEqualTo(250);
        assertThat(one.at("/limits/0/scope").asText()).isEqualTo("customer");
        assertThat(one.at("/limits/0/used").asLong()).isEqualTo(3);
        assertThat(one.at("/limits/0/remaining").asLong()).isEqualTo(497);

        Api own = api.as(api.post("/v1/customers/chatbot/keys", null).json().get("key").asText());
        assertThat(own.get("/v1/me/users/doctor_2/usage").json().at("/totals/requests").asLong()).isEqualTo(1);
        assertThat(own.get("/v1/me/users/nobody/usage").json().at("/totals/requests").asLong()).isZero();
        api.put("/v1/customers/other", "{\"name\":\"Other\"}");
        Api other = api.as(api.post("/v1/customers/other/keys", null).json().get("key").asText());
        assertThat(other.get("/v1/customers/chatbot/users/doctor_1/usage").status()).isEqualTo(403);
        assertThat(api.get("/v1/customers/chatbot/users/" + "u".repeat(129) + "/usage").status()).isEqualTo(400);
    }

    @Test
    void users_badSort_is400NamingTheParameter() {
        start(Backend.SQLITE);
        Api.Response r = api.get("/v1/customers/chatbot/users?sort=name");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().at("/errors/0/field").asText()).isEqualTo("sort");
        assertThat(api.get("/v1/customers/nobody/users").status()).isEqualTo(404);
    }

    private static String event(String customer, String user, String bot, int tokens, int status) {
        return "{\"customer\":\"" + customer + "\",\"user\":\"" + user + "\",\"dimensions\":{\"bot\":\"" + bot
                + "\"},\"provider\":\"openai\",\"model\":\"gpt-4o\",\"status\":" + status
                + ",\"usage\":{\"input_tokens\":" + tokens + "}}";
    }
}
