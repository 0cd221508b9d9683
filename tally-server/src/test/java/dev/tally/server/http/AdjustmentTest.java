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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 16: adjustments count in the month's totals, history and limits (and the counters that enforce them), are
 * shown apart in the report, and a credit that moves a customer back under a cost limit resolves its alert.
 */
class AdjustmentTest {
    private static final String CHECK = """
            {"customer":"acme","provider":"openai","model":"gpt-4o","estimate":{"cost":"1.00"}}""";

    @TempDir
    Path dir;

    /** $110 of usage against a hard $100 monthly cost limit: exceeded, alerted, and calls denied. */
    private static void overCostLimit(Api api) {
        api.put("/v1/prices", """
                [{"provider":"openai","model":"gpt-4o","metric":"input_tokens","unit_price":"2.50","per":1000000}]""");
        api.put("/v1/plans/pro", """
                {"limits":[{"name":"budget","metric":"cost","window":"month","amount":"100.00"}]}""");
        api.put("/v1/customers/acme", "{\"plan\":\"pro\"}");
        StringBuilder events = new StringBuilder("[");
        for (int i = 0; i < 11; i++) {
            events.append(i == 0 ? "" : ",").append("{\"id\":\"e").append(i).append("\",\"customer\":\"acme\","
                    + "\"provider\":\"openai\",\"model\":\"gpt-4o\",\"timestamp\":\"2026-11-1").append(i % 10)
                    .append("T10:00:00Z\",\"usage\":{\"input_tokens\":4000000}}");
        }
        assertThat(api.post("/v1/events", events.append("]").toString()).json().path("accepted").asInt())
                .isEqualTo(11);
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void creditOf12_50_movesBackUnderCostLimit_reportHistoryCountersAndAlertAgree(Backend backend) {
        try (TestServer server = TestServer.start(backend, dir, MutableClock.at("2026-11-20T12:00:00Z"))) {
            Api api = server.admin();
            overCostLimit(api);
            server.server().alerts().drain(Duration.ofSeconds(10));
            assertThat(api.get("/v1/alerts?customer=acme&kind=exceeded&state=active").json().path("alerts").size())
                    .isEqualTo(1);
            assertThat(api.post("/v1/check", CHECK).json().path("allowed").asBoolean()).isFalse();

            Api.Response created = api.post("/v1/customers/acme/adjustments", """
                    {"metric":"cost","amount":"-12.50","reason":"refund for outage 2026-11-03","period":"2026-11"}""");
            assertThat(created.status()).as(created.body()).isEqualTo(201);
            JsonNode adj = created.json();
            assertThat(adj.path("id").asText()).startsWith("adj_");
            assertThat(adj.path("amount").asText()).isEqualTo("-12.50");
            assertThat(adj.path("created_by").asText())
                    .as("the admin key's id: the first 8 hex digits of its SHA-256")
                    .isEqualTo("admin key 944650a7");

            JsonNode usage = api.get("/v1/customers/acme/usage?period=2026-11").json();
            assertThat(usage.at("/totals/cost").asText()).isEqualTo("97.50");
            assertThat(usage.at("/by_model/0/cost").asText()).as("breakdowns hold usage only").isEqualTo("110.00");
            assertThat(usage.path("adjustments").size()).isEqualTo(1);
            assertThat(usage.at("/adjustments/0/reason").asText()).isEqualTo("refund for outage 2026-11-03");
            assertThat(usage.at("/limits/0/used").asText()).isEqualTo("97.50");
            assertThat(usage.at("/limits/0/status").asText()).isEqualTo("critical");

            JsonNode history = api.get("/v1/customers/acme/history?months=1").json();
            assertThat(history.at("/months/0/totals/cost").asText()).isEqualTo("97.50");
            assertThat(history.at("/months/0/adjustments/0/id").asText()).isEqualTo(adj.path("id").asText());
            assertThat(api.get("/v1/usage").json().at("/customers/0/totals/cost").asText()).isEqualTo("97.50");

            // The enforcing counter moved with it: $97.50 + $1.00 fits under $100.
            assertThat(api.post("/v1/check", CHECK).json().path("allowed").asBoolean()).isTrue();
            Await.within(Duration.ofSeconds(10), "the exceeded alert resolves", () -> api
                    .get("/v1/alerts?customer=acme&kind=exceeded&state=resolved").json().path("alerts").size() == 1);

            JsonNode list = api.get("/v1/customers/acme/adjustments?period=2026-11").json();
            assertThat(list.path("adjustments").size()).isEqualTo(1);
            assertThat(api.get("/v1/customers/acme/adjustments?period=2026-10").json().path("adjustments").size())
                    .isZero();
        }
    }

    @Test
    void restart_countersRebuiltWithAdjustments() {
        MutableClock clock = MutableClock.at("2026-11-20T12:00:00Z");
        String url;
        try (TestServer server = TestServer.start(Backend.SQLITE, dir, clock)) {
            url = server.databaseUrl();
            overCostLimit(server.admin());
            server.admin().post("/v1/customers/acme/adjustments", """
                    {"metric":"cost","amount":"-20","reason":"credit","period":"2026-11"}""");
        }
        try (TestServer again = TestServer.startOn(url, dir, clock)) {
            // Rebuilt from the store: $110 - $20 = $90, so a $1 call fits, and $11 does not.
            assertThat(again.admin().post("/v1/check", CHECK).json().path("allowed").asBoolean()).isTrue();
            assertThat(again.admin().post("/v1/check", CHECK.replace("1.00", "11.00")).json()
                    .path("allowed").asBoolean()).isFalse();
        }
    }

    @Test
    void badInput_400NamingFieldAndRule_nothingStored() {
        try (TestServer server = TestServer.start(Backend.SQLITE, dir, MutableClock.at("2026-11-20T12:00:00Z"))) {
            Api api = server.admin();
            overCostLimit(api);
            assertProblem(api, "{\"metric\":\"cost\",\"amount\":\"-1\",\"period\":\"2026-11\"}", "reason",
                    "is required");
            assertProblem(api, "{\"metric\":\"cost\",\"amount\":\"-1\",\"reason\":\"  \",\"period\":\"2026-11\"}",
                    "reason", "is required");
            assertProblem(api, "{\"metric\":\"bananas\",\"amount\":\"1\",\"reason\":\"x\",\"period\":\"2026-11\"}",
                    "metric", "is none of these");
            assertProblem(api, "{\"metric\":\"tokens\",\"amount\":\"1\",\"reason\":\"x\",\"period\":\"2026-11\"}",
                    "metric", "derived");
            assertProblem(api, "{\"metric\":\"cost\",\"amount\":\"1\",\"reason\":\"x\",\"period\":\"2026-12\"}",
                    "period", "has begun");
            assertProblem(api, "{\"metric\":\"requests\",\"amount\":-12,\"reason\":\"x\",\"period\":\"2026-11\"}",
                    "amount", "negative: it is 11");
            assertProblem(api, "{\"metric\":\"requests\",\"amount\":\"1.5\",\"reason\":\"x\",\"period\":\"2026-11\"}",
                    "amount", "whole number");
            assertProblem(api, "{\"metric\":\"cost\",\"amount\":\"1e50\",\"reason\":\"x\",\"period\":\"2026-11\"}",
                    "amount", "at most");
            assertProblem(api, "{\"metric\":\"cost\",\"amount\":\"0.0000000001\",\"reason\":\"x\","
                    + "\"period\":\"2026-11\"}", "amount", "decimal places");
            assertProblem(api, "{\"metric\":\"cost\",\"amount\":\"0\",\"reason\":\"x\",\"period\":\"2026-11\"}",
                    "amount", "zero");
            assertProblem(api, "{\"metric\":\"cost\",\"reason\":\"x\",\"period\":\"2026-11\"}", "amount",
                    "is required");
            assertProblem(api, "{\"metric\":\"cost\",\"amount\":\"1\",\"reason\":\"x\",\"period\":\"Nov\"}",
                    "period", "YYYY-MM");
            assertThat(api.get("/v1/customers/acme/adjustments?period=2026-11").json().path("adjustments").size())
                    .isZero();
            assertThat(api.get("/v1/customers/acme/usage").json().at("/totals/cost").asText()).isEqualTo("110.00");
            // A cost may be credited below zero; a customer key may read but not write.
            assertThat(api.post("/v1/customers/acme/adjustments", """
                    {"metric":"cost","amount":"-200","reason":"goodwill","period":"2026-11"}""").status())
                    .isEqualTo(201);
            assertThat(api.get("/v1/customers/acme/usage").json().at("/totals/cost").asText()).isEqualTo("-90.00");
        }
    }

    /**
     * Issue 16: the CSV lists the month's adjustments as lines of their own (kind adjustment, the month as date), so
     * its lines add up to the report's totals to the nano-dollar; the daily series holds usage only, and adds up to
     * the totals less the adjustments.
     */
    @ParameterizedTest
    @EnumSource(Backend.class)
    void csvAndDailySeries_accountForAdjustments_csvTotalEqualsJsonTotalToTheNano(Backend backend) {
        try (TestServer server = TestServer.start(backend, dir, MutableClock.at("2026-11-20T12:00:00Z"))) {
            Api api = server.admin();
            overCostLimit(api);
            post(api, "cost", "-12.500000001", "refund for outage 2026-11-03");
            post(api, "requests", "2", "two calls lost by the gateway");
            post(api, "input_tokens", "1000", "tokens of the lost calls");

            JsonNode usage = api.get("/v1/customers/acme/usage?period=2026-11").json();
            BigDecimal totalCost = new BigDecimal(usage.at("/totals/cost").asText());
            assertThat(totalCost).isEqualByComparingTo("97.499999999");
            List<Map<String, String>> lines = csvLines(api.get("/v1/customers/acme/usage.csv?period=2026-11").body());
            assertThat(lines).hasSize(10 + 3);
            assertThat(sum(lines, "cost")).as("CSV total = JSON total, to the nano-dollar").isEqualTo(totalCost);
            assertThat(sum(lines, "requests")).isEqualByComparingTo(usage.at("/totals/requests").asText());
            assertThat(sum(lines, "input_tokens")).isEqualByComparingTo(usage.at("/totals/input_tokens").asText());
            assertThat(sum(lines, "tokens")).isEqualByComparingTo(usage.at("/totals/tokens").asText());
            assertThat(lines.subList(10, 13)).allSatisfy(l -> assertThat(l).containsEntry("kind", "adjustment"));
            Map<String, String> credit = lines.stream()
                    .filter(l -> l.get("reason").equals("refund for outage 2026-11-03")).findFirst().orElseThrow();
            assertThat(credit).containsEntry("kind", "adjustment").containsEntry("date", "2026-11")
                    .containsEntry("provider", "").containsEntry("cost", "-12.500000001")
                    .as("a credit is a number, not a formula to defuse").containsEntry("requests", "0");
            assertThat(lines.get(0)).containsEntry("kind", "usage").containsEntry("reason", "");

            BigDecimal days = BigDecimal.ZERO;
            for (JsonNode d : usage.path("daily")) {
                days = days.add(new BigDecimal(d.path("cost").asText()));
            }
            assertThat(days).as("days hold usage only").isEqualByComparingTo("110.00");
            assertThat(days.add(new BigDecimal("-12.500000001"))).isEqualTo(totalCost);
        }
    }

    /**
     * Issue 16: an adjustment that would make any read overflow is refused, naming amount and the rule: the month's
     * total of its metric, its tokens, and the sum over every customer's month. What was accepted reads exactly.
     */
    @ParameterizedTest
    @EnumSource(Backend.class)
    void adjustmentPastWhatReadsCanCount_400NamingAmount_acceptedOnesReadExactly(Backend backend) {
        try (TestServer server = TestServer.start(backend, dir, MutableClock.at("2026-11-20T12:00:00Z"))) {
            Api api = server.admin();
            api.put("/v1/customers/acme", "{\"name\":\"Acme\"}");
            api.put("/v1/customers/globex", "{\"name\":\"Globex\"}");
            String max = "1000000000000"; // 10^12 units, the most one adjustment may move
            for (int i = 0; i < 9; i++) {
                post(api, "characters", max, "bulk import " + i);
            }
            assertOverflow(api, "acme", "characters", max, "month's total of characters past what Tally can count");
            for (int i = 0; i < 5; i++) {
                post(api, "input_tokens", max, "input " + i);
            }
            for (int i = 0; i < 4; i++) {
                post(api, "cached_tokens", max, "cached " + i);
            }
            // 5 + 4 = 9 * 10^18 micros of tokens; one more part would pass a long's 9.22 * 10^18.
            assertOverflow(api, "acme", "output_tokens", max, "month's tokens (the sum of input, output");
            assertOverflow(api, "globex", "input_tokens", max, "every customer's month of tokens or input_tokens");

            JsonNode usage = api.get("/v1/customers/acme/usage?period=2026-11").json();
            assertThat(usage.at("/totals/tokens").asText()).isEqualTo("9000000000000");
            assertThat(usage.at("/totals/characters").asText()).isEqualTo("9000000000000");
            for (String read : new String[]{"/v1/customers/acme/history?months=2", "/v1/usage?period=2026-11",
                    "/v1/usage.csv?period=2026-11", "/v1/customers/acme/usage.csv?period=2026-11"}) {
                assertThat(api.get(read).status()).as(read).isEqualTo(200);
            }
            assertThat(api.get("/v1/usage?period=2026-11").json().toString()).contains("9000000000000");
            assertThat(api.get("/v1/customers/globex/adjustments?period=2026-11").json().path("adjustments").size())
                    .as("nothing stored").isZero();
        }
    }

    private static void post(Api api, String metric, String amount, String reason) {
        Api.Response r = api.post("/v1/customers/acme/adjustments", """
                {"metric":"%s","amount":"%s","reason":"%s","period":"2026-11"}""".formatted(metric, amount, reason));
        assertThat(r.status()).as(r.body()).isEqualTo(201);
    }

    private static void assertOverflow(Api api, String customer, String metric, String amount, String rule) {
        Api.Response r = api.post("/v1/customers/" + customer + "/adjustments", """
                {"metric":"%s","amount":"%s","reason":"one too many","period":"2026-11"}""".formatted(metric, amount));
        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.json().at("/errors/0/field").asText()).as(r.body()).isEqualTo("amount");
        assertThat(r.json().at("/errors/0/message").asText()).as(r.body()).contains(rule);
    }

    /** The lines of a CSV whose cells hold no comma or quote, by column name. */
    private static List<Map<String, String>> csvLines(String csv) {
        String[] lines = csv.split("\r\n");
        List<String> header = List.of(lines[0].split(",", -1));
        List<Map<String, String>> out = new ArrayList<>();
        for (int i = 1; i < lines.length; i++) {
            String[] cells = lines[i].split(",", -1);
            Map<String, String> line = new LinkedHashMap<>();
            for (int c = 0; c < header.size(); c++) {
                line.put(header.get(c), cells[c]);
            }
            out.add(line);
        }
        return out;
    }

    private static BigDecimal sum(List<Map<String, String>> lines, String column) {
        return lines.stream().map(l -> new BigDecimal(l.get(column))).reduce(BigDecimal.ZERO, BigDecimal::add);
    }

    private static void assertProblem(Api api, String body, String field, String rule) {
        Api.Response r = api.post("/v1/customers/acme/adjustments", body);
        assertThat(r.status()).as(body + " -> " + r.body()).isEqualTo(400);
        assertThat(r.json().at("/errors/0/field").asText()).as(r.body()).isEqualTo(field);
        assertThat(r.json().at("/errors/0/message").asText()).as(r.body()).contains(rule);
    }
}
