package dev.tally.server.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.ingest.EventCandidate;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fast reader against the tree path ({@link EventJson}) on random batches: where it answers, it answers what the
 * tree path does, and it answers every plain valid batch.
 */
class FastEventReaderTest {
    private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");
    private final ObjectMapper mapper = Json.mapper();
    private final EventJson tree = new EventJson(mapper);
    private final FastEventReader fast = new FastEventReader();

    @Test
    void read_randomPlainValidBatches_answersExactlyWhatTheTreePathDoes() throws Exception {
        Random random = new Random(11);
        for (int round = 0; round < 2_000; round++) {
            String body = batch(random, false);
            List<EventCandidate> expected = treeCandidates(body);
            List<EventCandidate> actual = fast.read(bytes(body), NOW, EventJson.MAX_BATCH);

            assertThat(expected).as(body).allMatch(c -> c.errors().isEmpty());
            assertThat(actual).as(body).isNotNull();
            assertSame(actual, expected, body);
        }
    }

    @Test
    void read_randomBatchesWithFlaws_answersNothingOrWhatTheTreePathDoes() throws Exception {
        Random random = new Random(12);
        int declined = 0;
        for (int round = 0; round < 2_000; round++) {
            String body = batch(random, true);
            List<EventCandidate> actual = fast.read(bytes(body), NOW, EventJson.MAX_BATCH);
            List<EventCandidate> expected;
            try {
                expected = treeCandidates(body);
            } catch (Exception e) {
                assertThat(actual).as("tree path refuses %s: %s", body, e.getMessage()).isNull();
                declined++;
                continue;
            }
            if (expected.stream().anyMatch(c -> !c.errors().isEmpty())) {
                assertThat(actual).as(body).isNull();
                declined++;
            } else if (actual == null) {
                declined++;
            } else {
                assertSame(actual, expected, body);
            }
        }
        assertThat(declined).as("flawed batches the fast reader left to the tree path").isGreaterThan(500);
    }

    @Test
    void read_shapesItDoesNotTake_areLeftToTheTreePath() {
        for (String body : List.of("", "{}", "[]", "{\"events\":[]}", "{\"id\":\"e\",\"customer\":\"acme\"} {}",
                "{\"id\":\"e\",\"customer\":\"acme\",\"events\":[]}", "{\"id\":\"e\"}",
                "{\"events\":[{\"customer\":\"acme\"}],\"x\":1}", "[{\"customer\":\"acme\"}] [1]",
                "[{\"customer\":\"acme\",\"metadata\":{\"a\":1}}]", "[{\"customer\":\"acme\"},]", "[1]",
                "[{\"customer\":\"acme\",\"customer\":\"acme\"}]",
                "[{\"customer\":\"acme\",\"usage\":{\"input_tokens\":1,\"input_tokens\":2}}]")) {
            assertThat(fast.read(bytes(body), NOW, EventJson.MAX_BATCH)).as(body).isNull();
        }
        assertThat(fast.read(bytes("[{\"customer\":\"a\"},{\"customer\":\"b\"}]"), NOW, 1)).isNull();
    }

    private List<EventCandidate> treeCandidates(String body) throws Exception {
        JsonNode node = mapper.readTree(body);
        List<JsonNode> items = EventJson.items(node);
        List<EventCandidate> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            out.add(tree.parse(i, items.get(i), NOW));
        }
        return out;
    }

    private static void assertSame(List<EventCandidate> actual, List<EventCandidate> expected, String body) {
        assertThat(actual).as(body).hasSameSizeAs(expected);
        for (int i = 0; i < actual.size(); i++) {
            EventCandidate a = actual.get(i);
            EventCandidate e = expected.get(i);
            assertThat(a.index()).isEqualTo(e.index());
            assertThat(a.id()).as(body).isEqualTo(e.id());
            assertThat(a.errors()).isEmpty();
            // Generated ids differ from run to run; everything else must be equal.
            assertThat(withoutGeneratedId(a)).as(body).isEqualTo(withoutGeneratedId(e));
        }
    }

    private static UsageEvent withoutGeneratedId(EventCandidate c) {
        UsageEvent e = c.event();
        return new UsageEvent(c.id() == null ? "generated" : e.id(), e.customerId(), e.timestamp(), e.provider(),
                e.model(), e.endpoint(), e.method(), e.status(), e.latencyMs(), e.user(), e.usageMicros(),
                e.costOverride(), e.reservation(), e.metadataJson());
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * A random batch body: an array, {@code {"events": [...]}}, or one event alone (the single-event shape); with
     * {@code flaws}, some fields get wrong types, values or names.
     */
    private static String batch(Random r, boolean flaws) {
        int n = 1 + r.nextInt(5);
        List<String> events = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            events.add(event(r, flaws && r.nextInt(3) == 0));
        }
        String array = "[" + String.join(",", events) + "]";
        return switch (r.nextInt(3)) {
            case 0 -> array;
            case 1 -> "{\"events\": " + array + "}";
            default -> events.get(0);
        };
    }

    private static String event(Random r, boolean flawed) {
        List<String> fields = new ArrayList<>();
        maybe(r, fields, "id", "\"evt_" + r.nextInt(1_000_000) + "\"");
        fields.add("\"customer\": \"" + pick(r, "acme", "globex", "c-1") + "\"");
        maybe(r, fields, "timestamp", pick(r, "\"2026-11-22T09:59:00Z\"", "\"2026-11-22T10:59:00.123+01:00\"",
                "null"));
        maybe(r, fields, "provider", pick(r, "\"openai\"", "\"anthropic\"", "null"));
        maybe(r, fields, "model", "\"gpt-4o\"");
        maybe(r, fields, "endpoint", "\"/v1/chat\"");
        maybe(r, fields, "method", "\"POST\"");
        maybe(r, fields, "status", pick(r, "200", "429", "500", "100", "599"));
        maybe(r, fields, "latency_ms", pick(r, "0", "15", "86400000", "1234"));
        maybe(r, fields, "user", "\"u-" + r.nextInt(100) + "\"");
        maybe(r, fields, "usage", pick(r, "{}", "{\"input_tokens\": 800, \"output_tokens\": 0}",
                "{\"seconds\": 1.500000, \"characters\": 12}", "{\"compute_units\": 0.25, \"input_tokens\": 5}",
                "{\"seconds\": 2.0}", "null"));
        maybe(r, fields, "cost", pick(r, "\"0.0125\"", "\"3\"", "null"));
        maybe(r, fields, "reservation", "\"rsv_x\"");
        if (flawed) {
            int at = r.nextInt(fields.size() + 1);
            fields.add(at, pick(r, "\"status\": 200.0", "\"status\": 99", "\"status\": \"200\"", "\"latency_ms\": -1",
                    "\"usage\": {\"tokens\": 5}", "\"usage\": {\"Input\": 5}", "\"usage\": {\"input_tokens\": 1.5}",
                    "\"usage\": {\"input_tokens\": -1}", "\"usage\": {\"seconds\": 0.0000001}", "\"cost\": 1.5",
                    "\"cost\": \"abc\"", "\"timestamp\": \"yesterday\"", "\"extra\": 1", "\"provider\": \"\"",
                    "\"metadata\": {\"k\": \"v\"}", "\"customer\": null", "\"usage\": [1]",
                    "\"model\": \"" + "m".repeat(300) + "\"", "\"status\": 99999999999999999999999"));
        }
        return "{" + String.join(", ", fields) + "}";
    }

    private static void maybe(Random r, List<String> fields, String name, String value) {
        if (r.nextInt(3) != 0) {
            fields.add("\"" + name + "\": " + value);
        }
    }

    private static String pick(Random r, String... options) {
        return options[r.nextInt(options.length)];
    }
}
