package dev.tally.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tally.core.testing.MutableClock;
import dev.tally.server.json.Json;
import dev.tally.server.testing.Backend;
import dev.tally.server.testing.OpenApiContract;
import dev.tally.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 11, "Done when": thousands of mutated bodies to every write route of the server (listed from its route
 * registration), from a seeded generator. Every answer must be below 500 and free of stack traces; a body with
 * anything after its JSON value must be refused; and the events stored must be exactly those acknowledged.
 *
 * <p>Mutations: trailing tokens, huge and tiny exponents, numbers beyond any long, quantities times prices beyond
 * exact money, batches whose sums overflow, deep nesting, huge strings, invalid UTF-8, duplicate keys, truncation,
 * swapped types and stray bytes. Half of the events requests are CloudEvents (structured, one or a batch). Run
 * more with {@code -Dtally.fuzz.count=20000 -Dtally.fuzz.seed=42}; a failure names its seed, route and body so it can
 * be replayed.
 */
class HostileInputFuzzTest {
    private static final long SEED = Long.getLong("tally.fuzz.seed", System.nanoTime());
    private static final int COUNT = Integer.getInteger("tally.fuzz.count", 1000);
    private static final int CLIENTS = 4;
    private static final ObjectMapper JSON = Json.mapper();
    private static final String[] NUMBERS = {"1.5e9999999999", "1e-9999999999", "1e999999999", "1e-999999999",
            "1E400", "-1e400", "123456789012345678901234567890123456789012345678901234567890",
            "0.00000000000000000000000000000000000000000000000001", "9223372036854775808", "-9223372036854775809",
            "1000000000000", "1000000000001", "999999999999.999999", "-0", "0.0", "-1", "1e12", "1.0e6", "3.5"};
    private static final String STRAY = "{}[]\",:-0e\\";
    private static final String[] TRAILERS = {" {}", "]", "}", " xyz", " 1", " null", ",", " \"x\"", "[]"};
    /** Valid bodies by route pattern; routes not named here get {@code {}}. */
    private static final Map<String, List<String>> SEEDS = new TreeMap<>(Map.of(
            "POST /v1/events", List.of(
                    "{\"id\":\"ID\",\"customer\":\"acme\",\"provider\":\"p\",\"model\":\"m\",\"status\":200,"
                            + "\"latency_ms\":12,\"usage\":{\"input_tokens\":1000000000000,\"seconds\":2.5},"
                            + "\"metadata\":{\"k\":[1,2,{\"x\":null}]}}",
                    "[{\"id\":\"ID-a\",\"customer\":\"acme\",\"usage\":{\"compute_units\":1000000000000}},"
                            + "{\"id\":\"ID-b\",\"customer\":\"acme\",\"usage\":{\"compute_units\":1000000000000}},"
                            + "{\"id\":\"ID-c\",\"customer\":\"acme\",\"cost\":\"1000000\"}]",
                    "{\"events\":[{\"id\":\"ID\",\"customer\":\"acme\",\"provider\":\"p\",\"usage\":"
                            + "{\"output_tokens\":7}}]}"),
            "POST /v1/authorize", List.of("{\"customer\":\"acme\",\"provider\":\"p\",\"estimate\":"
                    + "{\"input_tokens\":1000000000000,\"cost\":\"0.5\"},\"ttl_seconds\":30}"),
            "POST /v1/check", List.of("{\"customer\":\"acme\",\"estimate\":{\"tokens\":5}}"),
            "PUT /v1/plans/{plan_id}", List.of("{\"name\":\"F\",\"limits\":[{\"metric\":\"cost\",\"window\":\"month\","
                    + "\"amount\":\"100.5\",\"thresholds\":[50,80]},{\"metric\":\"tokens\",\"window\":\"day\","
                    + "\"amount\":1000,\"mode\":\"soft\"}]}"),
            "PUT /v1/customers/{customer_id}", List.of("{\"name\":\"F\",\"timezone\":\"Europe/Berlin\","
                    + "\"billing_day\":3,\"limits\":[{\"metric\":\"requests\",\"window\":\"minute\",\"amount\":5}]}"),
            "PUT /v1/prices", List.of("[{\"provider\":\"p\",\"model\":\"m\",\"metric\":\"input_tokens\","
                    + "\"unit_price\":\"0.03\",\"per\":1000}]"),
            "POST /v1/keys", List.of("{\"scope\":\"ingest\"}"),
            "PUT /v1/channels/{channel_id}", List.of("{\"type\":\"webhook\",\"url\":\"https://hooks.example.com/x\","
                    + "\"events\":[\"alert.cost\"]}")));

    /** CloudEvents bodies for {@code POST /v1/events} (half of its requests), sent with their content type. */
    private static final List<String> CLOUDEVENT_SEEDS = List.of(
            "{\"specversion\":\"1.0\",\"id\":\"ID\",\"source\":\"//fuzz\",\"type\":\"t\",\"subject\":\"acme\","
                    + "\"time\":\"2026-11-20T11:00:00Z\",\"traceparent\":\"00-ab-cd-01\",\"attempt\":2,"
                    + "\"data\":{\"provider\":\"p\",\"usage\":{\"input_tokens\":1000000000000},\"metadata\":{\"k\":[1]}}}",
            "[{\"specversion\":\"1.0\",\"id\":\"ID-a\",\"source\":\"//fuzz\",\"type\":\"t\",\"subject\":\"acme\","
                    + "\"data\":{\"usage\":{\"compute_units\":1000000000000}}},"
                    + "{\"specversion\":\"1.0\",\"id\":\"ID-a\",\"source\":\"//other\",\"type\":\"t\",\"subject\":\"acme\","
                    + "\"data\":{\"cost\":\"1000000\"}}]");

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void writeRoutes_thousandsOfMutatedBodies_neverAnswer5xxOrStackTraces_andStoreExactlyWhatIsAcknowledged() {
        Random random = new Random(SEED);
        try (TestServer server = TestServer.start(Backend.SQLITE, dir, MutableClock.at("2026-11-20T12:00:00Z"))) {
            String base = "http://127.0.0.1:" + server.port();
            send(base, "PUT", "/v1/customers/acme", bytes("{\"name\":\"Acme\"}"));
            send(base, "PUT", "/v1/prices", bytes("[{\"provider\":\"p\",\"metric\":\"input_tokens\","
                    + "\"unit_price\":\"1000000\",\"per\":1}]"));
            List<String> routes = server.server().routes().stream()
                    .filter(r -> r.startsWith("POST ") || r.startsWith("PUT ") || r.startsWith("PATCH ")
                            || r.startsWith("DELETE "))
                    .toList();
            assertThat(routes).contains("POST /v1/events", "PUT /v1/prices", "POST /v1/authorize");
            // Bodies are made in order from the seed, then sent from a few threads: the same bodies for a seed, and
            // requests of several clients sharing group commits, as in production.
            List<Callable<Long>> requests = new ArrayList<>();
            for (int i = 0; i < COUNT; i++) {
                String route = routes.get(random.nextInt(routes.size()));
                String method = route.substring(0, route.indexOf(' '));
                String path = route.substring(route.indexOf(' ') + 1).replaceAll("\\{[a-z_]+}", "fuzz" + (i % 7));
                boolean cloudEvent = route.equals("POST /v1/events") && random.nextBoolean();
                List<String> seeds = cloudEvent ? CLOUDEVENT_SEEDS : SEEDS.getOrDefault(route, List.of("{}"));
                String seed = seeds.get(random.nextInt(seeds.size())).replace("ID", "e" + i);
                String contentType = !cloudEvent ? "application/json"
                        : seed.startsWith("[") ? "application/cloudevents-batch+json" : "application/cloudevents+json";
                Mutated body = mutate(seed, random);
                int n = i;
                requests.add(() -> check(base, n, route, method, path, body, contentType));
            }
            long acknowledged = 0;
            ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
            try {
                for (Future<Long> accepted : clients.invokeAll(requests)) {
                    acknowledged += accepted.get();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof AssertionError a) {
                    throw a;
                }
                throw new IllegalStateException(e.getCause());
            } finally {
                clients.shutdownNow();
            }
            assertThat(server.server().store().countEvents()).as("seed " + SEED).isEqualTo(acknowledged);
            long counted = 0;
            for (JsonNode row : json(send(base, "GET", "/v1/usage", null).body()).get("customers")) {
                counted += row.at("/totals/requests").asLong();
            }
            assertThat(counted).as("seed " + SEED + ": usage counts what was acknowledged").isEqualTo(acknowledged);
        }
    }

    /** Sends one body and checks its answer; returns the events it acknowledged. */
    private long check(String base, int i, String route, String method, String path, Mutated body,
                       String contentType) {
        HttpResponse<String> r = send(base, method, path, body.bytes, contentType);
        String what = "seed " + SEED + ", request " + i + ": " + route + " (" + contentType + ") " + body.describe()
                + " -> " + r.statusCode() + " " + abbreviate(r.body());
        assertThat(r.statusCode()).as(what).isLessThan(500);
        assertThat(r.body()).as(what).doesNotContain("Exception").doesNotContain("\tat ")
                .doesNotContain("at dev.tally").doesNotContain("at java.");
        if (body.trailing && SEEDS.containsKey(route)) {
            assertThat(r.statusCode()).as("anything after the JSON value: " + what).isEqualTo(400);
        }
        if (route.equals("POST /v1/events") && r.statusCode() == 200) {
            return json(r.body()).get("accepted").asLong();
        }
        return 0;
    }

    /** A mutated body, and whether it has something after its JSON value. */
    private record Mutated(byte[] bytes, boolean trailing) {
        String describe() {
            String text = new String(bytes, StandardCharsets.UTF_8);
            return abbreviate(text);
        }
    }

    private static Mutated mutate(String seed, Random random) {
        String body = seed;
        byte[] raw = null;
        int rounds = random.nextInt(3);
        for (int r = 0; r < rounds; r++) {
            switch (random.nextInt(11)) {
                case 0, 1 -> body = replaceNumber(body, NUMBERS[random.nextInt(NUMBERS.length)], random);
                case 2 -> body = replaceString(body, hugeOrOdd(random), random);
                case 3 -> body = replaceNumber(body, "\"" + NUMBERS[random.nextInt(NUMBERS.length)] + "\"", random);
                case 4 -> {
                    int depth = 500 + random.nextInt(5000);
                    body = replaceNumber(body, "[".repeat(depth) + "1" + "]".repeat(depth), random);
                }
                case 5 -> body = duplicateKey(body, random);
                case 6 -> body = body.substring(0, random.nextInt(body.length() + 1));
                case 7 -> {
                    int at = random.nextInt(body.length() + 1);
                    body = body.substring(0, at) + STRAY.charAt(random.nextInt(STRAY.length())) + body.substring(at);
                }
                case 8 -> body = replaceNumber(body, random.nextBoolean() ? "null" : "{\"a\":[]}", random);
                case 9 -> raw = invalidUtf8(body, random);
                default -> body = batchOf(body, random);
            }
        }
        // Trailing tokens last, and judged only after one well-formed value: a trailer could complete a cut body.
        if (raw == null && random.nextInt(4) == 0) {
            boolean wellFormed = isOneJsonValue(body);
            return new Mutated(bytes(body + TRAILERS[random.nextInt(TRAILERS.length)]), wellFormed);
        }
        return new Mutated(raw != null ? raw : bytes(body), false);
    }

    private static boolean isOneJsonValue(String body) {
        try {
            return JSON.readTree(body) != null && !body.isBlank();
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Many copies of an event body in one array: sums that overflow within the batch. */
    private static String batchOf(String body, Random random) {
        if (!body.startsWith("{\"id\"")) {
            return body;
        }
        StringBuilder out = new StringBuilder("[");
        int n = 2 + random.nextInt(30);
        for (int i = 0; i < n; i++) {
            out.append(i == 0 ? "" : ",").append(body.replaceFirst("\"id\":\"", "\"id\":\"b" + i + "-"));
        }
        return out.append(']').toString();
    }

    private static String replaceNumber(String body, String replacement, Random random) {
        List<int[]> numbers = new ArrayList<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?<=[:\\[,])-?[0-9][0-9.eE+-]*").matcher(body);
        while (m.find()) {
            numbers.add(new int[]{m.start(), m.end()});
        }
        if (numbers.isEmpty()) {
            return body;
        }
        int[] n = numbers.get(random.nextInt(numbers.size()));
        return body.substring(0, n[0]) + replacement + body.substring(n[1]);
    }

    private static String replaceString(String body, String replacement, Random random) {
        List<int[]> strings = new ArrayList<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"[^\"]*\"").matcher(body);
        while (m.find()) {
            strings.add(new int[]{m.start(), m.end()});
        }
        if (strings.isEmpty()) {
            return body;
        }
        int[] s = strings.get(random.nextInt(strings.size()));
        return body.substring(0, s[0]) + "\"" + replacement + "\"" + body.substring(s[1]);
    }

    private static String hugeOrOdd(Random random) {
        return switch (random.nextInt(5)) {
            case 0 -> "x".repeat(20_000 + random.nextInt(60_000));
            case 1 -> "9".repeat(5_000);
            case 2 -> "\\u0000\\ud800caf\\u00e9\\n\\t";
            case 3 -> "1e999999999";
            default -> "caf\u00e9-d\u00eda-\u2603-\ud83d\ude00";
        };
    }

    private static String duplicateKey(String body, Random random) {
        int brace = body.indexOf('{');
        if (brace < 0) {
            return body;
        }
        String key = random.nextBoolean() ? "\"customer\":\"acme\"," : "\"usage\":{\"input_tokens\":1},";
        String once = body.substring(0, brace + 1) + key + body.substring(brace + 1);
        return once.substring(0, brace + 1) + key + once.substring(brace + 1);
    }

    private static byte[] invalidUtf8(String body, Random random) {
        byte[] text = bytes(body);
        int at = random.nextInt(text.length + 1);
        byte[][] bad = {{(byte) 0xC3, 0x28}, {(byte) 0xFF}, {(byte) 0xE2, (byte) 0x82}, {(byte) 0xF0, (byte) 0x9F},
                {(byte) 0xED, (byte) 0xA0, (byte) 0x80}};
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(text, 0, at);
        out.writeBytes(bad[random.nextInt(bad.length)]);
        out.write(text, at, text.length - at);
        return out.toByteArray();
    }

    private HttpResponse<String> send(String base, String method, String path, byte[] body) {
        return send(base, method, path, body, "application/json");
    }

    private HttpResponse<String> send(String base, String method, String path, byte[] body, String contentType) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + TestServer.ADMIN_KEY)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        if (body != null) {
            b.header("Content-Type", contentType);
        }
        try {
            HttpResponse<String> answer = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            // However odd the input, the answer is one the OpenAPI document describes.
            OpenApiContract.get().check(answer);
            return answer;
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + path + " (seed " + SEED + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode json(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + abbreviate(body), e);
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String abbreviate(String text) {
        return text.length() <= 400 ? text : text.substring(0, 300) + "...(" + text.length() + " chars)..."
                + text.substring(text.length() - 80);
    }
}
