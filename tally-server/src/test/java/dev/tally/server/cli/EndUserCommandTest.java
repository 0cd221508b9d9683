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
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code tally usage --customer ID --user USER} and {@code --by user|dimension.KEY} against a real server (issue 13). */
class EndUserCommandTest {
    @TempDir
    Path dir;
    private TestServer server;
    private String url;

    @BeforeEach
    void start() {
        server = TestServer.start(Backend.SQLITE, dir, MutableClock.at("2026-11-20T12:00:00Z"));
        url = "http://127.0.0.1:" + server.port();
        Api api = server.admin();
        api.put("/v1/customers/clinic", """
                {"name":"Clinic","limits":[{"metric":"requests","window":"month","amount":500}]}""");
        api.post("/v1/events", """
                [{"customer":"clinic","user":"doctor_1","dimensions":{"platform":"instagram"},
                  "usage":{"input_tokens":1200},"cost":"0.50"},
                 {"customer":"clinic","user":"doctor_1","dimensions":{"platform":"tiktok"},"status":500,
                  "usage":{"input_tokens":300},"cost":"0.25"},
                 {"customer":"clinic","user":"doctor_2","dimensions":{"platform":"instagram"},
                  "usage":{"input_tokens":10},"cost":"0.01"}]""");
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private Cli.Result usage(String... args) {
        return new Cli().env(Map.of("TALLY_URL", url, "TALLY_KEY", TestServer.ADMIN_KEY)).run(args);
    }

    @Test
    void usage_oneUser_printsItsTotalsAndTheLimitsItCountsToward() {
        Cli.Result r = usage("usage", "--customer", "clinic", "--user", "doctor_1");

        assertThat(r.out()).as(r.toString()).isEqualTo("""
                doctor_1 (end user of Clinic) - 2026-11-01 to 2026-11-30
                requests 2  tokens 1,500  cost $0.75
                requests-month (customer)  3 / 500  ok
                """);
        assertThat(r.exitCode()).isZero();
    }

    @Test
    void usage_byUserAndByDimension_printAlignedRowsMostRequestsFirst() {
        Cli.Result users = usage("usage", "--customer", "clinic", "--by", "user");
        assertThat(users.out()).as(users.toString()).isEqualTo("""
                Clinic by end user
                user      requests  errors  tokens   cost
                doctor_1         2       1   1,500  $0.75
                doctor_2         1       0      10  $0.01
                """);

        Cli.Result platforms = usage("usage", "--customer", "clinic", "--by", "dimension.platform");
        assertThat(platforms.out()).as(platforms.toString()).isEqualTo("""
                Clinic by platform
                value      requests  errors  tokens   cost
                instagram         2       0   1,210  $0.51
                tiktok            1       1     300  $0.25
                """);
    }

    @Test
    void usage_oneUserOfACustomerBilledFromThe30thInBerlin_namesTheMonthAsTheCustomersOwnUsageDoes() {
        // Billed from the 30th in Berlin: --period 2026-11 is Oct 30 - Nov 29 (it holds 29 days of November), whose
        // bounds are 23:00 UTC the day before. The title named the UTC dates of the bounds and the API's 2026-11
        // (Nov 30 - Dec 29): "2026-11-29 to 2026-12-29", and none of the user's calls.
        Api api = server.admin();
        api.put("/v1/customers/salon", """
                {"name":"Salon","timezone":"Europe/Berlin","billing_day":30}""");
        api.post("/v1/events", """
                {"customer":"salon","user":"ann","usage":{"input_tokens":40},"cost":"0.02"}""");

        Cli.Result one = usage("usage", "--customer", "salon", "--user", "ann", "--period", "2026-11");
        assertThat(one.out()).as(one.toString()).isEqualTo("""
                ann (end user of Salon) - 2026-10-30 to 2026-11-29
                requests 1  tokens 40  cost $0.02
                """);

        Cli.Result byUser = usage("usage", "--customer", "salon", "--by", "user", "--period", "2026-11");
        assertThat(byUser.out()).as(byUser.toString()).isEqualTo("""
                Salon by end user
                user  requests  errors  tokens   cost
                ann          1       0      40  $0.02
                """);
    }

    @Test
    void usage_byWithoutCustomerOrBadForm_isUsageErrorExit2BeforeAnyRequest() {
        Cli.Result noCustomer = usage("usage", "--by", "user");
        assertThat(noCustomer.err()).contains("--user and --by need --customer");
        assertThat(noCustomer.exitCode()).isEqualTo(2);

        Cli.Result bad = usage("usage", "--customer", "clinic", "--by", "platform");
        assertThat(bad.err()).contains("--by must be user or dimension.KEY (KEY lower_snake_case), was 'platform'");
        assertThat(bad.exitCode()).isEqualTo(2);
    }
}
