package dev.tally.bench;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.event.CloudEventAttributes;
import dev.tally.core.ingest.EventCandidate;
import dev.tally.server.json.CloudEventJson;
import dev.tally.server.json.EventJson;
import dev.tally.server.json.FastEventReader;
import dev.tally.server.json.Json;
import io.cloudevents.CloudEvent;
import io.cloudevents.CloudEventData;
import io.cloudevents.jackson.JsonCloudEventData;
import io.cloudevents.jackson.JsonFormat;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Reading CloudEvents (structured mode) into validated candidates: Tally's own reader against the CloudEvents Java
 * SDK, on the same bytes, for one event and a batch of 1,000 (about 330 KB).
 *
 * <ul>
 *   <li>{@code tally}: what the server does: the server's mapper reads a tree, {@link CloudEventJson#parse} checks the
 *       envelope and reads {@code data} with {@link EventJson}.</li>
 *   <li>{@code sdk}: the SDK's Jackson module reads {@link CloudEvent}s ({@link JsonFormat}; the SDK has no batch
 *       format, so the batch is read as a {@code List<CloudEvent>} through the same module), then each is mapped to
 *       the plain event {@link EventJson} reads: the least a server built on the SDK would do.</li>
 *   <li>{@code sdkDeserializeOnly}: the SDK's reading alone, without validation or mapping.</li>
 *   <li>{@code plain}: the same events sent as plain events, as the server reads them ({@link FastEventReader},
 *       falling back to the tree for a single event): what the CloudEvents envelope costs.</li>
 * </ul>
 *
 * <pre>
 * ./mvnw -o -q -pl tally-bench -am package -DskipTests
 * java -jar tally-bench/target/benchmarks.jar CloudEventParseBenchmark -f 1 -wi 3 -i 5 -w 1s -r 1s -prof gc
 * # the same methods timed by the thread's CPU clock, for a machine too busy for JMH's wall-clock times:
 * java -cp tally-bench/target/benchmarks.jar dev.tally.bench.CloudEventParseBenchmark
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class CloudEventParseBenchmark {
    @Param({"1", "1000"})
    int events;

    private byte[] cloudEvents;
    private byte[] plainEvents;
    private ObjectMapper tally;
    private ObjectMapper sdk;
    private EventJson eventJson;
    private CloudEventJson cloudEventJson;
    private final FastEventReader fast = new FastEventReader();
    private Instant now;

    @Setup
    public void setUp() throws IOException {
        now = Instant.parse("2026-11-22T10:15:00Z");
        tally = Json.mapper();
        eventJson = new EventJson(tally);
        cloudEventJson = new CloudEventJson(eventJson, tally);
        sdk = new ObjectMapper().registerModule(JsonFormat.getCloudEventJacksonModule());
        SplittableRandom random = new SplittableRandom(42);
        ArrayNode plain = tally.createArrayNode();
        ArrayNode wrapped = tally.createArrayNode();
        for (int i = 0; i < events; i++) {
            StringBuilder sb = new StringBuilder();
            EventMix.Call.draw(random).appendJson(sb, "evt_bench_" + i, AdminApi.customerId(random.nextInt(100)),
                    now.minusMillis(i).toString());
            ObjectNode event = (ObjectNode) tally.readTree(sb.toString());
            plain.add(event.deepCopy());
            wrapped.add(asCloudEvent(event));
        }
        JsonNode ceBody = events == 1 ? wrapped.get(0) : wrapped;
        JsonNode plainBody = events == 1 ? plain.get(0) : plain;
        cloudEvents = tally.writeValueAsBytes(ceBody);
        plainEvents = tally.writeValueAsBytes(plainBody);
    }

    /** The plain event as a CloudEvent: id, subject and time from the event, its other fields as data. */
    private ObjectNode asCloudEvent(ObjectNode event) {
        ObjectNode ce = tally.createObjectNode();
        ce.put("specversion", "1.0");
        ce.set("id", event.remove("id"));
        ce.put("source", "//chat.example.com/api");
        ce.put("type", "com.example.api.call");
        ce.set("subject", event.remove("customer"));
        ce.set("time", event.remove("timestamp"));
        ce.put("datacontenttype", "application/json");
        ce.put("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        ce.set("data", event);
        return ce;
    }

    @Benchmark
    public List<EventCandidate> tally() throws IOException {
        JsonNode body = tally.readTree(cloudEvents);
        if (body.isObject()) {
            return List.of(cloudEventJson.parse(0, body, now));
        }
        List<EventCandidate> out = new ArrayList<>(body.size());
        for (int i = 0; i < body.size(); i++) {
            out.add(cloudEventJson.parse(i, body.get(i), now));
        }
        return out;
    }

    @Benchmark
    public List<EventCandidate> sdk() throws IOException {
        List<CloudEvent> read = sdkDeserializeOnly();
        List<EventCandidate> out = new ArrayList<>(read.size());
        for (int i = 0; i < read.size(); i++) {
            out.add(candidateOf(i, read.get(i)));
        }
        return out;
    }

    @Benchmark
    public List<CloudEvent> sdkDeserializeOnly() throws IOException {
        if (events == 1) {
            return List.of(sdk.readValue(cloudEvents, CloudEvent.class));
        }
        return sdk.readValue(cloudEvents, new TypeReference<List<CloudEvent>>() { });
    }

    @Benchmark
    public List<EventCandidate> plain() throws IOException {
        List<EventCandidate> read = fast.read(plainEvents, now, EventJson.MAX_BATCH);
        if (read != null) {
            return read;
        }
        List<JsonNode> items = EventJson.items(tally.readTree(plainEvents));
        List<EventCandidate> out = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            out.add(eventJson.parse(i, items.get(i), now));
        }
        return out;
    }

    /** What a server built on the SDK would do with one event: its data as a plain event, plus the context. */
    private EventCandidate candidateOf(int index, CloudEvent e) throws IOException {
        CloudEventData data = e.getData();
        JsonNode node = data instanceof JsonCloudEventData json ? json.getNode()
                : data == null ? tally.createObjectNode() : tally.readTree(data.toBytes());
        ObjectNode plain = ((ObjectNode) node).deepCopy();
        plain.put("id", e.getId());
        plain.put("customer", e.getSubject());
        if (e.getTime() != null) {
            plain.put("timestamp", e.getTime().toString());
        }
        EventCandidate parsed = eventJson.parse(index, plain, now);
        ObjectNode attributes = tally.createObjectNode();
        for (String name : e.getExtensionNames()) {
            attributes.putPOJO(name, e.getExtension(name));
        }
        return parsed.event() == null ? parsed : EventCandidate.valid(index, e.getId(), parsed.event().withCloudEvent(
                new CloudEventAttributes(e.getSource().toString(), e.getType(), attributes.toString())));
    }

    /** One benchmark method, as {@link #main} calls it. */
    private interface Op {
        Object run() throws IOException;
    }

    /**
     * Times each method by the calling thread's CPU clock, interleaved in rounds, and prints the median round: on a
     * machine shared with builds, wall-clock times mostly measure the other processes, CPU time much less so (the
     * collector's threads are not counted: see the allocation figures of {@code -prof gc}).
     */
    public static void main(String[] args) throws IOException {
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        for (int events : new int[] {1, 1000}) {
            CloudEventParseBenchmark b = new CloudEventParseBenchmark();
            b.events = events;
            b.setUp();
            Map<String, Op> ops = new LinkedHashMap<>();
            ops.put("tally", b::tally);
            ops.put("sdk", b::sdk);
            ops.put("sdkDeserializeOnly", b::sdkDeserializeOnly);
            ops.put("plain", b::plain);
            int calls = events == 1 ? 20_000 : 40;
            int rounds = 15;
            int warmUp = 5;
            Map<String, long[]> nanos = new LinkedHashMap<>();
            ops.keySet().forEach(name -> nanos.put(name, new long[rounds]));
            for (int round = -warmUp; round < rounds; round++) {
                for (Map.Entry<String, Op> op : ops.entrySet()) {
                    long start = cpu.getCurrentThreadCpuTime();
                    for (int i = 0; i < calls; i++) {
                        if (op.getValue().run() == null) {
                            throw new IllegalStateException(op.getKey() + " returned null");
                        }
                    }
                    if (round >= 0) {
                        nanos.get(op.getKey())[round] = (cpu.getCurrentThreadCpuTime() - start) / calls;
                    }
                }
            }
            for (Map.Entry<String, long[]> e : nanos.entrySet()) {
                long[] sorted = e.getValue().clone();
                Arrays.sort(sorted);
                System.out.printf("events=%d %-20s median %,10.1f us CPU per call (rounds %,.1f to %,.1f)%n", events,
                        e.getKey(), sorted[rounds / 2] / 1000.0, sorted[0] / 1000.0, sorted[rounds - 1] / 1000.0);
            }
        }
    }
}
