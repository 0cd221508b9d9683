package dev.tally.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tally.core.ingest.EventCandidate;
import dev.tally.server.json.EventJson;
import dev.tally.server.json.FastEventReader;
import dev.tally.server.json.Json;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Reading a {@code POST /v1/events} body of 1,000 events (about 300 KB) as the server does: a Jackson tree with
 * the server's mapper ({@link Json#mapper()}: exact decimals, duplicate-key detection), then
 * {@link EventJson#parse} of every item into a validated candidate ({@code tallyParse}).
 *
 * <p>Baselines on the same bytes: {@code plainReadTree}, a default {@link ObjectMapper}'s {@code readTree} (what
 * any Jackson-based server pays at least), and {@code tallyMapperReadTree}, the server's mapper's tree alone, so
 * the difference to {@code tallyParse} is the validation and conversion of {@link EventJson}.
 *
 * <p>{@code tallyFastRead} is what the server does first with such a body: {@link FastEventReader} reads the same
 * candidates straight from the bytes, without a tree ({@code -prof gc} gives its allocation per body of 1,000).
 *
 * <pre>
 * ./mvnw -o -q -pl tally-bench -am package -DskipTests
 * java -jar tally-bench/target/benchmarks.jar EventJsonBenchmark -f 1 -wi 3 -i 5 -w 1s -r 1s
 * java -jar tally-bench/target/benchmarks.jar EventJsonBenchmark.tallyFastRead -f 1 -wi 3 -i 5 -w 1s -r 1s -prof gc
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class EventJsonBenchmark {
    private byte[] body;
    private ObjectMapper plain;
    private ObjectMapper tally;
    private EventJson eventJson;
    private FastEventReader fastReader;
    private Instant now;

    @Setup
    public void setUp() {
        now = Instant.parse("2026-11-22T10:15:00Z");
        SplittableRandom random = new SplittableRandom(42);
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < 1000; i++) {
            if (i > 0) {
                sb.append(',');
            }
            EventMix.Call.draw(random).appendJson(sb, "evt_bench_" + i, AdminApi.customerId(random.nextInt(100)),
                    now.minusMillis(i).toString());
        }
        body = sb.append(']').toString().getBytes(StandardCharsets.UTF_8);
        plain = new ObjectMapper();
        tally = Json.mapper();
        eventJson = new EventJson(tally);
        fastReader = new FastEventReader();
        if (fastReader.read(body, now, 1000) == null) {
            throw new IllegalStateException("the benchmark body is not one the fast reader takes");
        }
    }

    @Benchmark
    public List<EventCandidate> tallyFastRead() {
        return fastReader.read(body, now, 1000);
    }

    @Benchmark
    public JsonNode plainReadTree() throws IOException {
        return plain.readTree(body);
    }

    @Benchmark
    public JsonNode tallyMapperReadTree() throws IOException {
        return tally.readTree(body);
    }

    @Benchmark
    public List<EventCandidate> tallyParse() throws IOException {
        List<JsonNode> items = EventJson.items(tally.readTree(body));
        List<EventCandidate> candidates = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            candidates.add(eventJson.parse(i, items.get(i), now));
        }
        return candidates;
    }
}
