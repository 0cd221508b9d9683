package dev.tally.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.testing.MutableClock;
import dev.tally.server.testing.Api;
import dev.tally.server.testing.Backend;
import dev.tally.server.testing.PrivateRedis;
import dev.tally.server.testing.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** A node whose Redis dies: health says so at once, authorization follows the failure policy, ingestion goes on. */
class RedisOutageTest {
    @TempDir
    Path dir;
    private PrivateRedis redis;
    private TestServer server;

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void redisDies_healthAnswers503WithinASecond_andAuthorizeFollowsTheFailurePolicy() throws Exception {
        redis = PrivateRedis.start(dir);
        server = TestServer.startWithRedis(Backend.SQLITE.freshUrl(dir), dir, MutableClock.at("2026-11-20T12:00:30Z"),
                redis.url(), "tally:");
        Api api = server.admin();
        assertThat(api.put("/v1/customers/acme", """
                {"limits":[{"metric":"requests","window":"month","amount":1}]}""").status()).isIn(200, 201);
        String call = "{\"customer\":\"acme\",\"provider\":\"openai\",\"model\":\"gpt-4\"}";
        assertThat(api.post("/v1/authorize", call).json().get("allowed").asBoolean()).isTrue();
        assertThat(api.post("/v1/authorize", call).json().get("allowed").asBoolean()).isFalse();
        assertThat(api.get("/health").status()).isEqualTo(200);

        redis.kill();

        long start = System.nanoTime();
        Api.Response health = api.get("/health");
        long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(health.status()).isEqualTo(503);
        JsonNode body = health.json();
        assertThat(body.get("counters").asText()).isEqualTo("redis");
        assertThat(body.get("reason").asText()).contains("Redis");
        assertThat(elapsedMs).isLessThan(1000);
        // fail_open (the default): allowed without counters, though the limit of 1 is used up.
        assertThat(api.post("/v1/authorize", call).json().get("allowed").asBoolean()).isTrue();
        assertThat(api.post("/v1/events", "{\"customer\":\"acme\",\"provider\":\"openai\",\"model\":\"gpt-4\"}")
                .status()).isEqualTo(200);
    }
}
