package dev.tally.server.web;

import dev.tally.core.testing.MutableClock;
import dev.tally.server.testing.Api;
import dev.tally.server.testing.Backend;
import dev.tally.server.testing.Browser;
import dev.tally.server.testing.TestServer;

import java.nio.file.Path;

/**
 * One real server on SQLite with {@link ConsoleData} seeded, and one headless Chromium for it: what every browser
 * test class of the console starts once (one server and one browser per class keeps them quick).
 */
record ConsoleSite(TestServer server, Browser browser, MutableClock clock) implements AutoCloseable {

    /** Starts the server in {@code dir}, seeds the console data, then starts the browser. */
    static ConsoleSite start(Path dir) {
        MutableClock clock = MutableClock.at("2026-05-01T00:00:00Z");
        TestServer server = TestServer.start(Backend.SQLITE, dir, clock);
        try {
            ConsoleData.seed(server.admin(), clock);
            return new ConsoleSite(server, Browser.start(server.port()), clock);
        } catch (RuntimeException | Error e) {
            server.close();
            throw e;
        }
    }

    Api admin() {
        return server.admin();
    }

    /** A new key of a customer, for signing in to its portal. */
    String customerKey(String customer) {
        return admin().post("/v1/customers/" + customer + "/keys", null).json().get("key").asText();
    }

    @Override
    public void close() {
        try {
            browser.close();
        } finally {
            server.close();
        }
    }
}
