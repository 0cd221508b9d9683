package dev.tally.server.demo;

import dev.tally.server.testing.Api;
import dev.tally.server.testing.Await;
import dev.tally.server.testing.ServerProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 15.2: the demo's simulated traffic writes into the demo's customers only. The tour's own customer, created
 * while the demo runs, keeps exactly the one request it was sent, also after the demo restarts on the same data (when
 * the store holds the user's customer beside the demo's). The real {@code tally demo} in its own JVM.
 */
class DemoTrafficTest {
    private static final String KEY = "demo-test-admin-key";

    @TempDir
    Path dir;

    @Test
    void demo_restartWithAUserCustomer_simulatesTrafficForDemoCustomersOnly() throws Exception {
        try (ServerProcess first = ServerProcess.start(dir, KEY, "demo", "--backfill-days", "0", "--rate", "50")) {
            Api api = api(first);
            assertThat(api.put("/v1/customers/bluebird", "{\"name\":\"Bluebird\"}").status()).isEqualTo(201);
            assertThat(api.post("/v1/events", "{\"id\":\"bluebird-1\",\"customer\":\"bluebird\","
                    + "\"provider\":\"openai\",\"usage\":{\"input_tokens\":520000}}").status()).isEqualTo(200);
            awaitDemoTraffic(api, 1);
        }
        try (ServerProcess second = ServerProcess.start(dir, KEY, "demo", "--backfill-days", "0", "--rate", "50")) {
            Api api = api(second);
            long acmeBefore = requests(api, "acme");
            // Enough simulated calls after the restart that, spread by weight, bluebird would have had its share.
            awaitDemoTraffic(api, acmeBefore + 40);
            assertThat(requests(api, "bluebird")).as("the user's customer got no simulated call").isEqualTo(1);
            assertThat(api.get("/v1/customers/bluebird/usage").json().at("/totals/input_tokens").asLong())
                    .isEqualTo(520_000L);
        }
    }

    private static Api api(ServerProcess server) {
        return new Api("http://127.0.0.1:" + server.port(), KEY);
    }

    private static void awaitDemoTraffic(Api api, long acmeRequests) {
        Await.within(Duration.ofSeconds(60), "acme reaches " + acmeRequests + " requests",
                () -> requests(api, "acme") >= acmeRequests);
    }

    private static long requests(Api api, String customer) {
        return api.get("/v1/customers/" + customer + "/usage").json().at("/totals/requests").asLong();
    }
}
