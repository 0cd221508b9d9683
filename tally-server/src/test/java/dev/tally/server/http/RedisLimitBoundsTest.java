package dev.tally.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.testing.MutableClock;
import dev.tally.server.TallyServer;
import dev.tally.server.config.ServerConfig;
import dev.tally.server.testing.Api;
import dev.tally.server.testing.Backend;
import dev.tally.server.testing.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Limits the Redis counters cannot count exactly (above 2^53-1 in the metric's stored unit: the script sums in Lua's
 * doubles) are refused when saved, on every path that sets limits, instead of failing every decision of the
 * customer afterwards.
 */
class RedisLimitBoundsTest {
    private static final String CALL = "{\"customer\":\"acme\",\"provider\":\"openai\",\"model\":\"gpt-4\"}";
    @TempDir
    Path dir;
    private final String prefix = "tally-test:" + UUID.randomUUID() + ":";
    private TestServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        TestServer.deleteRedisKeys(prefix);
    }

    @Test
    void limitsAboveWhatRedisCountsExactly_are400_andChangeNothing_whileTheLargestOneWorks() {
        Api api = startWithCustomerLimit("{\"metric\":\"requests\",\"window\":\"month\",\"amount\":1}");

        Api.Response plan = api.put("/v1/plans/huge", """
                {"limits":[{"metric":"requests","window":"day","amount":10},
                           {"metric":"requests","window":"month","amount":9007199254740992}]}""");
        assertProblem(plan, "limits[1].amount", "9007199254740991 calls");
        assertThat(api.get("/v1/plans/huge").status()).isEqualTo(404);

        Api.Response cost = api.put("/v1/customers/acme", """
                {"limits":[{"metric":"cost","window":"month","amount":"9007199.254740992"}]}""");
        assertProblem(cost, "limits[0].amount", "9007199.254740991 USD");
        Api.Response tokens = api.put("/v1/customers/acme", """
                {"limits":[{"metric":"tokens","window":"day","amount":9007199255}]}""");
        assertProblem(tokens, "limits[0].amount", "9007199254.740991 tokens");
        // Nothing changed: the customer keeps its limit of 1, which the first call uses up.
        JsonNode kept = api.get("/v1/customers/acme").json().get("limits");
        assertThat(kept).hasSize(1);
        assertThat(kept.get(0).get("amount").asLong()).isEqualTo(1);
        assertThat(api.post("/v1/authorize", CALL).json().get("allowed").asBoolean()).isTrue();
        assertThat(api.post("/v1/authorize", CALL).json().get("allowed").asBoolean()).isFalse();

        // The largest amounts are accepted and decide like any other limit.
        assertThat(api.put("/v1/customers/acme", """
                {"limits":[{"metric":"requests","window":"day","amount":9007199254740991},
                           {"metric":"cost","window":"month","amount":"9007199.254740991"}]}""").status())
                .isEqualTo(200);
        JsonNode decision = api.post("/v1/authorize", CALL).json();
        assertThat(decision.get("allowed").asBoolean()).isTrue();
        assertThat(decision.toString()).contains("9007199254740991");
    }

    @Test
    void anEstimateAboveTwoToThe53_isDenied_notLeftToTheFailurePolicy() {
        Api api = startWithCustomerLimit("{\"metric\":\"tokens\",\"window\":\"day\",\"amount\":1000}");
        // 10^10 tokens are 10^16 micros, above 2^53: once a failure, and with fail_open (the default) allowed.
        JsonNode decision = api.post("/v1/authorize", """
                {"customer":"acme","provider":"openai","model":"gpt-4","estimate":{"tokens":10000000000}}""").json();
        assertThat(decision.get("allowed").asBoolean()).as(decision.toString()).isFalse();
        assertThat(decision.toString()).contains("tokens-day");
        assertThat(api.post("/v1/authorize", """
                {"customer":"acme","provider":"openai","model":"gpt-4","estimate":{"tokens":1000}}""").json()
                .get("allowed").asBoolean()).isTrue();
    }

    @Test
    void aTallyYamlWithSuchALimit_failsTheStartNamingIt() throws Exception {
        Path file = dir.resolve("tally.yaml");
        Files.writeString(file, """
                plans:
                  big:
                    limits:
                      - {metric: cost, window: month, amount: "10000000.00"}
                """);
        ServerConfig config = ServerConfig.fromEnvironment(Map.of()).toBuilder().port(0).dataDir(dir)
                .databaseUrl(Backend.SQLITE.freshUrl(dir)).adminKey(TestServer.ADMIN_KEY).configFile(file)
                .redisUrl(TestServer.REDIS_URL).redisPrefix(prefix).build();
        assertThatThrownBy(() -> TallyServer.start(config, MutableClock.at("2026-11-20T12:00:30Z")).close())
                .hasMessageContaining("plans.big.limits[0].amount: must be at most 9007199.254740991 USD")
                .hasMessageContaining("Redis");
    }

    @Test
    void storedLimitsSavedWithoutRedis_failTheStartWithRedis() {
        String url = Backend.SQLITE.freshUrl(dir);
        MutableClock clock = MutableClock.at("2026-11-20T12:00:30Z");
        try (TestServer local = TestServer.startOn(url, dir, clock)) {
            // Counters in the process count in longs: the same limit is fine there.
            assertThat(local.admin().put("/v1/customers/acme", """
                    {"limits":[{"metric":"requests","window":"day","amount":9007199254740992}]}""").status())
                    .isEqualTo(201);
            assertThat(local.admin().post("/v1/authorize", CALL).json().get("allowed").asBoolean()).isTrue();
        }
        assertThatThrownBy(() -> TestServer.startWithRedis(url, dir, clock, prefix).close())
                .hasMessageContaining("customers.acme.limits[0].amount: must be at most 9007199254740991 calls");
    }

    /** Starts a node with Redis counters under this test's prefix, with customer acme under {@code limit}. */
    private Api startWithCustomerLimit(String limit) {
        server = TestServer.startWithRedis(Backend.SQLITE.freshUrl(dir), dir, MutableClock.at("2026-11-20T12:00:30Z"),
                prefix);
        Api api = server.admin();
        assertThat(api.put("/v1/customers/acme", "{\"limits\":[" + limit + "]}").status()).isEqualTo(201);
        return api;
    }

    private static void assertProblem(Api.Response response, String field, String bound) {
        assertThat(response.status()).as(response.body()).isEqualTo(400);
        assertThat(response.contentType()).startsWith("application/problem+json");
        JsonNode errors = response.json().get("errors");
        assertThat(errors).as(response.body()).hasSize(1);
        assertThat(errors.get(0).get("field").asText()).isEqualTo(field);
        assertThat(errors.get(0).get("message").asText()).contains("at most " + bound).contains("Redis");
    }
}
