package dev.tally.server.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A provider API for gateway tests, on a free loopback port: it records every request (method, path, headers, body)
 * and answers with the {@link Answer} set for the test, which writes what the provider's public API reference shows.
 */
public final class FakeUpstream implements AutoCloseable {
    private final HttpServer server;
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private final AtomicReference<Answer> answer = new AtomicReference<>((e, req) -> json(e, 200, "{}", Map.of()));

    /** One request the upstream received. */
    public record Seen(String method, String path, String query, Map<String, List<String>> headers, String body) {
        /** The first value of a header (case-insensitive), or null. */
        public String header(String name) {
            for (Map.Entry<String, List<String>> h : headers.entrySet()) {
                if (h.getKey() != null && h.getKey().equalsIgnoreCase(name) && !h.getValue().isEmpty()) {
                    return h.getValue().get(0);
                }
            }
            return null;
        }
    }

    /** How the upstream answers a request. */
    @FunctionalInterface
    public interface Answer {
        void write(HttpExchange exchange, Seen request) throws Exception;
    }

    public FakeUpstream() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            Seen request = new Seen(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
                    exchange.getRequestURI().getRawQuery(), Map.copyOf(exchange.getRequestHeaders()), body);
            seen.add(request);
            try {
                answer.get().write(exchange, request);
            } catch (IOException e) {
                // the gateway went away: what the test wanted to see
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            } finally {
                exchange.close();
            }
        });
        server.start();
    }

    /** The base URL to configure as the upstream's {@code base_url}. */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public void answer(Answer a) {
        answer.set(a);
    }

    /** Every request received so far. */
    public List<Seen> seen() {
        return List.copyOf(seen);
    }

    /** Answers {@code body} as JSON with {@code status} and extra headers. */
    public static void json(HttpExchange e, int status, String body, Map<String, String> headers) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        e.getResponseHeaders().set("Content-Type", "application/json");
        headers.forEach((k, v) -> e.getResponseHeaders().set(k, v));
        e.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = e.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** Answers a server-sent event stream of these events (each written and flushed on its own). */
    public static void sse(HttpExchange e, List<String> events) throws IOException {
        e.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        e.sendResponseHeaders(200, 0);
        try (OutputStream out = e.getResponseBody()) {
            for (String event : events) {
                out.write(event.getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
