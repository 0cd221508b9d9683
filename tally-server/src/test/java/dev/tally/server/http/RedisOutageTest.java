package dev.tally.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.testing.MutableClock;
import dev.tally.server.testing.Api;
import dev.tally.server.testing.Backend;
import dev.tally.server.testing.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** A node whose Redis dies: health says so at once, authorization follows the failure policy, ingestion goes on. */
class RedisOutageTest {
    @TempDir
    Path dir;
    private Process redis;
    private TestServer server;

    @AfterEach
    void stop() throws InterruptedException {
        if (server != null) {
            server.close();
        }
        if (redis != null) {
            redis.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** A private redis-server on a free port, keeping nothing on disk; answers its port once it accepts connections. */
    private int startRedis() throws IOException, InterruptedException {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        redis = new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", dir.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return port;
            } catch (IOException notYet) {
                if (System.nanoTime() > deadline || !redis.isAlive()) {
                    throw new IllegalStateException("redis-server did not start on port " + port, notYet);
                }
                Thread.onSpinWait();
            }
        }
    }

    @Test
    void redisDies_healthAnswers503WithinASecond_andAuthorizeFollowsTheFailurePolicy() throws Exception {
        int port = startRedis();
        server = TestServer.startWithRedis(Backend.SQLITE.freshUrl(dir), dir, MutableClock.at("2026-11-20T12:00:30Z"),
                "redis://127.0.0.1:" + port, "tally:");
        Api api = server.admin();
        assertThat(api.put("/v1/customers/acme", """
                {"limits":[{"metric":"requests","window":"month","amount":1}]}""").status()).isIn(200, 201);
        String call = "{\"customer\":\"acme\",\"provider\":\"openai\",\"model\":\"gpt-4\"}";
        assertThat(api.post("/v1/authorize", call).json().get("allowed").asBoolean()).isTrue();
        assertThat(api.post("/v1/authorize", call).json().get("allowed").asBoolean()).isFalse();
        assertThat(api.get("/health").status()).isEqualTo(200);

        redis.destroyForcibly().waitFor(10, TimeUnit.SECONDS);

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
