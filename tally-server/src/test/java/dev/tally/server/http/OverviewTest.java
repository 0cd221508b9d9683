package dev.tally.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.testing.MutableClock;
import dev.tally.server.testing.Api;
import dev.tally.server.testing.Backend;
import dev.tally.server.testing.TestServer;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The all-customer overview ({@code GET /v1/usage}) reads rollups summed in the store over the key parts no limit
 * filters on; its limit states must still equal each customer's own report, for limits scoped by provider, model and
 * endpoint alike.
 */
class OverviewTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(Backend.class)
    void overview_scopedLimits_matchEachCustomersOwnReport(Backend backend) {
        try (TestServer server = TestServer.start(backend, dir, MutableClock.at("2026-11-20T11:40:00Z"))) {
            Api admin = server.admin();
            assertThat(admin.put("/v1/plans/scoped", """
                    {"name":"Scoped","limits":[
                      {"metric":"requests","window":"month","amount":100},
                      {"metric":"tokens","window":"month","amount":5000,"provider":"openai"},
                      {"metric":"requests","window":"day","amount":10,"model":"claude"},
                      {"metric":"requests","window":"hour","amount":4,"endpoint":"/api/chat"},
                      {"metric":"cost","window":"month","amount":"1.00"}]}""").status()).isEqualTo(201);
            for (String c : new String[]{"acme", "globex"}) {
                admin.put("/v1/customers/" + c, "{\"plan\":\"scoped\",\"timezone\":\"Europe/Berlin\"}");
            }
            admin.put("/v1/prices", """
                    [{"provider":"openai","metric":"output_tokens","unit_price":"0.01","per":1000}]""");
            StringBuilder events = new StringBuilder("[");
            String[][] calls = {{"openai", "gpt-4", "/api/chat"}, {"anthropic", "claude", "/api/chat"},
                    {"openai", "gpt-4", "/api/summarize"}, {"anthropic", "claude", "/api/summarize"}};
            for (int i = 0; i < 24; i++) {
                String[] call = calls[i % calls.length];
                events.append(i == 0 ? "" : ",").append("""
                        {"id":"e%d","customer":"%s","timestamp":"2026-11-20T11:%02d:00Z","provider":"%s",
                         "model":"%s","endpoint":"%s","usage":{"input_tokens":%d,"output_tokens":%d}}"""
                        .formatted(i, i % 3 == 0 ? "globex" : "acme", 10 + i, call[0], call[1], call[2],
                                100 + i, 50 * i));
            }
            assertThat(admin.post("/v1/events", events.append(']').toString()).json().get("accepted").asInt())
                    .isEqualTo(24);

            JsonNode overview = admin.get("/v1/usage?sort=customer").json();
            assertThat(overview.get("customers")).hasSize(2);
            for (JsonNode row : overview.get("customers")) {
                String id = row.get("customer").asText();
                JsonNode report = admin.get("/v1/customers/" + id + "/usage").json();
                assertThat(row.get("totals")).as(id).isEqualTo(report.get("totals"));
                assertThat(byName(row.get("limits"))).as(id).isEqualTo(byName(report.get("limits")));
                assertThat(row.get("limits").findValuesAsText("used")).as(id).doesNotContain("0");
            }
        }
    }

    private static Map<String, JsonNode> byName(JsonNode limits) {
        Map<String, JsonNode> out = new HashMap<>();
        limits.forEach(l -> out.put(l.get("name").asText(), l));
        return out;
    }
}
