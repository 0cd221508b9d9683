package dev.tally.server.testing;

import dev.tally.core.testing.MutableClock;
import dev.tally.server.TallyServer;
import dev.tally.server.config.ServerConfig;
import dev.tally.server.notify.WebhookTargets;

import java.nio.file.Path;
import java.util.Map;
import java.util.function.UnaryOperator;

/** A real Tally server on a free port, with a fresh store, a known admin key and a clock the test moves. */
public final class TestServer implements AutoCloseable {
    public static final String ADMIN_KEY = "test-admin-key";
    /** Where test webhook receivers listen; the test servers allow webhooks to it. */
    public static final String WEBHOOK_RECEIVER_HOST = "127.0.0.1";

    private final TallyServer server;
    private final MutableClock clock;
    private final String databaseUrl;

    private TestServer(TallyServer server, MutableClock clock, String databaseUrl) {
        this.server = server;
        this.clock = clock;
        this.databaseUrl = databaseUrl;
    }

    /** Starts a server on an empty store of {@code backend}, keeping files under {@code dir}. */
    public static TestServer start(Backend backend, Path dir, MutableClock clock) {
        return startOn(backend.freshUrl(dir), dir, clock);
    }

    /** Starts a server on an existing store (for restarts). */
    public static TestServer startOn(String databaseUrl, Path dir, MutableClock clock) {
        return startOn(databaseUrl, dir, clock, null);
    }

    /** Starts a server on an empty store of {@code backend} that reads {@code configFile} (a tally.yaml). */
    public static TestServer startWithConfig(Backend backend, Path dir, MutableClock clock, Path configFile) {
        return startOn(backend.freshUrl(dir), dir, clock, configFile);
    }

    /** Starts a server on an existing store with a {@code tally.yaml} (null for none). */
    public static TestServer startOn(String databaseUrl, Path dir, MutableClock clock, Path configFile) {
        return startOn(databaseUrl, dir, clock, configFile, UnaryOperator.identity());
    }

    /**
     * Starts a server on an empty store of {@code backend} with the test configuration changed by {@code changes}
     * (for example the webhook targets, which allow {@value #WEBHOOK_RECEIVER_HOST} unless changed).
     */
    public static TestServer startWith(Backend backend, Path dir, MutableClock clock,
                                       UnaryOperator<ServerConfig.Builder> changes) {
        return startOn(backend.freshUrl(dir), dir, clock, null, changes);
    }

    /** Starts a server on an empty store of {@code backend} with {@code configFile} and the configuration changed. */
    public static TestServer startWith(Backend backend, Path dir, MutableClock clock, Path configFile,
                                       UnaryOperator<ServerConfig.Builder> changes) {
        return startOn(backend.freshUrl(dir), dir, clock, configFile, changes);
    }

    private static TestServer startOn(String databaseUrl, Path dir, MutableClock clock, Path configFile,
                                      UnaryOperator<ServerConfig.Builder> changes) {
        // Test receivers listen on loopback, which webhooks may not reach unless allowed, as an operator would.
        ServerConfig config = changes.apply(ServerConfig.fromEnvironment(Map.of())
                .toBuilder().port(0).dataDir(dir).databaseUrl(databaseUrl).adminKey(ADMIN_KEY)
                .configFile(configFile).webhookTargets(WebhookTargets.parse(WEBHOOK_RECEIVER_HOST))).build();
        return new TestServer(TallyServer.start(config, clock), clock, databaseUrl);
    }

    /**
     * Starts a node on an existing store whose enforcement counters are shared in the Redis of the tests
     * ({@code TALLY_TEST_REDIS_URL}, default {@code redis://127.0.0.1:6379}) under {@code redisPrefix}.
     */
    public static TestServer startWithRedis(String databaseUrl, Path dir, MutableClock clock, String redisPrefix) {
        return startWithRedis(databaseUrl, dir, clock, REDIS_URL, redisPrefix);
    }

    /** Like {@link #startWithRedis(String, Path, MutableClock, String)}, on the Redis at {@code redisUrl}. */
    public static TestServer startWithRedis(String databaseUrl, Path dir, MutableClock clock, String redisUrl,
                                            String redisPrefix) {
        ServerConfig config = ServerConfig.fromEnvironment(Map.of())
                .toBuilder().port(0).dataDir(dir).databaseUrl(databaseUrl).adminKey(ADMIN_KEY)
                .redisUrl(redisUrl).redisPrefix(redisPrefix)
                .webhookTargets(WebhookTargets.parse(WEBHOOK_RECEIVER_HOST)).build();
        return new TestServer(TallyServer.start(config, clock), clock, databaseUrl);
    }

    /** The Redis of the tests; a missing Redis fails the tests that use it, never skips them. */
    public static final String REDIS_URL = System.getenv().getOrDefault("TALLY_TEST_REDIS_URL",
            "redis://127.0.0.1:6379");

    /** Deletes every key under {@code prefix} in the Redis of the tests (what a test's nodes left there). */
    public static void deleteRedisKeys(String prefix) {
        io.lettuce.core.RedisClient client = io.lettuce.core.RedisClient.create(REDIS_URL);
        try (var c = client.connect()) {
            java.util.List<String> keys = c.sync().scan(io.lettuce.core.ScanArgs.Builder.matches(prefix + "*")
                    .limit(100_000)).getKeys();
            if (!keys.isEmpty()) {
                c.sync().del(keys.toArray(new String[0]));
            }
        } finally {
            client.shutdown();
        }
    }

    /** An API client with the admin key. */
    public Api admin() {
        return new Api("http://127.0.0.1:" + server.port(), ADMIN_KEY);
    }

    public int port() {
        return server.port();
    }

    public MutableClock clock() {
        return clock;
    }

    public String databaseUrl() {
        return databaseUrl;
    }

    public TallyServer server() {
        return server;
    }

    @Override
    public void close() {
        server.close();
    }
}
