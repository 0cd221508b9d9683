package dev.tally.client.testing;

import dev.tally.client.TallyClient;
import dev.tally.server.TallyServer;
import dev.tally.server.config.ServerConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Map;

/** A real Tally server on a free port with a fresh SQLite store, a known admin key, and a few admin calls. */
public final class RealTally implements AutoCloseable {
    public static final String ADMIN_KEY = "client-test-admin-key";

    private final TallyServer server;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private RealTally(TallyServer server) {
        this.server = server;
    }

    /** Starts a server keeping its files under {@code dir}, on the system clock. */
    public static RealTally start(Path dir) {
        return start(dir, InstantSource.system());
    }

    /** Starts a server keeping its files under {@code dir}, on {@code clock}. */
    public static RealTally start(Path dir, InstantSource clock) {
        ServerConfig config = ServerConfig.fromEnvironment(Map.of()).toBuilder().host("127.0.0.1").port(0)
                .dataDir(dir).databaseUrl(null).configFile(null).adminKey(ADMIN_KEY).build();
        return new RealTally(TallyServer.start(config, clock));
    }

    /** A URL on which nothing listens: a port that was free a moment ago. */
    public static String unreachableUrl() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return "http://127.0.0.1:" + socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String url() {
        return "http://127.0.0.1:" + server.port();
    }

    /** A client with the admin key. */
    public TallyClient client() {
        return TallyClient.builder().baseUrl(url()).apiKey(ADMIN_KEY).timeout(Duration.ofSeconds(10)).build();
    }

    public TallyServer server() {
        return server;
    }

    /** Creates or replaces customer {@code id} with these limits (a JSON array's items). */
    public void customer(String id, String limits) {
        put("/v1/customers/" + id, "{\"limits\": [" + limits + "]}");
    }

    /** {@code PUT path} with the admin key; fails unless the server answers 200 or 201. */
    public void put(String path, String json) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url() + path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + ADMIN_KEY).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(json)).build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        if (response.statusCode() != 200 && response.statusCode() != 201) {
            throw new AssertionError("PUT " + path + " answered " + response.statusCode() + ": " + response.body());
        }
    }

    @Override
    public void close() {
        server.close();
    }
}
