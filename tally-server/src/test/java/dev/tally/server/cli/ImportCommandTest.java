package dev.tally.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.testing.MutableClock;
import dev.tally.server.testing.Api;
import dev.tally.server.testing.Backend;
import dev.tally.server.testing.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code tally import} against a real server: summaries, rejections by line, duplicates and what gets counted. */
class ImportCommandTest {
    @TempDir
    Path dir;
    private TestServer server;
    private Api api;
    private Cli cli;

    @BeforeEach
    void start() throws IOException {
        // The store gets its own folder, apart from the files the tests import.
        server = TestServer.start(Backend.SQLITE, Files.createDirectory(dir.resolve("server")),
                MutableClock.at(Seed.NOW));
        api = server.admin();
        Seed.catalog(api);
        cli = new Cli().env(Map.of("TALLY_URL", "http://127.0.0.1:" + server.port(),
                "TALLY_KEY", TestServer.ADMIN_KEY));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private static String event(String id, String usage) {
        return """
                {"id":"%s","customer":"acme","timestamp":"2026-11-05T10:00:00Z","provider":"openai","model":"gpt-4",\
                "usage":%s}""".formatted(id, usage);
    }

    private Path file(String name, String... lines) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
        return file;
    }

    private JsonNode totals() {
        return api.get("/v1/customers/acme/usage").json().get("totals");
    }

    @ParameterizedTest(name = "batch size {0}")
    @ValueSource(ints = {1, 2, 1000})
    void import_mixedFile_reportsEachRejectionByLineAndCountsOnlyAccepted(int batchSize) throws IOException {
        Path file = file("events.jsonl",
                event("i1", "{\"output_tokens\":1000}"),
                event("i2", "{\"output_tokens\":2000}"),
                "",
                event("i1", "{\"output_tokens\":1000}"),
                event("i3", "{\"input_tokens\":-5}"),
                "this is not json",
                event("i4", "{\"output_tokens\":500}"));

        Cli.Result r = cli.run("import", file.toString(), "--batch-size", Integer.toString(batchSize));

        assertThat(r.out()).as(r.toString()).isEqualTo("""
                line 5: usage.input_tokens: must be >= 0, was -5
                line 6: is not valid JSON at column 1: unrecognized token 'this': was expecting a JSON value
                imported %s: 3 accepted, 1 duplicate, 2 rejected
                """.formatted(file));
        assertThat(r.exitCode()).isEqualTo(1);
        JsonNode totals = totals();
        assertThat(totals.get("requests").asLong()).isEqualTo(3);
        assertThat(totals.get("tokens").asLong()).isEqualTo(3500);
        assertThat(totals.get("cost").asText()).isEqualTo("0.21");
    }

    @ParameterizedTest(name = "batch size {0}")
    @ValueSource(ints = {1, 2})
    void import_batchWithNoValidEvent_rejectsEachByLineAndGoesOn(int batchSize) throws IOException {
        // With batch size 2 the first batch holds only invalid events: the server answers 400 for all of it.
        Path file = file("bad-first.jsonl",
                "{\"id\":\"x1\",\"customer\":\"nobody\",\"timestamp\":\"2026-11-05T10:00:00Z\"}",
                event("x2", "{\"input_tokens\":-5}"),
                event("x3", "{\"output_tokens\":100}"));

        Cli.Result r = cli.run("import", file.toString(), "--batch-size", Integer.toString(batchSize));

        assertThat(r.out()).as(r.toString()).isEqualTo("""
                line 1: customer: must name an existing customer, 'nobody' does not exist
                line 2: usage.input_tokens: must be >= 0, was -5
                imported %s: 1 accepted, 0 duplicates, 2 rejected
                """.formatted(file));
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(totals().get("requests").asLong()).isEqualTo(1);
    }

    @Test
    void import_sameFileTwice_secondTimeOnlyDuplicatesAndTotalsUnchanged() throws IOException {
        Path file = file("valid.jsonl",
                event("v1", "{\"output_tokens\":1000}"),
                event("v2", "{\"output_tokens\":1000}"),
                event("v3", "{\"output_tokens\":1000}"));

        Cli.Result first = cli.run("import", file.toString());
        Cli.Result second = cli.run("import", file.toString());

        assertThat(first.out()).isEqualTo("imported " + file + ": 3 accepted, 0 duplicates, 0 rejected\n");
        assertThat(first.exitCode()).isZero();
        assertThat(second.out()).isEqualTo("imported " + file + ": 0 accepted, 3 duplicates, 0 rejected\n");
        assertThat(second.exitCode()).isZero();
        assertThat(totals().get("requests").asLong()).isEqualTo(3);
    }

    @Test
    void import_lineWithDuplicateKeyOrTrailingText_isRejectedLocally() throws IOException {
        Path file = file("odd.jsonl",
                "{\"id\":\"d1\",\"id\":\"d2\",\"customer\":\"acme\"}",
                "{\"id\":\"t1\",\"customer\":\"acme\"} {}",
                "\uFEFF" + event("late-bom", "{\"output_tokens\":1}"));

        Cli.Result r = cli.run("import", file.toString());

        assertThat(r.out()).as(r.toString())
                .startsWith("line 1: is not valid JSON at column 16: duplicate field 'id'\n"
                        + "line 2: is not one JSON value: more follows at column 31\n"
                        + "line 3: is not valid JSON at column 1: unexpected character 'U+FEFF': expected a JSON "
                        + "value\n");
        assertThat(api.get("/v1/customers/acme/usage").json().at("/totals/requests").asLong()).isZero();
    }

    @Test
    void import_byteOrderMarkOnFirstLine_isIgnored() throws IOException {
        Path file = file("bom.jsonl", "\uFEFF" + event("b1", "{\"output_tokens\":1}"));

        Cli.Result r = cli.run("import", file.toString());

        assertThat(r.out()).as(r.toString()).isEqualTo("imported " + file + ": 1 accepted, 0 duplicates, 0 rejected\n");
    }

    @Test
    void import_missingFile_isUsageErrorExit2() {
        Cli.Result r = cli.run("import", dir.resolve("nope.jsonl").toString());

        assertThat(r.err()).contains("FILE: no such file: " + dir.resolve("nope.jsonl"));
        assertThat(r.exitCode()).isEqualTo(2);
    }

    @Test
    void import_batchSizeOverServerLimit_isUsageErrorExit2() throws IOException {
        Path file = file("one.jsonl", event("o1", "{\"output_tokens\":1}"));

        Cli.Result r = cli.run("import", file.toString(), "--batch-size", "10001");

        assertThat(r.err()).contains("--batch-size: must be from 1 to 10000 (the server's limit per request), "
                + "was 10001");
        assertThat(r.exitCode()).isEqualTo(2);
    }

    @Test
    void import_wrongKey_stopsAtFirstLineWithDetailAndExits1() throws IOException {
        Path file = file("one.jsonl", event("o1", "{\"output_tokens\":1}"));

        Cli.Result r = cli.run("import", file.toString(), "--key", "wrong");

        assertThat(r.err()).startsWith("the API key is not valid (unknown or revoked)\n"
                + "import of " + file + " stopped at line 1; the lines before it were sent (0 accepted, "
                + "0 duplicates, 0 rejected).");
        assertThat(r.out()).isEmpty();
        assertThat(r.exitCode()).isEqualTo(1);
    }
}
