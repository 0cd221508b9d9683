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
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code tally usage} against a real server: the exact table, every customer across pages, colours and errors. */
class UsageCommandTest {
    private static final String ACME = """
            Acme Corp (pro) - 2026-11-01 to 2026-11-30, resets 2026-12-01
            openai tokens    520,000 / 500,000   104.0%  EXCEEDED (soft)
            requests             230 / 1,000,000   0.0%  ok
            cost              $31.20 / $200.00    15.6%  ok
            """;
    private static final String BLUEBIRD = """
            Bluebird Ltd (no plan) - 2026-11-15 to 2026-12-14, resets 2026-12-15
            requests 2  tokens 2,000  cost $0.12
            """;

    @TempDir
    Path dir;
    private TestServer server;
    private String url;

    @BeforeEach
    void start() {
        server = TestServer.start(Backend.SQLITE, dir, MutableClock.at(Seed.NOW));
        url = "http://127.0.0.1:" + server.port();
        Seed.both(server.admin());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private Cli.Result usage(String... args) {
        return new Cli().env(Map.of("TALLY_URL", url, "TALLY_KEY", TestServer.ADMIN_KEY)).run(args);
    }

    @Test
    void usage_customerOverSoftTokenLimit_printsAlignedTableInCustomerZone() {
        Cli.Result r = usage("usage", "--customer", "acme", "--color=never");

        assertThat(r.out()).as(r.toString()).isEqualTo(ACME);
        assertThat(r.err()).isEmpty();
        assertThat(r.exitCode()).isZero();
    }

    @Test
    void usage_notATerminal_isPlainWithoutColorOption() {
        // Tests run with stdout redirected, so auto means plain.
        Cli.Result r = usage("usage", "--customer", "acme");

        assertThat(r.out()).isEqualTo(ACME);
    }

    /** Issue 15.8: a month named by --period is the customer's billing period holding most of it, named by dates. */
    @Test
    void usage_periodOfCustomerBilledFromThe30th_isThePeriodHoldingMostOfThatMonth() {
        server.admin().put("/v1/customers/late", "{\"name\": \"Late Ltd\", \"billing_day\": 30}");

        Cli.Result r = usage("usage", "--customer", "late", "--period", "2026-11");

        assertThat(r.out()).as(r.toString()).startsWith("Late Ltd (no plan) - 2026-10-30 to 2026-11-29, resets "
                + "2026-11-30\n");
    }

    @Test
    void usage_pastMonthWithoutUsage_showsThatMonthAndZeros() {
        Cli.Result r = usage("usage", "--customer", "acme", "--period", "2026-10");

        assertThat(r.out()).as(r.toString()).isEqualTo("""
                Acme Corp (pro) - 2026-10-01 to 2026-10-31, resets 2026-11-01
                openai tokens          0 / 500,000     0.0%  ok (soft)
                requests               0 / 1,000,000   0.0%  ok
                cost               $0.00 / $200.00     0.0%  ok
                """);
    }

    @Test
    void usage_allCustomers_followsEveryPageInCostOrder() {
        Cli cli = new Cli().env(Map.of("TALLY_URL", url, "TALLY_KEY", TestServer.ADMIN_KEY));
        // One customer a page, so both lists (time zones and usage) are walked through their cursors.
        cli.command("usage", UsageCommand.class).pageSize = 1;

        Cli.Result r = cli.run("usage", "--color=never");

        assertThat(r.out()).as(r.toString()).isEqualTo(ACME + "\n" + BLUEBIRD);
        assertThat(r.exitCode()).isZero();
    }

    @Test
    void usage_colorAlways_colorsEachStatus() {
        Cli.Result r = usage("usage", "--customer", "acme", "--color=always");

        assertThat(r.out())
                .contains("104.0%  \u001B[31mEXCEEDED\u001B[0m (soft)\n")
                .contains("0.0%  \u001B[32mok\u001B[0m\n");
    }

    @Test
    void usage_customerKey_readsItsOwnCustomer() {
        String key = server.admin().post("/v1/customers/acme/keys", null).json().get("key").asText();

        Cli.Result r = new Cli().env(Map.of("TALLY_URL", url, "TALLY_KEY", key))
                .run("usage", "--customer", "acme", "--color=never");

        assertThat(r.out()).as(r.toString()).isEqualTo(ACME);
    }

    @Test
    void usage_wrongKey_printsProblemDetailAndExits1() {
        Cli.Result r = new Cli().run("usage", "--url", url, "--key", "not-the-key");

        assertThat(r.err()).isEqualTo("the API key is not valid (unknown or revoked)\n");
        assertThat(r.out()).isEmpty();
        assertThat(r.exitCode()).isEqualTo(1);
    }

    @Test
    void usage_adminKeyFromServerEnvironment_isUsedWhenNoClientKey() {
        Cli.Result r = new Cli().env(Map.of("TALLY_URL", url, "TALLY_ADMIN_KEY", TestServer.ADMIN_KEY))
                .run("usage", "--customer", "acme");

        assertThat(r.exitCode()).as(r.toString()).isZero();
    }

    @Test
    void usage_unknownCustomer_printsDetailAndExits1() {
        Cli.Result r = usage("usage", "--customer", "nobody");

        assertThat(r.err()).isEqualTo("customer 'nobody' does not exist\n");
        assertThat(r.exitCode()).isEqualTo(1);
    }

    @Test
    void usage_unreachableUrl_saysServerMayNotRunAndExits1() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }

        Cli.Result r = new Cli().run("usage", "--url", "http://127.0.0.1:" + closedPort, "--key", "k");

        assertThat(r.err()).isEqualTo("cannot reach Tally at http://127.0.0.1:" + closedPort
                + ": is the server running?\n");
        assertThat(r.exitCode()).isEqualTo(1);
    }

    @Test
    void usage_malformedPeriod_isUsageErrorExit2BeforeAnyRequest() {
        Cli.Result r = usage("usage", "--period", "2026-13");

        assertThat(r.err()).contains("must be current or a month as YYYY-MM, was '2026-13'");
        assertThat(r.out()).isEmpty();
        assertThat(r.exitCode()).isEqualTo(2);
    }

    @Test
    void usage_noKeyAnywhere_isUsageErrorExit2() {
        Cli.Result r = new Cli().run("usage", "--url", url);

        assertThat(r.err()).contains("no API key: pass --key or set TALLY_KEY (or TALLY_ADMIN_KEY)");
        assertThat(r.exitCode()).isEqualTo(2);
    }

    @Test
    void usage_urlWithoutScheme_isUsageErrorExit2() {
        Cli.Result r = new Cli().run("usage", "--url", "localhost:8080", "--key", "k");

        assertThat(r.err()).contains("--url: must be an http or https URL");
        assertThat(r.exitCode()).isEqualTo(2);
    }
}
