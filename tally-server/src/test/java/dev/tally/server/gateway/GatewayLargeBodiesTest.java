package dev.tally.server.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.tally.server.testing.Api;
import dev.tally.server.testing.Await;
import dev.tally.server.testing.ServerProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.zip.CRC32;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bodies stream through the gateway both ways without being held whole (issue 14): a {@code tally serve} process
 * with a 96 MB heap forwards a 100 MB upload and a 100 MB answer, every byte arrives, and the server lives on.
 */
class GatewayLargeBodiesTest {
    private static final String ADMIN_KEY = "admin-key-large-bodies-0123456789";
    private static final long SIZE = 100L * 1024 * 1024;

    @TempDir
    Path dir;
    private ServerProcess server;
    private HttpServer upstream;
    private volatile long uploadBytes = -1;
    private volatile long uploadCrc = -1;
    private String customerKey;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void start() throws Exception {
        upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        upstream.createContext("/api/upload", this::countUpload);
        upstream.createContext("/api/audio", GatewayLargeBodiesTest::streamAnswer);
        upstream.setExecutor(Executors.newFixedThreadPool(2));
        upstream.start();
        server = ServerProcess.startWithJvmOptions(dir, ADMIN_KEY,
                List.of("-Xmx96m", "-XX:+ExitOnOutOfMemoryError"));
        Api api = api();
        assertThat(api.put("/v1/customers/acme", "{\"limits\":[{\"metric\":\"requests\",\"window\":\"month\","
                + "\"amount\":10}]}").status()).isIn(200, 201);
        customerKey = api.post("/v1/customers/acme/keys", null).json().get("key").asText();
        assertThat(api.put("/v1/upstreams/big", "{\"type\":\"http\",\"base_url\":\"http://127.0.0.1:"
                + upstream.getAddress().getPort() + "/api\",\"api_key\":\"up-key-0123456789\"}").status())
                .isEqualTo(200);
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        upstream.stop(0);
    }

    private Api api() {
        return new Api("http://127.0.0.1:" + server.port(), ADMIN_KEY);
    }

    @Test
    void hundredMegabytesEachWay_streamThroughASmallHeap_everyByteArrives() throws Exception {
        HttpRequest upload = gatewayCall("/upload").POST(HttpRequest.BodyPublishers.fromPublisher(
                HttpRequest.BodyPublishers.ofInputStream(Generated::new), SIZE)).build();
        HttpResponse<String> up = http.send(upload, HttpResponse.BodyHandlers.ofString());
        assertThat(up.statusCode()).isEqualTo(200);
        assertThat(uploadBytes).isEqualTo(SIZE);
        assertThat(uploadCrc).isEqualTo(expectedCrc());

        HttpResponse<InputStream> down = http.send(gatewayCall("/audio").GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(down.statusCode()).isEqualTo(200);
        Summed received = Summed.of(down.body());
        assertThat(received.bytes()).isEqualTo(SIZE);
        assertThat(received.crc()).isEqualTo(expectedCrc());

        assertThat(server.isAlive()).as("the server survived (it exits on OutOfMemoryError)").isTrue();
        assertThat(api().get("/health").status()).isEqualTo(200);
        assertThat(Files.readString(dir.resolve("server.log"))).doesNotContain("OutOfMemoryError");
        Await.within(Duration.ofSeconds(10), "both calls' events", () -> events().size() == 2);
        assertThat(events().findValuesAsText("endpoint")).containsExactlyInAnyOrder("/upload", "/audio");
        assertThat(events().findValuesAsText("status")).containsOnly("200");
    }

    private JsonNode events() {
        return api().get("/v1/customers/acme/events").json().get("events");
    }

    private HttpRequest.Builder gatewayCall(String endpoint) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/gateway/big" + endpoint))
                .timeout(Duration.ofSeconds(60)).header("Authorization", "Bearer " + customerKey);
    }

    /** The upstream reads the upload as it arrives, counting it and summing it, and answers a short JSON. */
    private void countUpload(HttpExchange exchange) throws IOException {
        Summed received = Summed.of(exchange.getRequestBody());
        uploadCrc = received.crc();
        uploadBytes = received.bytes();
        byte[] body = "{\"ok\":true}".getBytes();
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    /** The upstream answers 100 MB of generated "audio", chunked, made as it is sent. */
    private static void streamAnswer(HttpExchange exchange) throws IOException {
        exchange.getRequestBody().readAllBytes();
        exchange.getResponseHeaders().add("Content-Type", "audio/mpeg");
        exchange.sendResponseHeaders(200, 0);
        try (InputStream in = new Generated(); OutputStream out = exchange.getResponseBody()) {
            in.transferTo(out);
        }
    }

    private static long expectedCrc() throws IOException {
        return Summed.of(new Generated()).crc();
    }

    /** A stream read to its end: how many bytes, and their CRC-32 (a running checksum, nothing kept). */
    private record Summed(long bytes, long crc) {
        static Summed of(InputStream stream) throws IOException {
            CRC32 crc = new CRC32();
            long count = 0;
            try (InputStream in = stream) {
                byte[] buffer = new byte[64 * 1024];
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    crc.update(buffer, 0, n);
                    count += n;
                }
            }
            return new Summed(count, crc.getValue());
        }
    }

    /** {@link #SIZE} bytes of a fixed, non-repeating-per-block pattern, made on the fly (never a whole byte[]). */
    private static final class Generated extends InputStream {
        private long position;

        @Override
        public int read() {
            if (position >= SIZE) {
                return -1;
            }
            return valueAt(position++);
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (position >= SIZE) {
                return -1;
            }
            int n = (int) Math.min(len, SIZE - position);
            for (int i = 0; i < n; i++) {
                b[off + i] = (byte) valueAt(position++);
            }
            return n;
        }

        private static int valueAt(long p) {
            return (int) ((p * 31 + (p >>> 10) * 7) & 0xff);
        }
    }
}
