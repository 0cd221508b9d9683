package dev.tally.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.testing.MutableClock;
import dev.tally.server.testing.Api;
import dev.tally.server.testing.Backend;
import dev.tally.server.testing.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class CatalogApiTest {
    @TempDir
    Path dir;
    private TestServer server;
    private Api api;

    @BeforeEach
    void start() {
        server = TestServer.start(Backend.SQLITE, dir, MutableClock.at("2026-11-20T12:00:00Z"));
        api = server.admin();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void plan_putGetReplaceDelete() {
        assertThat(api.put("/v1/plans/pro", """
                {"name":"Pro","limits":[{"metric":"requests","window":"minute","amount":600},
                  {"metric":"tokens","window":"month","amount":null,"provider":"openai","thresholds":[75,100]}]}""")
                .status()).isEqualTo(201);
        JsonNode plan = api.get("/v1/plans/pro").json();
        assertThat(plan.at("/limits/0/name").asText()).isEqualTo("requests-minute");
        assertThat(plan.at("/limits/0/mode").asText()).isEqualTo("hard");
        assertThat(plan.at("/limits/1/amount").isNull()).isTrue();
        assertThat(plan.at("/limits/1/thresholds/0").asInt()).isEqualTo(75);
        assertThat(api.put("/v1/plans/pro", "{\"name\":\"Pro 2\",\"limits\":[]}").status()).isEqualTo(200);
        assertThat(api.get("/v1/plans").json().at("/plans/0/name").asText()).isEqualTo("Pro 2");
        assertThat(api.delete("/v1/plans/pro").status()).isEqualTo(204);
        assertThat(api.get("/v1/plans/pro").status()).isEqualTo(404);
    }

    @Test
    void plan_invalidLimits_collectsEveryProblem_andChangesNothing() {
        Api.Response r = api.put("/v1/plans/pro", """
                {"limits":[{"metric":"Tokens","window":"week","amount":-1},
                           {"metric":"requests","window":"day","amount":1.5,"mode":"maybe"},
                           {"metric":"cost","window":"month","amount":"0.0000000001"},
                           {"metric":"tokens","window":"month","amount":100000000000000}]}""");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("errors")).extracting(e -> e.get("field").asText())
                .contains("limits[0].window", "limits[0].amount", "limits[1].mode", "limits[3].amount");
        assertThat(r.body()).contains("must be one of minute, hour, day, month, was \\\"week\\\"");
        assertThat(api.get("/v1/plans/pro").status()).isEqualTo(404);
    }

    @Test
    void plan_inUse_cannotBeDeleted() {
        api.put("/v1/plans/pro", "{\"limits\":[]}");
        api.put("/v1/customers/acme", "{\"plan\":\"pro\"}");
        Api.Response r = api.delete("/v1/plans/pro");
        assertThat(r.status()).isEqualTo(409);
        assertThat(r.json().get("detail").asText()).contains("acme");
    }

    @Test
    void customer_withUnknownPlanOrZone_is400() {
        Api.Response r = api.put("/v1/customers/acme", "{\"plan\":\"nope\",\"timezone\":\"Mars/Base\"}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().at("/errors/0/field").asText()).isEqualTo("timezone");
        r = api.put("/v1/customers/acme", "{\"plan\":\"nope\"}");
        assertThat(r.json().at("/errors/0/message").asText())
                .isEqualTo("plan: must name an existing plan, 'nope' does not exist");
        assertThat(api.put("/v1/customers/acme", "{\"billing_day\":32}").json().at("/errors/0/message").asText())
                .isEqualTo("billing_day: must be between 1 and 31, was 32");
    }

    @Test
    void customer_replace_keepsCreationTime_andOverridesApply() {
        api.put("/v1/plans/pro", "{\"limits\":[{\"metric\":\"requests\",\"window\":\"month\",\"amount\":100}]}");
        String created = api.put("/v1/customers/acme", "{\"plan\":\"pro\"}").json().get("created_at").asText();
        server.clock().advance(java.time.Duration.ofDays(1));
        JsonNode replaced = api.put("/v1/customers/acme", """
                {"name":"Acme","plan":"pro","limits":[{"metric":"requests","window":"month","amount":5}]}""").json();
        assertThat(replaced.get("created_at").asText()).isEqualTo(created);
        JsonNode limits = api.get("/v1/customers/acme/usage").json().get("limits");
        assertThat(limits).hasSize(1);
        assertThat(limits.get(0).get("amount").asLong()).isEqualTo(5);
    }

    @Test
    void customers_arePaginatedWithCursor() {
        for (String id : new String[]{"c1", "c2", "c3"}) {
            api.put("/v1/customers/" + id, "{}");
        }
        JsonNode page = api.get("/v1/customers?limit=2").json();
        assertThat(page.get("customers")).extracting(c -> c.get("id").asText()).containsExactly("c1", "c2");
        JsonNode next = api.get("/v1/customers?limit=2&cursor=" + page.get("next_cursor").asText()).json();
        assertThat(next.get("customers")).extracting(c -> c.get("id").asText()).containsExactly("c3");
        assertThat(next.get("next_cursor").isNull()).isTrue();
    }

    @Test
    void prices_upsertWithEffectiveDates_andValidateAll() {
        assertThat(api.put("/v1/prices", """
                [{"provider":"openai","model":"gpt-4","metric":"input_tokens","unit_price":"0.03","per":1000},
                 {"provider":"openai","model":"gpt-4","metric":"input_tokens","unit_price":"0.01","per":1000,
                  "effective_from":"2026-12-01T00:00:00Z"}]""").status()).isEqualTo(200);
        assertThat(api.get("/v1/prices").json().get("prices")).hasSize(2);
        Api.Response bad = api.put("/v1/prices", """
                [{"provider":"x","metric":"input_tokens","unit_price":"0.1"},
                 {"provider":"x","metric":"tokens","unit_price":"-1","per":0}]""");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().get("errors")).hasSize(3);
        assertThat(api.get("/v1/prices").json().get("prices")).hasSize(2);
    }

    @Test
    void unknownRoute_isProblemJson404() {
        Api.Response r = api.get("/v1/nothing");
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.contentType()).startsWith("application/problem+json");
    }
}
