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

/**
 * Issue 11, point 2: no number a client sends answers 500 (or hangs): huge exponents, products of a quantity and a
 * price beyond exact money, and prices too large to ever price an event are 400s naming the field; in a batch only
 * the event concerned is rejected.
 */
class HostileNumbersTest {
    @TempDir
    Path dir;
    private TestServer server;
    private Api api;

    @BeforeEach
    void start() {
        server = TestServer.start(Backend.SQLITE, dir, MutableClock.at("2026-11-20T12:00:00Z"));
        api = server.admin();
        assertThat(api.put("/v1/customers/acme", "{\"name\":\"Acme\"}").status()).isEqualTo(201);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void events_hugeExponents_are400NamingTheField() {
        String[][] cases = {
                {"\"usage\":{\"input_tokens\":1.5e9999999999}", "usage.input_tokens"},
                {"\"usage\":{\"seconds\":1e-9999999999}", "usage.seconds"},
                {"\"usage\":{\"seconds\":1e999999999}", "usage.seconds"},
                {"\"usage\":{\"seconds\":1e-999999999}", "usage.seconds"},
                {"\"usage\":{\"input_tokens\":1E400}", "usage.input_tokens"},
                {"\"usage\":{\"input_tokens\":1000000000001}", "usage.input_tokens"},
                {"\"usage\":{\"input_tokens\":123456789012345678901234567890}", "usage.input_tokens"},
                {"\"cost\":\"1.5e9999999999\"", "cost"},
                {"\"cost\":\"1e999999999\"", "cost"},
                {"\"cost\":\"1e-999999999\"", "cost"},
                {"\"cost\":\"1000000.000000001\"", "cost"},
                {"\"cost\":\"" + "9".repeat(100_000) + "\"", "cost"},
                {"\"status\":1e999999999", "status"},
                {"\"latency_ms\":1e-999999999", "latency_ms"},
        };
        for (String[] c : cases) {
            String event = "{\"id\":\"x\",\"customer\":\"acme\"," + c[0] + "}";
            for (String body : new String[]{event, "[" + event + "]"}) {
                Api.Response r = api.post("/v1/events", body);
                assertThat(r.status()).as(c[0]).isEqualTo(400);
                assertThat(r.json().get("errors").findValuesAsText("field")).as(c[0])
                        .anyMatch(f -> f.endsWith(c[1]));
                assertThat(r.body()).as(c[0]).hasSizeLessThan(4_000).doesNotContain("Exception");
            }
        }
        assertThat(requests()).isZero();
    }

    @Test
    void events_hugeNumberInABatch_rejectsThatEventOnly() {
        JsonNode answer = api.post("/v1/events", """
                [{"id":"ok","customer":"acme","usage":{"input_tokens":10}},
                 {"id":"big","customer":"acme","usage":{"seconds":1e999999999}},
                 {"id":"tiny","customer":"acme","usage":{"seconds":1e-999999999}},
                 {"id":"rich","customer":"acme","cost":"2000000"}]""").json();
        assertThat(answer.get("accepted").asInt()).isEqualTo(1);
        assertThat(answer.get("rejected").findValuesAsText("field"))
                .containsExactly("usage.seconds", "usage.seconds", "cost");
        assertThat(requests()).isEqualTo(1);
    }

    @Test
    void pricing_quantityTimesPriceBeyondExactMoney_rejectsThatEventOnly() {
        assertThat(api.put("/v1/prices", """
                [{"provider":"p","metric":"input_tokens","unit_price":"1000000","per":1}]""").status())
                .isEqualTo(200);
        JsonNode answer = api.post("/v1/events", """
                [{"id":"ok","customer":"acme","provider":"p","usage":{"input_tokens":1}},
                 {"id":"huge","customer":"acme","provider":"p","usage":{"input_tokens":1000000000000}},
                 {"id":"over","customer":"acme","provider":"p","usage":{"input_tokens":2}}]""").json();
        assertThat(answer.get("accepted").asInt()).as(answer.toString()).isEqualTo(1);
        assertThat(answer.get("rejected").findValuesAsText("field")).containsExactly("usage", "usage");
        assertThat(answer.toString()).contains("1000000 USD");
        JsonNode usage = api.get("/v1/customers/acme/usage").json();
        assertThat(usage.at("/totals/requests").asLong()).isEqualTo(1);
        assertThat(usage.at("/totals/cost").asText()).isEqualTo("1000000.00");

        Api.Response single = api.post("/v1/events",
                "{\"id\":\"alone\",\"customer\":\"acme\",\"provider\":\"p\",\"usage\":{\"input_tokens\":1000000000000}}");
        assertThat(single.status()).isEqualTo(400);
        // Authorization prices the estimate only against a cost limit.
        api.put("/v1/plans/budget", "{\"name\":\"B\",\"limits\":[{\"metric\":\"cost\",\"window\":\"month\","
                + "\"amount\":\"5000000\"}]}");
        assertThat(api.put("/v1/customers/acme", "{\"name\":\"Acme\",\"plan\":\"budget\"}").status()).isEqualTo(200);
        Api.Response authorize = api.post("/v1/authorize",
                "{\"customer\":\"acme\",\"provider\":\"p\",\"estimate\":{\"input_tokens\":1000000000000}}");
        assertThat(authorize.status()).as(authorize.body()).isEqualTo(400);
        assertThat(authorize.json().get("errors").findValuesAsText("field")).containsExactly("estimate");
    }

    @Test
    void authorize_hugeNumbers_are400NamingTheField() {
        String[][] cases = {
                {"\"estimate\":{\"tokens\":1.5e9999999999}", "estimate.tokens"},
                {"\"estimate\":{\"seconds\":1e999999999}", "estimate.seconds"},
                {"\"estimate\":{\"seconds\":1e-999999999}", "estimate.seconds"},
                {"\"estimate\":{\"tokens\":1000000000001}", "estimate.tokens"},
                {"\"estimate\":{\"cost\":\"1e999999999\"}", "estimate.cost"},
                {"\"ttl_seconds\":1e999999999", "ttl_seconds"},
        };
        for (String[] c : cases) {
            for (String path : new String[]{"/v1/authorize", "/v1/check"}) {
                Api.Response r = api.post(path, "{\"customer\":\"acme\"," + c[0] + "}");
                assertThat(r.status()).as(path + " " + c[0]).isEqualTo(400);
                assertThat(r.json().get("errors").findValuesAsText("field")).as(c[0]).containsExactly(c[1]);
            }
        }
    }

    @Test
    void catalog_hugeNumbersAndPricesTooLargeToPrice_are400AtTheWrite() {
        String[][] prices = {
                {"\"unit_price\":\"100000000000000000000\"", "[0].unit_price"},
                {"\"unit_price\":1000000.01", "[0].unit_price"},
                {"\"unit_price\":1.5e9999999999", "[0].unit_price"},
                {"\"unit_price\":\"1e999999999\"", "[0].unit_price"},
                {"\"unit_price\":1e-999999999", "[0].unit_price"},
                {"\"unit_price\":\"0.01\",\"per\":1e999999999", "[0].per"},
        };
        for (String[] c : prices) {
            Api.Response r = api.put("/v1/prices", "[{\"provider\":\"p\",\"metric\":\"input_tokens\"," + c[0] + "}]");
            assertThat(r.status()).as(c[0]).isEqualTo(400);
            assertThat(r.json().get("errors").findValuesAsText("field")).as(c[0]).containsExactly(c[1]);
        }
        assertThat(api.get("/v1/prices").json().toString()).doesNotContain("input_tokens");
        String[] amounts = {"1.5e9999999999", "1e999999999", "\"1e999999999\"", "1e-999999999"};
        for (String metric : new String[]{"cost", "tokens", "requests", "seconds"}) {
            for (String amount : amounts) {
                Api.Response r = api.put("/v1/plans/p", "{\"name\":\"P\",\"limits\":[{\"metric\":\"" + metric
                        + "\",\"window\":\"month\",\"amount\":" + amount + "}]}");
                assertThat(r.status()).as(metric + " " + amount).isEqualTo(400);
                assertThat(r.json().get("errors").findValuesAsText("field")).as(metric + " " + amount)
                        .containsExactly("limits[0].amount");
            }
        }
        assertThat(api.get("/v1/plans/p").status()).isEqualTo(404);
    }

    private long requests() {
        return api.get("/v1/customers/acme/usage").json().at("/totals/requests").asLong();
    }
}
