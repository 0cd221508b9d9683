package dev.tally.server.cli;

import dev.tally.core.testing.MutableClock;
import dev.tally.server.testing.Api;
import dev.tally.server.testing.Backend;
import dev.tally.server.testing.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 15.7: one person tracking their own use. The bundled {@code examples/personal.yaml} on a server that loads
 * the default prices, then {@code tally left}: what is left of each limit, today and this month side by side, with
 * the limit names the user set, colours only when asked for.
 */
class PersonalTrackerTest {
    @TempDir
    Path dir;
    private TestServer server;
    private String url;

    @BeforeEach
    void start() throws IOException {
        Path config = dir.resolve("personal.yaml");
        try (InputStream in = getClass().getResourceAsStream(ServeCommand.PERSONAL)) {
            Files.copy(in, config);
        }
        server = TestServer.startWith(Backend.SQLITE, dir, MutableClock.at("2026-12-06T12:00:00Z"), config,
                b -> b.defaultPrices(true));
        url = "http://127.0.0.1:" + server.port();
        StringBuilder events = new StringBuilder("[");
        for (int i = 0; i < 15; i++) {
            events.append("{\"id\": \"a").append(i).append("\", \"customer\": \"me\", \"provider\": \"anthropic\", ")
                    .append("\"model\": \"claude-sonnet-4-5\", \"usage\": {\"input_tokens\": 1000, ")
                    .append("\"output_tokens\": 200}},");
        }
        events.append("""
                {"id": "p1", "customer": "me", "provider": "apify", "usage": {"compute_units": 0.5}},
                {"id": "p2", "customer": "me", "provider": "apify", "usage": {"compute_units": 1}}]""");
        assertThat(server.admin().post("/v1/events", events.toString()).json().get("accepted").asInt()).isEqualTo(17);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private Cli.Result left(Map<String, String> env, String... args) {
        String[] all = new String[args.length + 1];
        all[0] = "left";
        System.arraycopy(args, 0, all, 1, args.length);
        return new Cli().env(env).run(all);
    }

    @Test
    void left_personalConfig_printsDailyAndMonthlySideBySide_withTheUsersLimitNames() {
        Cli.Result r = left(Map.of("TALLY_URL", url, "TALLY_KEY", TestServer.ADMIN_KEY), "--color=never");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).isEqualTo("""
                Me (personal), times in UTC
                anthropic requests   today            15 / 1,000       1.5%        985 left   this month       15 / 20,000      0.1%      19,985 left
                anthropic tokens     today        18,000 / 2,000,000   0.9%  1,982,000 left   this month   18,000 / 30,000,000  0.1%  29,982,000 left
                apify requests       today             2 / 200         1.0%        198 left   this month        2 / 5,000       0.0%       4,998 left
                spend-today          today         $0.69 / $5.00      13.8%      $4.31 left
                spend-this-month                                                              this month    $0.69 / $60.00      1.2%      $59.31 left
                """);
    }

    @Test
    void left_colours_onlyWhenAskedAndNotUnderNoColor() {
        Map<String, String> env = Map.of("TALLY_URL", url, "TALLY_KEY", TestServer.ADMIN_KEY);
        assertThat(left(env, "--color=always").out()).contains("\u001B[32m").contains("\u001B[0m");
        assertThat(left(env).out()).doesNotContain("\u001B[");
        Map<String, String> noColor = Map.of("TALLY_URL", url, "TALLY_KEY", TestServer.ADMIN_KEY, "NO_COLOR", "1");
        assertThat(left(noColor, "--color=auto").out()).doesNotContain("\u001B[");
    }

    @Test
    void defaultPrices_loadedIntoTheEmptyStore_priceTheModelsExactly() {
        Api admin = server.admin();
        // 15 x (1,000 x $3.00 + 200 x $15.00) per 1M tokens = $0.09; 1.5 Apify compute units x $0.40 = $0.60.
        assertThat(admin.get("/v1/customers/me/usage").json().at("/totals/cost").asText()).isEqualTo("0.69");
        assertThat(admin.get("/v1/customers/me/usage").json().get("unpriced_events").asInt()).isZero();
        assertThat(admin.get("/v1/prices?limit=1000").json().get("prices").size()).isGreaterThan(100);
    }

    @Test
    void personalKey_keptInTheDataDirForItsOwnerOnly_foundByTheClient() {
        Path file = dir.resolve("own").resolve(PersonalKey.FILE);
        String key = PersonalKey.readOrCreate(file);

        assertThat(key).startsWith("tally_admin_").hasSize("tally_admin_".length() + 48);
        assertThat(PersonalKey.readOrCreate(file)).isEqualTo(key);
        assertThat(PersonalKey.find(Map.of("TALLY_DATA_DIR", dir.resolve("own").toString()))).isEqualTo(key);
        assertThat(PersonalKey.find(Map.of("TALLY_DATA_DIR", dir.resolve("none").toString()))).isNull();
        try {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        } catch (IOException | UnsupportedOperationException e) {
            throw new AssertionError(e);
        }
    }
}
