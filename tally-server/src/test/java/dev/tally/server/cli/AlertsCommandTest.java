package dev.tally.server.cli;

import dev.tally.core.testing.MutableClock;
import dev.tally.server.testing.Api;
import dev.tally.server.testing.Backend;
import dev.tally.server.testing.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code tally alerts} against a real server: the exact lines, filters, pages, colours and errors. */
class AlertsCommandTest {
    private static final String HEADER =
            "CREATED            STATE         KIND       CUSTOMER  LIMIT         PERCENT  MESSAGE";
    private static final String GLOBEX_50 = "2026-11-10 09:00Z  active        threshold  globex    tokens-month"
            + "    90.0%  Globex has used 90% of its monthly token limit: 900 of 1,000 tokens (alert level 50%,"
            + " limit tokens-month)";
    private static final String GLOBEX_80 = GLOBEX_50.replace("level 50%", "level 80%");
    private static final String ACME_50 = "2026-11-10 08:00Z  acknowledged  threshold  acme      tokens-month"
            + "    60.0%  Acme has used 60% of its monthly token limit: 600 of 1,000 tokens (alert level 50%,"
            + " limit tokens-month)";

    @TempDir
    Path dir;
    private TestServer server;
    private String url;

    @BeforeEach
    void start() {
        server = TestServer.start(Backend.SQLITE, dir, MutableClock.at("2026-11-10T08:00:00Z"));
        url = "http://127.0.0.1:" + server.port();
        Api api = server.admin();
        api.put("/v1/plans/pro", """
                {"name":"Pro","limits":[{"metric":"tokens","window":"month","amount":1000}]}""");
        api.put("/v1/customers/acme", "{\"name\":\"Acme\",\"plan\":\"pro\"}");
        api.put("/v1/customers/globex", "{\"name\":\"Globex\",\"plan\":\"pro\"}");
        api.post("/v1/events", """
                {"id":"e1","customer":"acme","provider":"openai","usage":{"input_tokens":600}}""");
        server.clock().advance(Duration.ofHours(1));
        api.post("/v1/events", """
                {"id":"e2","customer":"globex","provider":"openai","usage":{"input_tokens":900}}""");
        server.server().alerts().drain(Duration.ofSeconds(10));
        String acme = api.get("/v1/alerts?customer=acme&kind=threshold").json().at("/alerts/0/id").asText();
        api.post("/v1/alerts/" + acme + "/acknowledge", null);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private Cli.Result alerts(String... args) {
        return new Cli().env(Map.of("TALLY_URL", url, "TALLY_KEY", TestServer.ADMIN_KEY)).run(args);
    }

    @Test
    void alerts_all_printsAlignedLinesNewestFirst() {
        Cli.Result r = alerts("alerts", "--kind", "threshold", "--color=never");

        assertThat(r.out().lines()).as(r.toString()).hasSize(4);
        assertThat(r.out().lines().toList().get(0)).isEqualTo(HEADER);
        // Both globex alerts fired at 09:00: their order is by id, so only the set is fixed.
        assertThat(r.out().lines().toList().subList(1, 3)).containsExactlyInAnyOrder(GLOBEX_50, GLOBEX_80);
        assertThat(r.out().lines().toList().get(3)).isEqualTo(ACME_50);
        assertThat(r.exitCode()).isZero();
    }

    @Test
    void alerts_stateAndCustomerFilters_narrowTheList() {
        Cli.Result r = alerts("alerts", "--state", "acknowledged", "--color=never");
        assertThat(r.out()).as(r.toString()).isEqualTo(HEADER + "\n" + ACME_50 + "\n");

        Cli.Result none = alerts("alerts", "--state", "resolved");
        assertThat(none.out()).as(none.toString()).isEqualTo("no alerts\n");

        Cli.Result globex = alerts("alerts", "--customer", "globex", "--kind", "threshold", "--color=never");
        assertThat(globex.out().lines()).hasSize(3);
    }

    @Test
    void alerts_severalPages_walksThemAndStopsAtMax() {
        Cli cli = new Cli().env(Map.of("TALLY_URL", url, "TALLY_KEY", TestServer.ADMIN_KEY));
        cli.command("alerts", AlertsCommand.class).pageSize = 1;

        Cli.Result all = cli.run("alerts", "--kind", "threshold", "--color=never");
        assertThat(all.out().lines()).as(all.toString()).hasSize(4);

        Cli.Result two = cli.run("alerts", "--kind", "threshold", "--max", "2", "--color=never");
        assertThat(two.out().lines()).as(two.toString()).hasSize(4)
                .last().isEqualTo("(more alerts: raise --max or narrow with --state, --customer, --kind)");
    }

    @Test
    void alerts_colorAlways_paintsTheState() {
        Cli.Result r = alerts("alerts", "--state", "acknowledged", "--color=always");

        assertThat(r.out()).contains("\u001B[33macknowledged\u001B[0m");
    }

    @Test
    void alerts_badState_printsTheProblemAndFails() {
        Cli.Result r = alerts("alerts", "--state", "open");

        assertThat(r.exitCode()).isEqualTo(ApiCommand.EXIT_FAILED);
        assertThat(r.err()).contains("state: must be one of active, acknowledged, resolved");
        assertThat(r.out()).isEmpty();
    }
}
