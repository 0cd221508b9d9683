package dev.tally.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.testing.MutableClock;
import dev.tally.server.testing.Api;
import dev.tally.server.testing.Await;
import dev.tally.server.testing.Backend;
import dev.tally.server.testing.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 15.4: an operator sets the message of a limit's denial and of each alert kind, per plan or in
 * {@code tally.yaml}, with placeholders filled in for people; the usage report carries a used-up hard limit's denial
 * message (the portal shows it).
 */
class PlanMessagesTest {
    private static final String PLAN = """
            {"name": "Starter", "limits": [
              {"metric": "requests", "window": "month", "amount": 2},
              {"metric": "tokens", "window": "month", "amount": 500000, "provider": "openai", "mode": "soft",
               "thresholds": [100]}],
             "messages": {
               "limits": {
                 "openai-tokens-month": {
                   "threshold": "{customer} is at {percent} of its {provider} tokens: {used} of {amount}"},
                 "requests-month": {
                   "denied": "{customer}: all {amount} used ({used}). Please upgrade at example.com/billing."}}}}""";

    @TempDir
    Path dir;
    private TestServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void planMessages_storedAndUsed_byDenialAlertAndUsageReport(Backend backend) {
        server = TestServer.start(backend, dir, MutableClock.at("2026-11-20T12:00:00Z"));
        Api admin = server.admin();
        assertThat(admin.put("/v1/plans/starter", PLAN).status()).isEqualTo(201);
        admin.put("/v1/customers/acme", "{\"name\": \"Acme Corp\", \"plan\": \"starter\"}");

        JsonNode stored = admin.get("/v1/plans/starter").json().get("messages");
        assertThat(stored.at("/limits/openai-tokens-month/threshold").asText()).startsWith("{customer} is at {percent}");
        assertThat(stored.at("/limits/requests-month/denied").asText()).startsWith("{customer}: all {amount}");

        admin.post("/v1/events", """
                [{"id": "e1", "customer": "acme", "provider": "openai", "usage": {"input_tokens": 520000}},
                 {"id": "e2", "customer": "acme", "provider": "openai", "usage": {"input_tokens": 1}}]""");
        JsonNode denied = admin.post("/v1/authorize", "{\"customer\": \"acme\"}").json();
        assertThat(denied.get("allowed").asBoolean()).isFalse();
        assertThat(denied.get("message").asText())
                .isEqualTo("Acme Corp: all 2 requests used (2). Please upgrade at example.com/billing.");

        Await.within(Duration.ofSeconds(10), "the threshold alerts", () -> admin.get("/v1/alerts?kind=threshold")
                .json().get("alerts").size() == 4);
        JsonNode alerts = admin.get("/v1/alerts?kind=threshold").json().get("alerts");
        assertThat(alerts.findValuesAsText("message"))
                .contains("Acme Corp is at 104% of its OpenAI tokens: 520,000 of 500,000 tokens")
                .anySatisfy(m -> assertThat(m).startsWith("Acme Corp has used 50% of its monthly request limit"));

        JsonNode limits = admin.get("/v1/customers/acme/usage").json().get("limits");
        assertThat(limits.get(0).get("message").asText()).startsWith("Acme Corp: all 2 requests used");
        assertThat(limits.get(1).has("message")).as("a soft limit denies nothing").isFalse();
    }

    @Test
    void noTemplate_monthlyQuota_reportAndDenialSayUpgrade() {
        server = TestServer.start(Backend.SQLITE, dir, MutableClock.at("2026-11-20T12:00:00Z"));
        Api admin = server.admin();
        admin.put("/v1/plans/free", "{\"limits\": [{\"metric\": \"requests\", \"window\": \"month\", \"amount\": 1}]}");
        admin.put("/v1/customers/bob", "{\"plan\": \"free\"}");
        admin.post("/v1/events", "{\"id\": \"b1\", \"customer\": \"bob\"}");

        assertThat(admin.post("/v1/authorize", "{\"customer\": \"bob\"}").json().get("message").asText())
                .isEqualTo("Your monthly limit is over. Please upgrade your plan.");
        assertThat(admin.get("/v1/customers/bob/usage").json().at("/limits/0/message").asText())
                .isEqualTo("Your monthly limit is over. Please upgrade your plan.");
        assertThat(admin.get("/v1/plans/free").json().has("messages")).isFalse();
    }

    @Test
    void badTemplates_are400NamingFieldAndRule_andNothingIsStored() {
        server = TestServer.start(Backend.SQLITE, dir, MutableClock.at("2026-11-20T12:00:00Z"));
        Api admin = server.admin();
        Api.Response r = admin.put("/v1/plans/p", """
                {"limits": [], "messages": {"denied": "Over {custmer}", "spam": "x",
                  "limits": {"requests-month": {"cost": "{cost}"}}}}""");

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.body()).contains("messages.denied: unknown placeholder {custmer}; a denied message may use "
                        + "{amount}, {customer}, {customer_id}, {limit}, {limit_name}, {percent}, {plan}, {provider}, "
                        + "{remaining}, {retry_after}, {used}")
                .contains("messages.spam: must be one of cost, denied, exceeded, forecast, rate_spike, threshold, "
                        + "unpriced, was \\\"spam\\\"")
                .contains("messages.limits.requests-month.cost: must be one of denied, exceeded, forecast, threshold");
        assertThat(admin.get("/v1/plans/p").status()).isEqualTo(404);
    }

    @Test
    void tallyYamlMessages_applyToEveryPlan_underThePlansOwn() throws Exception {
        Path config = dir.resolve("tally.yaml");
        Files.writeString(config, """
                messages:
                  denied: "Sorry {customer}, your {limit} is used up. It resets in {retry_after}."
                plans:
                  daily:
                    limits: [{metric: requests, window: day, amount: 1}]
                  own:
                    limits: [{metric: requests, window: day, amount: 1}]
                    messages: {denied: "Plan's own words."}
                customers:
                  ann: {name: Ann, plan: daily}
                  ole: {name: Ole, plan: own}
                """);
        server = TestServer.startWithConfig(Backend.SQLITE, dir, MutableClock.at("2026-11-20T12:00:00Z"), config);
        Api admin = server.admin();
        admin.post("/v1/events", "[{\"id\": \"a1\", \"customer\": \"ann\"}, {\"id\": \"o1\", \"customer\": \"ole\"}]");

        assertThat(admin.post("/v1/authorize", "{\"customer\": \"ann\"}").json().get("message").asText())
                .isEqualTo("Sorry Ann, your daily request limit is used up. It resets in 12 hours.");
        assertThat(admin.post("/v1/authorize", "{\"customer\": \"ole\"}").json().get("message").asText())
                .isEqualTo("Plan's own words.");
    }
}
