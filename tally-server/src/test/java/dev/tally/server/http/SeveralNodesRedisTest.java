package dev.tally.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.testing.MutableClock;
import dev.tally.server.testing.Api;
import dev.tally.server.testing.Backend;
import dev.tally.server.testing.TestServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Several nodes on one PostgreSQL schema and one Redis prefix enforce as one server (issue 12). The customer is
 * created before the second node starts: spreading catalog changes between running nodes is not what this tests.
 */
class SeveralNodesRedisTest {
    @TempDir
    Path dir;
    private final String prefix = "tally-test:" + UUID.randomUUID() + ":";
    private final MutableClock clock = MutableClock.at("2026-11-20T12:00:30Z");
    private final List<TestServer> nodes = new ArrayList<>();

    @AfterEach
    void stop() {
        nodes.forEach(TestServer::close);
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

    private TestServer node(String databaseUrl) {
        TestServer node = TestServer.startWithRedis(databaseUrl, dir, clock, prefix);
        nodes.add(node);
        return node;
    }

    private static final String CALL = """
            {"customer":"acme","provider":"openai","model":"gpt-4","endpoint":"/api/chat"}""";

    @Test
    void authorize_320ConcurrentOverTwoNodes_allowsExactlyTheHardLimit() throws Exception {
        TestServer a = node(Backend.POSTGRES.freshUrl(dir));
        assertThat(a.admin().put("/v1/customers/acme", """
                {"limits":[{"metric":"requests","window":"month","amount":100}]}""").status()).isIn(200, 201);
        TestServer b = node(a.databaseUrl());
        List<Api> apis = List.of(a.admin(), b.admin());

        ExecutorService pool = Executors.newFixedThreadPool(64);
        try {
            List<Callable<Boolean>> tasks = new ArrayList<>();
            for (int i = 0; i < 320; i++) {
                Api api = apis.get(i % 2);
                tasks.add(() -> {
                    Api.Response r = api.post("/v1/authorize", CALL);
                    assertThat(r.status()).as(r.body()).isEqualTo(200);
                    return r.json().get("allowed").asBoolean();
                });
            }
            int allowed = 0;
            for (Future<Boolean> f : pool.invokeAll(tasks, 120, TimeUnit.SECONDS)) {
                allowed += f.get() ? 1 : 0;
            }
            assertThat(allowed).isEqualTo(100);
        } finally {
            pool.shutdownNow();
        }
        for (Api api : apis) {
            JsonNode health = api.get("/health").json();
            assertThat(health.get("counters").asText()).isEqualTo("redis");
            assertThat(health.get("status").asText()).isEqualTo("ok");
        }
    }

    @Test
    void nodes_onEmptyRedis_fillTheCountersFromTheStoreOnce_andRestartsDoNotCountAgain() {
        // A node without Redis records 30 calls; the store holds them.
        String db = Backend.POSTGRES.freshUrl(dir);
        TestServer alone = TestServer.startOn(db, dir, clock);
        Api admin = alone.admin();
        assertThat(admin.put("/v1/customers/acme", """
                {"limits":[{"metric":"requests","window":"month","amount":100},
                           {"metric":"requests","window":"minute","amount":1000}]}""").status()).isIn(200, 201);
        StringBuilder events = new StringBuilder("[");
        for (int i = 0; i < 30; i++) {
            events.append(i == 0 ? "" : ",").append("""
                    {"id":"e%d","customer":"acme","provider":"openai","model":"gpt-4","endpoint":"/api/chat"}"""
                    .formatted(i));
        }
        assertThat(admin.post("/v1/events", events.append(']').toString()).status()).isEqualTo(200);
        alone.close();

        // The first node on the empty Redis fills it; the second, and a restart of the first, add nothing.
        TestServer a = node(db);
        TestServer b = node(db);
        a.close();
        nodes.remove(a);
        TestServer again = node(db);

        for (TestServer n : List.of(b, again)) {
            JsonNode check = n.admin().post("/v1/check", CALL).json();
            assertThat(used(check, "requests-month")).as("month, port %d", n.port()).isEqualTo(30);
            assertThat(used(check, "requests-minute")).as("minute, port %d", n.port()).isEqualTo(30);
        }
    }

    private static long used(JsonNode decision, String limit) {
        for (JsonNode l : decision.get("limits")) {
            if (l.get("name").asText().equals(limit)) {
                return l.get("used").asLong();
            }
        }
        throw new AssertionError("no limit " + limit + " in " + decision);
    }
}
