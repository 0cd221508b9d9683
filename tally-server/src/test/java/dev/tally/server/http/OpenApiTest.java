package dev.tally.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.testing.MutableClock;
import dev.tally.server.testing.Api;
import dev.tally.server.testing.Backend;
import dev.tally.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;

/** Holds the contract-first OpenAPI document against the routes the server really answers, both ways. */
class OpenApiTest {
    @TempDir
    Path dir;

    @Test
    void openApi_documentsEveryRoute_andNothingElse() {
        try (TestServer server = TestServer.start(Backend.SQLITE, dir, MutableClock.at("2026-11-20T12:00:00Z"))) {
            Api.Response r = server.admin().as(null).get("/openapi.json");
            assertThat(r.status()).isEqualTo(200);
            JsonNode paths = r.json().get("paths");
            List<String> documented = new ArrayList<>();
            paths.fields().forEachRemaining(p -> p.getValue().fieldNames().forEachRemaining(method -> {
                if (List.of("get", "put", "post", "delete", "patch").contains(method)) {
                    documented.add(method.toUpperCase(Locale.ROOT) + " " + p.getKey());
                }
            }));
            List<String> served = server.server().routes().stream()
                    .filter(route -> !route.startsWith("BEFORE") && !route.startsWith("AFTER")
                            && !route.startsWith("HEAD") && !route.startsWith("OPTIONS"))
                    .toList();
            assertThat(documented).containsExactlyInAnyOrderElementsOf(served);
        }
    }
}
