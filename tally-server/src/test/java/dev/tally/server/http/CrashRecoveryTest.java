package dev.tally.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.server.testing.Api;
import dev.tally.server.testing.ServerProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Kills the server process (SIGKILL, no graceful shutdown) while a client is sending batches, restarts it on the same
 * data, and checks that every acknowledged event is stored exactly once, and that resending everything counts
 * nothing twice.
 */
class CrashRecoveryTest {
    private static final String KEY = "crash-admin-key";
    private static final int BATCH = 100;

    @TempDir
    Path dir;

    @Test
    void kill9_duringIngestion_losesNoAcknowledgedEvent_andCountsNoneTwice() throws Exception {
        List<List<String>> sent = new ArrayList<>();
        Set<String> acknowledged = new HashSet<>();
        try (ServerProcess first = ServerProcess.start(dir, KEY)) {
            Api api = new Api("http://127.0.0.1:" + first.port(), KEY);
            assertThat(api.put("/v1/customers/acme", "{\"name\":\"Acme\"}").status()).isEqualTo(201);
            AtomicBoolean killed = new AtomicBoolean();
            CountDownLatch enoughAcknowledged = new CountDownLatch(20);
            Thread client = new Thread(() -> {
                for (int b = 0; !killed.get() && b < 10_000; b++) {
                    List<String> ids = ids(b);
                    synchronized (sent) {
                        sent.add(ids);
                    }
                    try {
                        Api.Response r = api.post("/v1/events", body(ids));
                        if (r.status() == 200 && r.json().get("accepted").asInt() == BATCH) {
                            synchronized (acknowledged) {
                                acknowledged.addAll(ids);
                            }
                            enoughAcknowledged.countDown();
                        }
                    } catch (UncheckedIOException | IllegalStateException e) {
                        return; // the server died under this request: it was never acknowledged
                    }
                }
            });
            client.start();
            enoughAcknowledged.await();
            first.kill();
            killed.set(true);
            client.join();
        }
        assertThat(acknowledged).hasSizeGreaterThanOrEqualTo(20 * BATCH);

        try (ServerProcess second = ServerProcess.start(dir, KEY)) {
            Api api = new Api("http://127.0.0.1:" + second.port(), KEY);
            Map<String, Integer> stored = api.storedEventIds("acme");
            assertThat(stored.keySet()).containsAll(acknowledged);
            assertThat(stored.values()).allMatch(n -> n == 1);
            long totalRequests = api.get("/v1/customers/acme/usage").json().at("/totals/requests").asLong();
            assertThat(totalRequests).isEqualTo(stored.size());
            // The end user and dimension sums (written behind the acknowledgement on SQLite) are rebuilt too.
            assertThat(endUserSums(api)).containsExactly((long) stored.size(), (long) stored.size());

            // Resending every batch, acknowledged or not, completes the set and counts nothing twice.
            for (List<String> ids : sent) {
                assertThat(api.post("/v1/events", body(ids)).status()).isEqualTo(200);
            }
            Map<String, Integer> after = api.storedEventIds("acme");
            assertThat(after).hasSize(sent.size() * BATCH);
            assertThat(after.values()).allMatch(n -> n == 1);
            assertThat(api.get("/v1/customers/acme/usage").json().at("/totals/requests").asLong())
                    .isEqualTo(sent.size() * BATCH);
            assertThat(endUserSums(api)).containsExactly((long) sent.size() * BATCH, (long) sent.size() * BATCH);
        }
    }

    /** The requests summed over every end user, and over every value of the platform dimension. */
    private static List<Long> endUserSums(Api api) {
        long users = 0;
        for (JsonNode u : api.get("/v1/customers/acme/users").json().get("users")) {
            users += u.get("requests").asLong();
        }
        long platforms = 0;
        for (JsonNode p : api.get("/v1/customers/acme/usage").json().at("/by_dimension/platform")) {
            platforms += p.get("requests").asLong();
        }
        return List.of(users, platforms);
    }

    private static List<String> ids(int batch) {
        List<String> ids = new ArrayList<>(BATCH);
        for (int i = 0; i < BATCH; i++) {
            ids.add("crash-" + batch + "-" + i);
        }
        return ids;
    }

    private static String body(List<String> ids) {
        StringBuilder sb = new StringBuilder("[");
        for (String id : ids) {
            sb.append(sb.length() > 1 ? "," : "").append("{\"id\":\"").append(id)
                    .append("\",\"customer\":\"acme\",\"user\":\"u").append(id.hashCode() & 7)
                    .append("\",\"dimensions\":{\"platform\":\"p").append(id.hashCode() & 3)
                    .append("\"},\"usage\":{\"input_tokens\":7}}");
        }
        return sb.append(']').toString();
    }
}
