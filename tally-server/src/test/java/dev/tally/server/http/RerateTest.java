package dev.tally.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.testing.MutableClock;
import dev.tally.server.testing.Api;
import dev.tally.server.testing.Await;
import dev.tally.server.testing.Backend;
import dev.tally.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 16: a week of gpt-4o events stored unpriced, then the price added with an effective date in the past; the
 * dry run names the events and the new cost to the digit, the apply makes the report, history, CSV, the cost limit's
 * state and its counter agree, keeps a record, and resolves the unpriced alert; a price corrected downwards and
 * re-rated again.
 */
class RerateTest {
    /** 21 events: input 2.50 and output 10.00 per million tokens, summed by hand (see {@link #events}). */
    private static final String COST_AT_2_50 = "74.16255";
    private static final String COST_AT_1_25 = "47.588625";
    private static final String CHECK_30 = """
            {"customer":"acme","provider":"openai","model":"gpt-4o","estimate":{"cost":"30.00"}}""";

    @TempDir
    Path dir;

    static JsonNode rerate(Api api, boolean dryRun) {
        Api.Response r = api.post("/v1/rerate", "{\"period\":\"2026-11\",\"customer\":\"acme\",\"dry_run\":"
                + dryRun + "}");
        assertThat(r.status()).as(r.body()).isEqualTo(dryRun ? 200 : 201);
        return r.json();
    }

    /** The diff without what differs between a dry run and its apply by design (id, dry_run, time). */
    private static JsonNode diffOf(JsonNode rerating) {
        com.fasterxml.jackson.databind.node.ObjectNode copy = rerating.deepCopy();
        copy.remove(List.of("id", "dry_run", "state", "created_at"));
        return copy;
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void weekStoredUnpriced_priceAddedInThePast_dryRunThenApply_allAgree(Backend backend) {
        try (TestServer server = TestServer.start(backend, dir, MutableClock.at("2026-11-20T12:00:00Z"))) {
            Api api = server.admin();
            RerateTestData.setUp(api);
            server.server().alerts().drain(Duration.ofSeconds(10));
            assertThat(api.get("/v1/alerts?customer=acme&kind=unpriced&state=active").json().path("alerts").size())
                    .isEqualTo(1);
            assertThat(api.get("/v1/customers/acme/usage?period=2026-11").json().at("/totals/cost").asText())
                    .isEqualTo("0.00");
            RerateTestData.price(api, "2.50");

            JsonNode dry = rerate(api, true);
            assertThat(dry.path("id").isNull()).isTrue();
            assertThat(dry.path("events").asLong()).isEqualTo(21);
            assertThat(dry.path("changed_events").asLong()).isEqualTo(21);
            assertThat(dry.path("cost_before").asText()).isEqualTo("0.00");
            assertThat(dry.path("cost_after").asText()).isEqualTo(COST_AT_2_50);
            JsonNode line = dry.at("/lines/0");
            assertThat(line.path("model").asText()).isEqualTo("gpt-4o");
            assertThat(line.path("newly_priced").asLong()).isEqualTo(21);
            assertThat(line.path("still_unpriced").asLong()).isZero();
            assertThat(line.path("changed_event_ids").size()).isEqualTo(21);
            assertThat(line.path("changed_event_ids").get(0).asText()).isEqualTo("wk-0");
            assertThat(line.path("changed_event_ids_complete").asBoolean()).isTrue();
            // Nothing changed yet.
            assertThat(api.get("/v1/customers/acme/usage?period=2026-11").json().at("/totals/cost").asText())
                    .isEqualTo("0.00");
            assertThat(api.get("/v1/reratings").json().path("reratings").size()).isZero();
            assertThat(api.post("/v1/check", CHECK_30).json().path("allowed").asBoolean()).isTrue();

            JsonNode applied = rerate(api, false);
            assertThat(diffOf(applied)).as("a dry run and its apply give the same diff").isEqualTo(diffOf(dry));
            String id = applied.path("id").asText();
            assertThat(id).startsWith("rr_");

            agree(api, COST_AT_2_50);
            assertThat(api.get("/v1/customers/acme/events?limit=1").json().at("/events/0/cost").asText())
                    .isEqualTo("3.5631");
            // The counter moved with the events: $74.16 + $30 is over $100.
            assertThat(api.post("/v1/check", CHECK_30).json().path("allowed").asBoolean()).isFalse();
            Await.within(Duration.ofSeconds(10), "the unpriced alert resolves", () -> api
                    .get("/v1/alerts?customer=acme&kind=unpriced&state=resolved").json().path("alerts").size() == 1);

            JsonNode record = api.get("/v1/reratings/" + id).json();
            assertThat(diffOf(record)).isEqualTo(diffOf(applied));
            assertThat(record.path("created_by").asText())
                    .as("the admin key's id: the first 8 hex digits of its SHA-256")
                    .isEqualTo("admin key 944650a7");
            assertThat(api.get("/v1/reratings?customer=acme").json().at("/reratings/0/id").asText()).isEqualTo(id);
            JsonNode usage = api.get("/v1/customers/acme/usage?period=2026-11").json();
            assertThat(usage.at("/reratings/0/id").asText()).as("the report says it was re-rated").isEqualTo(id);

            JsonNode again = rerate(api, false);
            assertThat(again.path("changed_events").asLong()).as("twice with no price change").isZero();
            assertThat(again.path("cost_after").asText()).isEqualTo(COST_AT_2_50);
            agree(api, COST_AT_2_50);

            // A price corrected downwards.
            RerateTestData.price(api, "1.25");
            JsonNode down = rerate(api, false);
            assertThat(down.path("changed_events").asLong()).isEqualTo(21);
            assertThat(down.path("cost_before").asText()).isEqualTo(COST_AT_2_50);
            assertThat(down.path("cost_after").asText()).isEqualTo(COST_AT_1_25);
            assertThat(down.at("/lines/0/newly_priced").asLong()).isZero();
            agree(api, COST_AT_1_25);
            assertThat(api.post("/v1/check", CHECK_30).json().path("allowed").asBoolean()).isTrue();
            assertThat(api.get("/v1/reratings").json().path("reratings").size()).isEqualTo(3);
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void rerateCrossesCostLimit_alertFires_correctionDown_alertResolves(Backend backend) {
        try (TestServer server = TestServer.start(backend, dir, MutableClock.at("2026-11-20T12:00:00Z"))) {
            Api api = server.admin();
            RerateTestData.setUp(api);
            api.put("/v1/plans/pro", """
                    {"limits":[{"name":"budget","metric":"cost","window":"month","amount":"60.00"}]}""");
            server.server().alerts().drain(Duration.ofSeconds(10));
            assertThat(api.get("/v1/alerts?customer=acme&kind=exceeded").json().path("alerts").size()).isZero();

            RerateTestData.price(api, "2.50");
            rerate(api, false);
            Await.within(Duration.ofSeconds(10), "the exceeded alert fires", () -> api
                    .get("/v1/alerts?customer=acme&kind=exceeded&state=active").json().path("alerts").size() == 1);
            assertThat(api.get("/v1/alerts?customer=acme&kind=exceeded&state=active").json()
                    .at("/alerts/0/message").asText()).contains("after a re-rating");

            RerateTestData.price(api, "1.25");
            rerate(api, false);
            Await.within(Duration.ofSeconds(10), "the exceeded alert resolves, $47.59 being under $60", () -> api
                    .get("/v1/alerts?customer=acme&kind=exceeded&state=resolved").json().path("alerts").size() == 1);
        }
    }

    /**
     * Issue 16: a re-rating moves and judges only the limits it can measure. Its changes are summed by provider,
     * model, endpoint and day, not by end user: a month cost limit of end user u9, who made no call, was charged the
     * whole customer's change (u9's next call denied) and raised an exceeded alert after the re-rating. It is left as
     * it was, while the customer's own budget follows.
     */
    @ParameterizedTest
    @EnumSource(Backend.class)
    void rerate_costLimitOfAnEndUserWithoutCalls_neitherChargedNorAlerted(Backend backend) {
        try (TestServer server = TestServer.start(backend, dir, MutableClock.at("2026-11-20T12:00:00Z"))) {
            Api api = server.admin();
            RerateTestData.setUp(api);
            api.put("/v1/plans/pro", """
                    {"limits":[{"name":"budget","metric":"cost","window":"month","amount":"100.00"},
                               {"name":"u9_budget","metric":"cost","window":"month","amount":"1.00",
                                "user":"u9"}]}""");
            server.server().alerts().drain(Duration.ofSeconds(10));

            RerateTestData.price(api, "2.50");
            rerate(api, false);
            Await.within(Duration.ofSeconds(10), "the budget's 50 % alert fires", () -> api
                    .get("/v1/alerts?customer=acme&kind=threshold&state=active").json().path("alerts").size() >= 1);
            server.server().alerts().drain(Duration.ofSeconds(10));
            for (JsonNode alert : api.get("/v1/alerts?customer=acme").json().path("alerts")) {
                assertThat(alert.path("limit").asText()).as(alert.toString()).isNotEqualTo("u9_budget");
            }
            assertThat(api.post("/v1/check", """
                    {"customer":"acme","user":"u9","provider":"openai","model":"gpt-4o",
                     "estimate":{"cost":"0.10"}}""").json().path("allowed").asBoolean())
                    .as("u9 has spent nothing of its $1.00").isTrue();
            assertThat(api.post("/v1/check", CHECK_30).json().path("allowed").asBoolean())
                    .as("the customer's $74.16 + $30 is over its $100 budget").isFalse();
        }
    }

    /**
     * Issue 16: the counters of minute and hour windows follow too. At 10:30 the last three events (10:00-10:02,
     * stored unpriced) are in the current hour: priced at $3.56 each by the re-rating, an hourly $5.00 cost limit
     * then denies; corrected down to $1.11 each, it allows again.
     */
    @ParameterizedTest
    @EnumSource(Backend.class)
    void rerateOfTheLastHour_hourlyCostLimitFollows(Backend backend) {
        try (TestServer server = TestServer.start(backend, dir, MutableClock.at("2026-11-16T10:30:00Z"))) {
            Api api = server.admin();
            RerateTestData.setUp(api);
            api.put("/v1/plans/pro", """
                    {"limits":[{"name":"hourly","metric":"cost","window":"hour","amount":"5.00"}]}""");
            String check = """
                    {"customer":"acme","provider":"openai","model":"gpt-4o","estimate":{"cost":"1.00"}}""";
            assertThat(api.post("/v1/check", check).json().path("allowed").asBoolean()).isTrue();

            RerateTestData.price(api, "2.50");
            rerate(api, false);
            assertThat(api.post("/v1/check", check).json().path("allowed").asBoolean())
                    .as("the hour's three calls now cost $10.68 of $5.00").isFalse();

            RerateTestData.price(api, "0.10");
            rerate(api, false);
            assertThat(api.post("/v1/check", check).json().path("allowed").asBoolean())
                    .as("now $3.32 of $5.00, and $1.00 more fits").isTrue();
        }
    }

    /**
     * Issue 16: re-rating with no price change changes nothing for events priced at ingestion too, since it prices
     * each as ingestion did: the price in effect at its timestamp (gpt-4o's input price changes on the 12th), a tier
     * by prompt size, a cache price, a provider's default price, a price per call, the sender's own cost, a metric
     * without a price. The dry run and the apply give the same diff; the report's totals stay to the digit.
     */
    @ParameterizedTest
    @EnumSource(Backend.class)
    void pricedAtIngestion_rerateWithNoPriceChange_changesNothing(Backend backend) {
        try (TestServer server = TestServer.start(backend, dir, MutableClock.at("2026-11-20T12:00:00Z"))) {
            Api api = server.admin();
            api.put("/v1/customers/acme", "{\"name\":\"Acme\"}");
            Api.Response prices = api.put("/v1/prices", """
                    [{"provider":"openai","model":"gpt-4o","metric":"input_tokens","unit_price":"2.50",
                      "per":1000000,"effective_from":"2026-11-01T00:00:00Z"},
                     {"provider":"openai","model":"gpt-4o","metric":"input_tokens","unit_price":"3.00",
                      "per":1000000,"effective_from":"2026-11-12T00:00:00Z"},
                     {"provider":"openai","model":"gpt-4o","metric":"input_tokens","unit_price":"5.00",
                      "per":1000000,"effective_from":"2026-11-01T00:00:00Z","above_prompt_tokens":200000},
                     {"provider":"openai","model":"gpt-4o","metric":"output_tokens","unit_price":"10.00",
                      "per":1000000,"effective_from":"2026-11-01T00:00:00Z"},
                     {"provider":"openai","model":"gpt-4o","metric":"cached_tokens","unit_price":"1.25",
                      "per":1000000,"effective_from":"2026-11-01T00:00:00Z"},
                     {"provider":"anthropic","metric":"input_tokens","unit_price":"3.00","per":1000000},
                     {"provider":"anthropic","metric":"cache_write_tokens","unit_price":"3.75","per":1000000},
                     {"provider":"search","metric":"requests","unit_price":"0.005"}]""");
            assertThat(prices.status()).as(prices.body()).isEqualTo(200);
            String events = """
                    [{"id":"a","customer":"acme","provider":"openai","model":"gpt-4o",
                      "timestamp":"2026-11-05T10:00:00Z","usage":{"input_tokens":1001,"output_tokens":203,
                      "cached_tokens":307}},
                     {"id":"b","customer":"acme","provider":"openai","model":"gpt-4o",
                      "timestamp":"2026-11-15T10:00:00Z","usage":{"input_tokens":1001,"output_tokens":203}},
                     {"id":"c","customer":"acme","provider":"openai","model":"gpt-4o",
                      "timestamp":"2026-11-15T11:00:00Z","usage":{"input_tokens":250001,"output_tokens":11}},
                     {"id":"d","customer":"acme","provider":"anthropic","model":"claude-x",
                      "timestamp":"2026-11-10T10:00:00Z","usage":{"input_tokens":5003,"cache_write_tokens":101}},
                     {"id":"e","customer":"acme","provider":"search","timestamp":"2026-11-10T11:00:00Z"},
                     {"id":"f","customer":"acme","provider":"openai","model":"gpt-4o","cost":"0.42",
                      "timestamp":"2026-11-11T10:00:00Z","usage":{"input_tokens":100}},
                     {"id":"g","customer":"acme","provider":"openai","model":"gpt-4o",
                      "timestamp":"2026-11-11T11:00:00Z","usage":{"input_tokens":100,"images":3}}]""";
            assertThat(api.post("/v1/events", events).json().path("accepted").asInt()).isEqualTo(7);
            JsonNode before = api.get("/v1/customers/acme/usage?period=2026-11").json();
            assertThat(new BigDecimal(before.at("/totals/cost").asText())).isPositive();
            assertThat(before.path("unpriced_events").asLong()).as("g's images have no price").isEqualTo(1);

            JsonNode dry = rerate(api, true);
            assertThat(dry.path("events").asLong()).isEqualTo(7);
            assertThat(dry.path("changed_events").asLong()).as(dry.toString()).isZero();
            assertThat(dry.path("cost_after").asText()).isEqualTo(dry.path("cost_before").asText())
                    .isEqualTo(before.at("/totals/cost").asText());
            JsonNode applied = rerate(api, false);
            assertThat(diffOf(applied)).as("a dry run and its apply give the same diff").isEqualTo(diffOf(dry));
            assertThat(rerate(api, false).path("changed_events").asLong()).isZero();

            JsonNode after = api.get("/v1/customers/acme/usage?period=2026-11").json();
            for (String field : List.of("totals", "by_model", "by_provider", "daily")) {
                assertThat(after.path(field)).as(field).isEqualTo(before.path(field));
            }
            assertThat(after.path("unpriced_events")).isEqualTo(before.path("unpriced_events"));
        }
    }

    /** The report, the limit's state, the end users, the history and the CSV all say {@code cost}. */
    private static void agree(Api api, String cost) {
        JsonNode usage = api.get("/v1/customers/acme/usage?period=2026-11").json();
        assertThat(usage.at("/totals/cost").asText()).isEqualTo(cost);
        assertThat(usage.at("/by_model/0/cost").asText()).isEqualTo(cost);
        assertThat(usage.path("unpriced_events").asLong()).isZero();
        assertThat(usage.at("/limits/0/used").asText()).isEqualTo(cost);
        BigDecimal users = BigDecimal.ZERO;
        for (JsonNode u : usage.path("by_user")) {
            users = users.add(new BigDecimal(u.path("cost").asText()));
        }
        assertThat(users).isEqualByComparingTo(cost);
        // The sums by user per day too (the month's days so far: its events are all before the 21st).
        JsonNode days = api.get("/v1/customers/acme/usage?from=2026-11-01&to=2026-11-21").json();
        assertThat(days.at("/totals/cost").asText()).isEqualTo(cost);
        BigDecimal dayUsers = BigDecimal.ZERO;
        for (JsonNode u : days.path("by_user")) {
            dayUsers = dayUsers.add(new BigDecimal(u.path("cost").asText()));
        }
        assertThat(dayUsers).as("by user over the days").isEqualByComparingTo(cost);
        assertThat(api.get("/v1/customers/acme/history?months=1").json().at("/months/0/totals/cost").asText())
                .isEqualTo(cost);
        String[] csv = api.get("/v1/customers/acme/usage.csv?period=2026-11").body().split("\r?\n");
        int column = Arrays.asList(csv[0].split(",")).indexOf("cost");
        BigDecimal sum = BigDecimal.ZERO;
        for (int i = 1; i < csv.length; i++) {
            sum = sum.add(new BigDecimal(csv[i].split(",")[column]));
        }
        assertThat(sum).as("the CSV's days").isEqualByComparingTo(cost);
    }

    @Test
    void badInput_400NamingFieldAndRule() {
        try (TestServer server = TestServer.start(Backend.SQLITE, dir, MutableClock.at("2026-11-20T12:00:00Z"))) {
            Api api = server.admin();
            RerateTestData.setUp(api);
            assertProblem(api, "{\"dry_run\":true}", "period", "is required");
            assertProblem(api, "{\"period\":\"Nov\"}", "period", "YYYY-MM");
            assertProblem(api, "{\"period\":\"2027-01\"}", "period", "has begun");
            assertProblem(api, "{\"period\":\"2026-11\",\"dry_run\":\"no\"}", "dry_run", "true or false");
            assertProblem(api, "{\"period\":\"2026-11\",\"bananas\":1}", "bananas", "");
            assertThat(api.post("/v1/rerate", "{\"period\":\"2026-11\",\"customer\":\"nobody\"}").status())
                    .isEqualTo(404);
            assertThat(api.get("/v1/reratings/rr_nothing").status()).isEqualTo(404);
            assertThat(api.get("/v1/reratings").json().path("reratings").size()).isZero();
        }
    }

    private static void assertProblem(Api api, String body, String field, String rule) {
        Api.Response r = api.post("/v1/rerate", body);
        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.body()).contains("\"" + field + "\"").contains(rule);
    }
}
