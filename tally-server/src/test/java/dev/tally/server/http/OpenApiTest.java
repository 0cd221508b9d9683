package dev.tally.server.http;

import dev.tally.core.testing.MutableClock;
import dev.tally.server.testing.Api;
import dev.tally.server.testing.Backend;
import dev.tally.server.testing.OpenApiContract;
import dev.tally.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Holds the contract-first OpenAPI document against the server: the routes it really serves, both ways, and the
 * answers Javalin gives on its own (HEAD, unknown paths and methods). Every answer of every HTTP test is also
 * validated against the document by {@link OpenApiContract}; the last tests show that validator catching drift.
 */
class OpenApiTest {
    private static final OpenApiContract CONTRACT = OpenApiContract.get();

    @TempDir
    Path dir;

    @Test
    void routes_sameAsTheDocumentsOperations_andHeadOnEveryGet() {
        try (TestServer server = TestServer.start(Backend.SQLITE, dir, MutableClock.at("2026-11-20T12:00:00Z"))) {
            Set<String> served = server.server().routes().stream()
                    .filter(route -> !route.startsWith("BEFORE") && !route.startsWith("AFTER"))
                    .collect(Collectors.toCollection(TreeSet::new));
            Set<String> documented = new TreeSet<>(CONTRACT.operations());
            // The document states once that HEAD answers like GET; the server must really route it so.
            documented.stream().filter(op -> op.startsWith("GET ")).toList()
                    .forEach(get -> documented.add("HEAD " + get.substring(4)));
            assertThat(served).containsExactlyInAnyOrderElementsOf(documented);
        }
    }

    @Test
    void openApiJson_servesTheDocument() {
        try (TestServer server = TestServer.start(Backend.SQLITE, dir, MutableClock.at("2026-11-20T12:00:00Z"))) {
            Api.Response r = server.admin().as(null).get("/openapi.json");
            assertThat(r.status()).isEqualTo(200);
            List<String> served = new ArrayList<>();
            r.json().get("paths").fieldNames().forEachRemaining(served::add);
            List<String> documented = new ArrayList<>();
            CONTRACT.document().get("paths").fieldNames().forEachRemaining(documented::add);
            assertThat(served).isEqualTo(documented);
        }
    }

    @Test
    void head_withoutKey_isRefusedLikeGet_onEveryV1Route() {
        try (TestServer server = TestServer.start(Backend.SQLITE, dir, MutableClock.at("2026-11-20T12:00:00Z"))) {
            Api anonymous = server.admin().as(null);
            List<String> paths = CONTRACT.operations().stream().filter(op -> op.startsWith("GET /v1/"))
                    .map(op -> op.substring(4).replaceAll("\\{[^}]+}", "acme")).toList();
            assertThat(paths).hasSizeGreaterThan(20);
            for (String path : paths) {
                Api.Response get = anonymous.get(path);
                Api.Response head = anonymous.send("HEAD", path, null);
                assertThat(get.status()).as("GET " + path).isEqualTo(401);
                assertThat(head.status()).as("HEAD " + path).isEqualTo(401);
                assertThat(head.body()).as("HEAD " + path).isEmpty();
            }
        }
    }

    @Test
    void head_withKey_answersLikeGet_withoutBody() {
        try (TestServer server = TestServer.start(Backend.SQLITE, dir, MutableClock.at("2026-11-20T12:00:00Z"))) {
            Api admin = server.admin();
            assertThat(admin.put("/v1/customers/acme", "{\"name\":\"Acme\"}").status()).isEqualTo(201);
            Api.Response head = admin.send("HEAD", "/v1/customers/acme/usage", null);
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.body()).isEmpty();
            assertThat(admin.send("HEAD", "/v1/customers/nobody", null).status()).isEqualTo(404);
        }
    }

    @Test
    void unknownPathAndMethod_areDocumentedProblems() {
        try (TestServer server = TestServer.start(Backend.SQLITE, dir, MutableClock.at("2026-11-20T12:00:00Z"))) {
            Api admin = server.admin();
            Api.Response missing = admin.get("/v2/nothing");
            assertThat(missing.status()).isEqualTo(404);
            assertThat(missing.json().get("type").asText()).isEqualTo("https://tally.dev/problems/not-found");
            Api.Response method = admin.send("PATCH", "/v1/plans/pro", "{}");
            assertThat(method.status()).isEqualTo(405);
            assertThat(method.contentType()).startsWith("application/problem+json");
            assertThat(method.json().get("type").asText())
                    .isEqualTo("https://tally.dev/problems/method-not-allowed");
        }
    }

    @Test
    void contract_answerWithNullFilters_passes() {
        String plan = "{\"id\":\"pro\",\"name\":\"Pro\",\"failure_policy\":null,\"limits\":[{\"name\":\"requests-month\","
                + "\"metric\":\"requests\",\"window\":\"month\",\"amount\":100,\"mode\":\"hard\",\"provider\":null,"
                + "\"model\":null,\"endpoint\":null,\"thresholds\":[50,80,100]}]}";
        assertThatCode(() -> CONTRACT.check("GET", "/v1/plans/pro", 200, "application/json", plan))
                .doesNotThrowAnyException();
    }

    @Test
    void contract_undocumentedField_fails() {
        String plan = "{\"id\":\"pro\",\"name\":\"Pro\",\"failure_policy\":null,\"limits\":[],\"colour\":\"red\"}";
        assertThatThrownBy(() -> CONTRACT.check("GET", "/v1/plans/pro", 200, "application/json", plan))
                .isInstanceOf(AssertionError.class).hasMessageContaining("GET /v1/plans/pro -> 200")
                .hasMessageContaining("colour");
    }

    @Test
    void contract_undocumentedStatusTypeOrProblem_fails() {
        String teapot = "{\"type\":\"https://tally.dev/problems/teapot\",\"title\":\"Teapot\",\"status\":418,"
                + "\"detail\":\"short and stout\",\"errors\":[]}";
        assertThatThrownBy(() -> CONTRACT.check("GET", "/v1/plans/pro", 418, "application/problem+json", teapot))
                .isInstanceOf(AssertionError.class).hasMessageContaining("status 418 is not documented");
        assertThatThrownBy(() -> CONTRACT.check("GET", "/v1/plans/pro", 404, "application/problem+json", teapot))
                .isInstanceOf(AssertionError.class).hasMessageContaining("/type");
        assertThatThrownBy(() -> CONTRACT.check("GET", "/v1/plans/pro", 200, "text/html", "<p>pro</p>"))
                .isInstanceOf(AssertionError.class).hasMessageContaining("content type 'text/html'");
        assertThatThrownBy(() -> CONTRACT.check("GET", "/nowhere", 200, "text/plain", "hello"))
                .isInstanceOf(AssertionError.class).hasMessageContaining("not in openapi.yaml");
        assertThatThrownBy(() -> CONTRACT.check("GET", "/", 303, "text/plain", "Redirected"))
                .isInstanceOf(AssertionError.class).hasMessageContaining("no body");
    }

    @Test
    void contract_missingRequiredHeader_fails() {
        assertThatThrownBy(() -> CONTRACT.check("GET", "/", 303, "text/plain", "", name -> Optional.empty()))
                .isInstanceOf(AssertionError.class).hasMessageContaining("required header Location");
        assertThatCode(() -> CONTRACT.check("GET", "/", 303, "text/plain", "",
                name -> name.equals("Location") ? Optional.of("/signin") : Optional.empty()))
                .doesNotThrowAnyException();
    }

    @Test
    void contract_everyResponseSchema_loads() {
        List<String[]> answers = new ArrayList<>();
        CONTRACT.document().get("paths").fields().forEachRemaining(p -> p.getValue().fields().forEachRemaining(op -> {
            if (op.getValue().has("responses")) {
                op.getValue().get("responses").fieldNames().forEachRemaining(code -> answers.add(new String[] {
                        op.getKey().toUpperCase(Locale.ROOT), p.getKey().replaceAll("\\{[^}]+}", "x"), code}));
            }
        }));
        assertThat(answers).hasSizeGreaterThan(100);
        // A broken $ref or schema would only show when some test happens to get that answer: load them all now.
        for (String[] a : answers) {
            try {
                CONTRACT.check(a[0], a[1], Integer.parseInt(a[2]), "application/json", "{}");
            } catch (AssertionError mismatch) {
                assertThat(mismatch.getMessage()).as(String.join(" ", a)).doesNotContain("has nothing at");
            }
        }
    }
}
