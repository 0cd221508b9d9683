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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 11, points 3 and 4: sums near what Tally holds. An event that would take a stored sum past a long is a 400
 * for that event alone (never a 503 asking to resend what can never fit, and never failing the other requests of its
 * group commit); reads that add many full sums saturate instead of answering 500.
 */
class SumBoundsTest {
    /** The most of one metric an event may carry: 10^12 units, 10^18 micros; nine of them fit in a long, ten do not. */
    private static final String MAX_UNITS = "1000000000000";

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(Backend.class)
    void ingest_sumBeyondALong_rejectsThoseEventsWith400_keepsTheOthers(Backend backend) throws Exception {
        try (TestServer server = TestServer.start(backend, dir, MutableClock.at("2026-11-20T12:00:00Z"))) {
            Api api = server.admin();
            api.put("/v1/customers/acme", "{\"name\":\"Acme\"}");
            api.put("/v1/customers/globex", "{\"name\":\"Globex\"}");

            // A batch that overflows within itself: the first nine fit, the last three cannot.
            JsonNode first = api.post("/v1/events", batch("a", "acme", 12, MAX_UNITS)).json();
            assertThat(first.get("accepted").asInt()).as(first.toString()).isEqualTo(9);
            assertThat(first.get("rejected").findValuesAsText("index")).containsExactly("9", "10", "11");
            assertThat(first.get("rejected").findValuesAsText("field")).containsOnly("usage");

            // Alone, such an event is a 400 naming the field and the rule: resending can never succeed.
            Api.Response alone = api.post("/v1/events", event("alone", "acme", MAX_UNITS));
            assertThat(alone.status()).as(alone.body()).isEqualTo(400);
            assertThat(alone.json().get("errors").findValuesAsText("field")).containsExactly("usage");
            assertThat(alone.body()).contains("can never be stored");

            // Mixed: what still fits for acme, and globex's own sums, are kept.
            JsonNode mixed = api.post("/v1/events", "[" + event("small", "acme", "0.5") + ","
                    + event("big", "acme", MAX_UNITS) + "," + event("g1", "globex", MAX_UNITS) + "]").json();
            assertThat(mixed.get("accepted").asInt()).as(mixed.toString()).isEqualTo(2);
            assertThat(mixed.get("rejected").findValuesAsText("index")).containsExactly("1");

            // Group commit: requests committed together with overflowing ones are answered on their own merits.
            ExecutorService pool = Executors.newFixedThreadPool(16);
            try {
                List<Future<Api.Response>> good = new ArrayList<>();
                List<Future<Api.Response>> bad = new ArrayList<>();
                for (int i = 0; i < 40; i++) {
                    String id = "c" + i;
                    good.add(pool.submit(() -> api.post("/v1/events", event(id, "globex", "1"))));
                    if (i % 4 == 0) {
                        bad.add(pool.submit(() -> api.post("/v1/events", event("x" + id, "acme", MAX_UNITS))));
                    }
                }
                for (Future<Api.Response> f : good) {
                    assertThat(f.get().status()).as(f.get().body()).isEqualTo(200);
                    assertThat(f.get().json().get("accepted").asInt()).isEqualTo(1);
                }
                for (Future<Api.Response> f : bad) {
                    assertThat(f.get().status()).as(f.get().body()).isEqualTo(400);
                }
            } finally {
                pool.shutdownNow();
            }

            JsonNode acme = api.get("/v1/customers/acme/usage").json();
            assertThat(acme.at("/totals/requests").asLong()).isEqualTo(10);
            assertThat(acme.at("/totals/compute_units").decimalValue())
                    .isEqualByComparingTo("9000000000000.5");
            JsonNode globex = api.get("/v1/customers/globex/usage").json();
            assertThat(globex.at("/totals/requests").asLong()).isEqualTo(41);
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void reads_sumsOfFullRowsBeyondALong_saturateInsteadOf500(Backend backend) {
        try (TestServer server = TestServer.start(backend, dir, MutableClock.at("2026-11-20T12:00:00Z"))) {
            Api api = server.admin();
            api.put("/v1/plans/budget", """
                    {"name":"Budget","limits":[{"metric":"cost","window":"month","amount":"9000000000"},
                      {"metric":"compute_units","window":"day","amount":null}]}""");
            api.put("/v1/customers/acme", "{\"name\":\"Acme\",\"plan\":\"budget\"}");
            api.put("/v1/customers/globex", "{\"name\":\"Globex\"}");

            // The case: two such costs for two customers are now refused at the edge.
            for (String c : new String[]{"acme", "globex"}) {
                Api.Response r = api.post("/v1/events", "{\"customer\":\"" + c + "\",\"cost\":\"9000000000\"}");
                assertThat(r.status()).isEqualTo(400);
            }
            // Each row holds 9 * 10^18 nano-dollars (and micros): each fits, but their sum for acme does not.
            for (String endpoint : new String[]{"/a", "/b"}) {
                StringBuilder events = new StringBuilder("[");
                for (int i = 0; i < 9000; i++) {
                    events.append(i == 0 ? "" : ",").append("{\"id\":\"").append(endpoint).append(i)
                            .append("\",\"customer\":\"acme\",\"endpoint\":\"").append(endpoint)
                            .append("\",\"cost\":\"1000000\"")
                            .append(i < 9 ? ",\"usage\":{\"compute_units\":" + MAX_UNITS + "}" : "").append('}');
                }
                JsonNode answer = api.post("/v1/events", events.append(']').toString()).json();
                assertThat(answer.get("accepted").asInt()).as(answer.toString()).isEqualTo(9000);
            }
            api.post("/v1/events", event("g", "globex", "1"));

            for (String path : new String[]{"/v1/usage", "/v1/usage?sort=cost", "/v1/usage?sort=tokens",
                    "/v1/customers/acme/usage", "/v1/customers/acme/history", "/v1/customers/acme/usage.csv",
                    "/v1/usage.csv", "/v1/customers/acme/events?limit=5", "/v1/customers/globex/usage"}) {
                Api.Response r = api.get(path);
                assertThat(r.status()).as(path + " " + r.body()).isEqualTo(200);
            }
            JsonNode acme = api.get("/v1/customers/acme/usage").json();
            assertThat(acme.at("/totals/cost").asText()).isEqualTo("9223372036.854775807");
            assertThat(acme.at("/totals/requests").asLong()).isEqualTo(18000);
            assertThat(acme.at("/limits/0/status").asText()).isEqualTo("exceeded");
            Api.Response decision = api.post("/v1/authorize", "{\"customer\":\"acme\",\"estimate\":{\"cost\":\"1\"}}");
            assertThat(decision.status()).isEqualTo(200);
            assertThat(decision.json().get("allowed").asBoolean()).isFalse();
        }
    }

    private static String event(String id, String customer, String computeUnits) {
        return "{\"id\":\"" + id + "\",\"customer\":\"" + customer + "\",\"usage\":{\"compute_units\":" + computeUnits
                + "}}";
    }

    private static String batch(String prefix, String customer, int n, String computeUnits) {
        StringBuilder out = new StringBuilder("[");
        for (int i = 0; i < n; i++) {
            out.append(i == 0 ? "" : ",").append(event(prefix + i, customer, computeUnits));
        }
        return out.append(']').toString();
    }
}
