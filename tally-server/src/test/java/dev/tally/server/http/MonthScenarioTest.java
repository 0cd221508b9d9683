package dev.tally.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.testing.MutableClock;
import dev.tally.server.testing.Api;
import dev.tally.server.testing.Backend;
import dev.tally.server.testing.TestServer;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.math.BigDecimal;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A customer's month on a 500,000-token soft limit: usage moves through 24%, 62% and 104%, with the statuses and the
 * exact costs that follow from the price catalog, on both stores.
 */
class MonthScenarioTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(Backend.class)
    void month_throughSoftTokenLimit_statusesAndExactCosts(Backend backend) {
        try (TestServer server = TestServer.start(backend, dir, MutableClock.at("2026-11-20T12:00:00Z"))) {
            Api api = server.admin();
            assertThat(api.put("/v1/prices", """
                    [{"provider":"openai","model":"gpt-4","metric":"input_tokens","unit_price":"0.03","per":1000,
                      "effective_from":"2026-01-01T00:00:00Z"},
                     {"provider":"openai","model":"gpt-4","metric":"output_tokens","unit_price":"0.06","per":1000,
                      "effective_from":"2026-01-01T00:00:00Z"}]""").status()).isEqualTo(200);
            assertThat(api.put("/v1/plans/pro", """
                    {"name":"Pro","limits":[
                      {"metric":"requests","window":"month","amount":1000000},
                      {"metric":"tokens","window":"month","amount":500000,"provider":"openai","mode":"soft"},
                      {"metric":"cost","window":"month","amount":"200.00"}]}""").status()).isEqualTo(201);
            assertThat(api.put("/v1/customers/acme", """
                    {"name":"Acme Corp","plan":"pro","timezone":"Europe/Berlin","billing_day":1}""").status())
                    .isEqualTo(201);

            send(api, "a", 10, "2026-11-03T09:00:00Z", 8000, 4000);
            JsonNode usage = api.get("/v1/customers/acme/usage").json();
            assertTokens(usage, 120000, "24.0", "ok", 380000);
            assertThat(usage.at("/totals/cost").asText()).isEqualTo("4.80");

            send(api, "b", 10, "2026-11-10T09:00:00Z", 9500, 9500);
            usage = api.get("/v1/customers/acme/usage").json();
            assertTokens(usage, 310000, "62.0", "warning", 190000);
            assertThat(usage.at("/totals/cost").asText()).isEqualTo("13.35");

            send(api, "c", 21, "2026-11-19T23:30:00Z", 7000, 3000);
            usage = api.get("/v1/customers/acme/usage").json();
            assertTokens(usage, 520000, "104.0", "exceeded", 0);
            assertThat(usage.at("/totals/cost").asText()).isEqualTo("21.54");
            assertThat(usage.at("/totals/requests").asLong()).isEqualTo(41);
            assertThat(usage.at("/totals/tokens").asLong()).isEqualTo(520000);
            assertThat(usage.at("/period/start").asText()).isEqualTo("2026-10-31T23:00:00Z");
            assertThat(usage.at("/period/resets_at").asText()).isEqualTo("2026-11-30T23:00:00Z");

            JsonNode cost = limit(usage, "cost-month");
            assertThat(cost.get("used").asText()).isEqualTo("21.54");
            assertThat(cost.get("remaining").asText()).isEqualTo("178.46");
            assertThat(cost.get("percent").decimalValue()).isEqualByComparingTo("10.8");
            assertThat(limit(usage, "requests-month").get("status").asText()).isEqualTo("ok");

            assertThat(usage.at("/by_model/0/model").asText()).isEqualTo("gpt-4");
            assertThat(usage.at("/by_model/0/cost").asText()).isEqualTo("21.54");
            assertThat(usage.at("/by_provider/0/metrics/input_tokens").asLong()).isEqualTo(80000 + 95000 + 147000);
            // 23:30Z on the 19th is already the 20th in Berlin (+01:00): daily rows are local days.
            BigDecimal dailySum = BigDecimal.ZERO;
            for (JsonNode day : usage.get("daily")) {
                dailySum = dailySum.add(new BigDecimal(day.get("cost").asText()));
                if (day.get("date").asText().equals("2026-11-20")) {
                    assertThat(day.get("requests").asLong()).isEqualTo(21);
                }
            }
            assertThat(dailySum).isEqualByComparingTo("21.54");
            assertThat(usage.at("/unpriced_events").asLong()).isZero();
        }
    }

    private static void assertTokens(JsonNode usage, long used, String percent, String status, long remaining) {
        JsonNode tokens = limit(usage, "openai-tokens-month");
        assertThat(tokens.get("used").asLong()).isEqualTo(used);
        assertThat(tokens.get("percent").decimalValue()).isEqualByComparingTo(percent);
        assertThat(tokens.get("status").asText()).isEqualTo(status);
        assertThat(tokens.get("remaining").asLong()).isEqualTo(remaining);
        assertThat(tokens.get("mode").asText()).isEqualTo("soft");
        assertThat(tokens.get("amount").asLong()).isEqualTo(500000);
    }

    private static JsonNode limit(JsonNode usage, String name) {
        for (JsonNode l : usage.get("limits")) {
            if (l.get("name").asText().equals(name)) {
                return l;
            }
        }
        throw new AssertionError("no limit " + name + " in " + usage.get("limits"));
    }

    private static void send(Api api, String prefix, int count, String timestamp, int input, int output) {
        StringBuilder body = new StringBuilder("[");
        for (int i = 0; i < count; i++) {
            if (i > 0) {
                body.append(',');
            }
            body.append("""
                    {"id":"%s-%d","customer":"acme","timestamp":"%s","provider":"openai","model":"gpt-4",
                     "endpoint":"/api/chat","method":"POST","status":200,"latency_ms":%d,
                     "usage":{"input_tokens":%d,"output_tokens":%d}}""".formatted(prefix, i, timestamp, 100 + i,
                    input, output));
        }
        Api.Response r = api.post("/v1/events", body.append(']').toString());
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().get("accepted").asInt()).isEqualTo(count);
    }
}
