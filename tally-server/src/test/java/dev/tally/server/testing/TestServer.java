package dev.tally.server.testing;

import dev.tally.core.testing.MutableClock;
import dev.tally.server.TallyServer;
import dev.tally.server.config.ServerConfig;

import java.nio.file.Path;
import java.util.Map;

/** A real Tally server on a free port, with a fresh store, a known admin key and a clock the test moves. */
public final class TestServer implements AutoCloseable {
    public static final String ADMIN_KEY = "test-admin-key";

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
        ServerConfig config = ServerConfig.fromEnvironment(Map.of())
                .toBuilder().port(0).dataDir(dir).databaseUrl(databaseUrl).adminKey(ADMIN_KEY)
                .configFile(configFile).build();
        return new TestServer(TallyServer.start(config, clock), clock, databaseUrl);
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
