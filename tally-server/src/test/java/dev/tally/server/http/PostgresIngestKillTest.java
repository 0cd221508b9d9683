package dev.tally.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.server.testing.Api;
import dev.tally.server.testing.Await;
import dev.tally.server.testing.Backend;
import dev.tally.server.testing.ServerProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 12, point 5: two nodes (separate processes) ingest into one PostgreSQL schema, where rollups are written
 * behind the acknowledgement from a queue in the database. Both are sent the same batches (so every id reaches both
 * nodes); one is killed with SIGKILL mid-way while the other keeps writing. Every acknowledged event is then stored
 * once and counted once (the survivor reads and rolls up what the killed node queued), and resending everything
 * through the survivor counts nothing twice.
 */
class PostgresIngestKillTest {
    private static final String KEY = "pg-kill-admin-key";
    private static final int BATCH = 100;

    @TempDir
    Path dir;

    @Test
    void kill9_ofOneOfTwoWritingNodes_losesNoAcknowledgedEvent_andCountsNoneTwice() throws Exception {
        Map<String, String> env = Map.of("TALLY_DATABASE_URL", Backend.POSTGRES.freshUrl(dir));
        List<List<String>> sent = new ArrayList<>();
        Set<String> acknowledged = new HashSet<>();
        try (ServerProcess doomed = ServerProcess.start(Files.createDirectories(dir.resolve("a")), KEY, env);
             ServerProcess survivor = ServerProcess.start(Files.createDirectories(dir.resolve("b")), KEY, env)) {
            Api a = new Api("http://127.0.0.1:" + doomed.port(), KEY);
            Api b = new Api("http://127.0.0.1:" + survivor.port(), KEY);
            assertThat(a.put("/v1/customers/acme", "{\"name\":\"Acme\"}").status()).isEqualTo(201);
            Await.within(Duration.ofSeconds(5), "node b knows acme",
                    () -> b.get("/v1/customers/acme").status() == 200);

            AtomicBoolean killed = new AtomicBoolean();
            AtomicBoolean done = new AtomicBoolean();
            CountDownLatch doomedAcknowledged = new CountDownLatch(15);
            Thread toDoomed = client(a, sent, acknowledged, killed, doomedAcknowledged);
            Thread toSurvivor = client(b, sent, acknowledged, done, new CountDownLatch(0));
            toDoomed.start();
            toSurvivor.start();
            doomedAcknowledged.await();
            doomed.kill();
            killed.set(true);
            toDoomed.join();
            int atKill = size(acknowledged);
            Await.within(Duration.ofSeconds(60), "the survivor acknowledges 15 batches more",
                    () -> size(acknowledged) >= atKill + 15 * BATCH);
            done.set(true);
            toSurvivor.join();
            assertThat(acknowledged).hasSizeGreaterThanOrEqualTo(15 * BATCH);

            Map<String, Integer> stored = b.storedEventIds("acme");
            assertThat(stored.keySet()).containsAll(acknowledged);
            assertThat(stored.values()).as("each id stored once across the nodes").allMatch(n -> n == 1);
            assertThat(totalRequests(b)).as("the usage counts exactly the stored events").isEqualTo(stored.size());

            // Resending every batch, acknowledged or not, through the survivor counts nothing twice.
            Set<String> all = new HashSet<>();
            for (List<String> ids : sent) {
                assertThat(b.post("/v1/events", body(ids)).status()).isEqualTo(200);
                all.addAll(ids);
            }
            Map<String, Integer> after = b.storedEventIds("acme");
            assertThat(after).hasSize(all.size());
            assertThat(after.values()).allMatch(n -> n == 1);
            assertThat(totalRequests(b)).isEqualTo(all.size());
            // And once the survivor's roller has written everything to the rollup tables, the same.
            Await.within(Duration.ofSeconds(30), "the queue rolled up",
                    () -> b.get("/metrics").body().lines().anyMatch(l -> l.startsWith("tally_rollup_lag_seconds")
                            && l.trim().endsWith(" 0.0")));
            assertThat(totalRequests(b)).isEqualTo(all.size());
        }
    }

    /**
     * A client sending batch after batch until stopped, the same batches in the same order as the other client (so
     * every id goes to both nodes, and they race for it); each batch the node says it holds whole (accepted now or
     * before) counts down {@code progress}.
     */
    private static Thread client(Api api, List<List<String>> sent, Set<String> acknowledged, AtomicBoolean stop,
                                 CountDownLatch progress) {
        return new Thread(() -> {
            for (int n = 0; !stop.get() && !Thread.currentThread().isInterrupted() && n < 100_000; n++) {
                List<String> ids = ids(n);
                synchronized (sent) {
                    sent.add(ids);
                }
                try {
                    Api.Response r = api.post("/v1/events", body(ids));
                    if (r.status() == 200) {
                        JsonNode answer = r.json();
                        if (answer.get("accepted").asInt() + answer.get("duplicates").asInt() == BATCH) {
                            synchronized (acknowledged) {
                                acknowledged.addAll(ids);
                            }
                            progress.countDown();
                        }
                    }
                } catch (UncheckedIOException | IllegalStateException e) {
                    return; // the node died under this request: it was never acknowledged
                }
            }
        });
    }

    private static int size(Set<String> acknowledged) {
        synchronized (acknowledged) {
            return acknowledged.size();
        }
    }

    private static long totalRequests(Api api) {
        return api.get("/v1/customers/acme/usage").json().at("/totals/requests").asLong();
    }

    private static List<String> ids(int batch) {
        List<String> ids = new ArrayList<>(BATCH);
        for (int i = 0; i < BATCH; i++) {
            ids.add("pgkill-" + batch + "-" + i);
        }
        return ids;
    }

    private static String body(List<String> ids) {
        StringBuilder sb = new StringBuilder("[");
        for (String id : ids) {
            sb.append(sb.length() > 1 ? "," : "").append("{\"id\":\"").append(id)
                    .append("\",\"customer\":\"acme\",\"usage\":{\"input_tokens\":7}}");
        }
        return sb.append(']').toString();
    }
}
