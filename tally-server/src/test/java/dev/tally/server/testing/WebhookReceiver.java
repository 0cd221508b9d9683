package dev.tally.server.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A webhook receiver on a free port (the JDK's HTTP server): it answers 500 to its first {@code failFirst} requests
 * and 204 afterwards, records every request, and verifies Standard Webhooks signatures with its own code, written
 * from the specification, not with Tally's signer.
 */
public final class WebhookReceiver implements AutoCloseable {
    /**
     * One request as received, and what it was answered.
     *
     * @param headers every request header, by lower-case name
     */
    public record Received(String id, String timestamp, String signature, String body, int answered,
                           Map<String, List<String>> headers) {
    }

    private final HttpServer server;
    private final AtomicInteger failuresLeft;
    private final List<Received> received = new ArrayList<>();

    private WebhookReceiver(int failFirst) throws IOException {
        this.failuresLeft = new AtomicInteger(failFirst);
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/hook", this::handle);
        server.start();
    }

    /** Starts a receiver that fails its first {@code failFirst} deliveries with 500. */
    public static WebhookReceiver failingFirst(int failFirst) throws IOException {
        return new WebhookReceiver(failFirst);
    }

    private void handle(HttpExchange exchange) throws IOException {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        int status = failuresLeft.getAndDecrement() > 0 ? 500 : 204;
        synchronized (received) {
            received.add(new Received(exchange.getRequestHeaders().getFirst("webhook-id"),
                    exchange.getRequestHeaders().getFirst("webhook-timestamp"),
                    exchange.getRequestHeaders().getFirst("webhook-signature"), body, status,
                    lowerCaseNames(exchange.getRequestHeaders())));
        }
        exchange.sendResponseHeaders(status, -1);
        exchange.close();
    }

    private static Map<String, List<String>> lowerCaseNames(Map<String, List<String>> headers) {
        Map<String, List<String>> out = new TreeMap<>();
        headers.forEach((name, values) -> out.put(name.toLowerCase(Locale.ROOT), List.copyOf(values)));
        return out;
    }

    public String url() {
        return url("127.0.0.1");
    }

    /** The receiver's URL through another spelling of its loopback address, such as {@code localhost}. */
    public String url(String host) {
        return "http://" + host + ":" + server.getAddress().getPort() + "/hook";
    }

    /** Every request so far, in arrival order. */
    public List<Received> received() {
        synchronized (received) {
            return List.copyOf(received);
        }
    }

    /** The requests answered 2xx. */
    public List<Received> accepted() {
        return received().stream().filter(r -> r.answered() / 100 == 2).toList();
    }

    /**
     * Whether a request carries a valid signature under {@code secret} ({@code whsec_<base64 key>}), per the
     * Standard Webhooks specification: {@code base64(HMAC-SHA256(key, id + "." + timestamp + "." + body))}, one of
     * the space-separated {@code v1,<signature>} entries of {@code webhook-signature}.
     */
    public static boolean verify(Received r, String secret) throws Exception {
        byte[] key = Base64.getDecoder().decode(secret.substring("whsec_".length()));
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        byte[] expected = mac.doFinal((r.id() + "." + r.timestamp() + "." + r.body())
                .getBytes(StandardCharsets.UTF_8));
        List<String> candidates = new ArrayList<>();
        for (String entry : r.signature().split(" ")) {
            if (entry.startsWith("v1,")) {
                candidates.add(entry.substring(3));
            }
        }
        for (String candidate : candidates) {
            if (MessageDigest.isEqual(expected, Base64.getDecoder().decode(candidate))) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
