package dev.tally.server.cli;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code tally import} when the server is overloaded: a stand-in server answers {@code POST /v1/events} from a
 * script (the real one cannot be made to answer 503 on demand), and a recording sleeper replaces the waits.
 */
class ImportRetryTest {
    private static final String BUSY = """
            {"type":"https://tally.dev/problems/unavailable","title":"Service unavailable","status":503,
             "detail":"the store is not available; retry shortly","errors":[]}""";
    private static final String ACCEPTED_TWO = "{\"accepted\":2,\"duplicates\":0,\"rejected\":[]}";

    @TempDir
    Path dir;
    private HttpServer stub;
    private final Deque<Answer> script = new ArrayDeque<>();
    private final List<String> bodies = new ArrayList<>();
    private final List<Duration> waits = new ArrayList<>();

    private record Answer(int status, String retryAfter, String body) {
    }

    @BeforeEach
    void start() throws IOException {
        stub = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        stub.createContext("/v1/events", exchange -> {
            bodies.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            Answer a = script.isEmpty() ? new Answer(500, null, "script ran out") : script.removeFirst();
            if (a.retryAfter() != null) {
                exchange.getResponseHeaders().add("Retry-After", a.retryAfter());
            }
            exchange.getResponseHeaders().add("Content-Type", a.status() == 200 ? "application/json"
                    : "application/problem+json");
            byte[] body = a.body().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(a.status(), body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        stub.start();
    }

    @AfterEach
    void stop() {
        stub.stop(0);
    }

    private Cli.Result importTwoEvents() throws IOException {
        Path file = dir.resolve("two.jsonl");
        Files.writeString(file, "{\"id\":\"e1\",\"customer\":\"acme\"}\n{\"id\":\"e2\",\"customer\":\"acme\"}\n");
        Cli cli = new Cli().env(Map.of("TALLY_URL", "http://127.0.0.1:" + stub.getAddress().getPort(),
                "TALLY_KEY", "k"));
        cli.command("import", ImportCommand.class).sleeper = waits::add;
        return cli.run("import", file.toString());
    }

    @Test
    void import_503WithRetryAfter_waitsThatLongAndResendsSameBatch() throws IOException {
        script.add(new Answer(503, "7", BUSY));
        script.add(new Answer(200, null, ACCEPTED_TWO));

        Cli.Result r = importTwoEvents();

        assertThat(waits).containsExactly(Duration.ofSeconds(7));
        assertThat(bodies).hasSize(2);
        assertThat(bodies.get(1)).isEqualTo(bodies.get(0));
        assertThat(r.err()).isEqualTo("server busy (503): sending lines 1-2 again in 7 s (attempt 2 of 5)\n");
        assertThat(r.out()).endsWith(": 2 accepted, 0 duplicates, 0 rejected\n");
        assertThat(r.exitCode()).as(r.toString()).isZero();
    }

    @Test
    void import_503Persisting_backsOffExponentiallyThenStopsWithDetail() throws IOException {
        for (int i = 0; i < BatchPoster.MAX_ATTEMPTS; i++) {
            script.add(new Answer(503, null, BUSY));
        }

        Cli.Result r = importTwoEvents();

        assertThat(waits).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4),
                Duration.ofSeconds(8));
        assertThat(bodies).hasSize(BatchPoster.MAX_ATTEMPTS);
        assertThat(r.err()).contains("the store is not available; retry shortly\nimport of ")
                .contains("stopped at line 1;");
        assertThat(r.out()).isEmpty();
        assertThat(r.exitCode()).isEqualTo(1);
    }

    @Test
    void import_errorAnswerWithoutProblemJson_namesStatusAndUrl() throws IOException {
        script.add(new Answer(502, null, "<html>Bad Gateway</html>"));

        Cli.Result r = importTwoEvents();

        assertThat(r.err()).startsWith("HTTP 502 from http://127.0.0.1:" + stub.getAddress().getPort()
                + "/v1/events: <html>Bad Gateway</html>\n");
        assertThat(waits).isEmpty();
        assertThat(r.exitCode()).isEqualTo(1);
    }
}
