package dev.tally.server.cli;

import dev.tally.core.testing.MutableClock;
import dev.tally.server.testing.Backend;
import dev.tally.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code tally prices import} against a real server, with the real LiteLLM file of July 2026 (tests only). */
class PricesCommandTest {
    private static final Path LITELLM_FILE = Path.of(System.getProperty("tally.litellm.file",
            "/work/shared/data/litellm-model-prices-2026-07.json"));

    @TempDir
    Path dir;

    @Test
    void pricesImport_dryRunThenApply_printsCountsAndChangesOnlyWhenApplied() {
        try (TestServer server = TestServer.start(Backend.SQLITE, dir, MutableClock.at("2026-07-10T12:00:00Z"))) {
            String url = "http://127.0.0.1:" + server.port();
            Cli cli = new Cli().env(Map.of());
            String[] common = {"prices", "import", LITELLM_FILE.toString(), "--effective-from", "2026-07-01",
                    "--url", url, "--key", TestServer.ADMIN_KEY};

            Cli.Result dry = cli.run(concat(common, "--dry-run"));
            assertThat(dry.exitCode()).as(dry.toString()).isZero();
            String first = dry.out().lines().findFirst().orElseThrow();
            assertThat(first).as(dry.toString()).matches("dry run, nothing changed from 2026-07-01T00:00:00Z: "
                    + "\\d{3} added, 0 changed, 0 unchanged, \\d+ skipped");
            assertThat(dry.out()).contains("added     openai gpt-4o (3 prices)")
                    .contains("added     anthropic claude-sonnet-4-20250514 (8 prices)")
                    .containsPattern("skipped   \\S+: has no per-token price Tally can map");
            assertThat(server.admin().get("/v1/prices").json().path("prices").size()).isZero();

            Cli.Result applied = new Cli().run(common);
            assertThat(applied.out().lines().findFirst().orElseThrow())
                    .isEqualTo(first.replace("dry run, nothing changed", "imported"));
            assertThat(server.admin().get("/v1/prices").json().path("prices").size()).isPositive();

            Cli.Result again = new Cli().run(common);
            assertThat(again.out().lines().findFirst().orElseThrow()).matches("imported from "
                    + "2026-07-01T00:00:00Z: 0 added, 0 changed, \\d{3} unchanged, \\d+ skipped");
        }
    }

    @Test
    void pricesImport_missingFile_exitsWithTheReason() {
        Cli.Result r = new Cli().run("prices", "import", dir.resolve("none.json").toString(), "--effective-from",
                "2026-07-01", "--url", "http://127.0.0.1:1", "--key", "k");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("no such file");
    }

    private static String[] concat(String[] a, String b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + 1);
        out[a.length] = b;
        return out;
    }
}
