package dev.tally.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.testing.MutableClock;
import dev.tally.server.testing.Api;
import dev.tally.server.testing.Await;
import dev.tally.server.testing.PrivatePostgres;
import dev.tally.server.testing.TestServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 12.3, the overshoot bound when PostgreSQL cannot be reached: two nodes on a private PostgreSQL (frozen with
 * SIGSTOP) and the shared counters in Redis go on deciding exactly; the events that could not be stored are resent
 * afterwards, and the counters then equal the ledger.
 */
class PostgresOutageSeveralNodesTest {
    private static final String CALL = """
            {"customer":"acme","provider":"openai","model":"gpt-4"}""";

    @TempDir
    Path dir;
    private final String prefix = "tally-test:" + UUID.randomUUID() + ":";
    private final MutableClock clock = MutableClock.at("2026-11-20T12:00:30Z");
    private final List<TestServer> nodes = new ArrayList<>();
    private PrivatePostgres postgres;

    @AfterEach
    void stop() throws Exception {
        nodes.forEach(TestServer::close);
        if (postgres != null) {
            postgres.close();
        }
        RedisClient client = RedisClient.create(TestServer.REDIS_URL);
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            List<String> keys = c.sync().scan(ScanArgs.Builder.matches(prefix + "*").limit(100_000)).getKeys();
            if (!keys.isEmpty()) {
                c.sync().del(keys.toArray(new String[0]));
            }
        } finally {
            client.shutdown();
        }
    }

    @Test
    void postgresFrozen_twoNodesStillAllowExactlyTheLimit_andResentEventsMakeTheCountersEqualTheLedger()
            throws Exception {
        postgres = PrivatePostgres.start();
        nodes.add(TestServer.startWithRedis(postgres.url(), dir, clock, prefix));
        Api first = nodes.get(0).admin();
        assertThat(first.put("/v1/customers/acme", """
                {"limits":[{"metric":"requests","window":"month","amount":10}]}""").status()).isIn(200, 201);
        nodes.add(TestServer.startWithRedis(postgres.url(), dir, clock, prefix));
        List<Api> apis = List.of(first, nodes.get(1).admin());
        assertThat(first.post("/v1/events", events(0, 4, List.of())).status()).isEqualTo(200);

        postgres.freeze();
        List<String> reservations = new ArrayList<>();
        try {
            for (Api api : apis) {
                Await.within(Duration.ofSeconds(10), "/health 503 while PostgreSQL is frozen",
                        () -> api.get("/health").status() == 503);
            }
            int allowed = 0;
            for (int i = 0; i < 10; i++) {
                JsonNode decision = apis.get(i % 2).post("/v1/authorize", CALL).json();
                if (decision.get("allowed").asBoolean()) {
                    allowed++;
                    reservations.add(decision.get("reservation").asText());
                }
            }
            assertThat(allowed).as("4 stored + 6 = the limit of 10").isEqualTo(6);
            // The settling events cannot be stored: none is acknowledged.
            Api.Response refused = apis.get(1).post("/v1/events", events(4, 6, reservations));
            assertThat(refused.status()).as(refused.toString()).isEqualTo(503);
        } finally {
            postgres.thaw();
        }
        for (Api api : apis) {
            Await.within(Duration.ofSeconds(20), "/health 200 once PostgreSQL answers",
                    () -> api.get("/health").status() == 200);
        }

        // The client resends them (same ids), as a 503 asks.
        assertThat(apis.get(0).post("/v1/events", events(4, 6, reservations)).status()).isEqualTo(200);

        long ledger = first.get("/v1/customers/acme/usage").json().at("/totals/requests").asLong();
        assertThat(ledger).isEqualTo(10);
        for (Api api : apis) {
            assertThat(used(api.post("/v1/check", CALL).json())).isEqualTo(ledger);
            assertThat(api.post("/v1/authorize", CALL).json().get("allowed").asBoolean()).isFalse();
        }
    }

    private static String events(int from, int count, List<String> reservations) {
        StringBuilder body = new StringBuilder("[");
        for (int i = 0; i < count; i++) {
            body.append(i == 0 ? "" : ",").append("{\"id\":\"e").append(from + i)
                    .append("\",\"customer\":\"acme\",\"provider\":\"openai\",\"model\":\"gpt-4\"")
                    .append(i < reservations.size() ? ",\"reservation\":\"" + reservations.get(i) + "\"" : "")
                    .append('}');
        }
        return body.append(']').toString();
    }

    private static long used(JsonNode decision) {
        for (JsonNode l : decision.get("limits")) {
            if (l.get("name").asText().equals("requests-month")) {
                return l.get("used").asLong();
            }
        }
        throw new AssertionError("no requests-month limit in " + decision);
    }
}
