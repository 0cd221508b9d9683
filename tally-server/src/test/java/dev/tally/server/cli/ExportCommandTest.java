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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code tally export} against a real server: the CSV reports to stdout or a file, unchanged. */
class ExportCommandTest {
    @TempDir
    Path dir;
    private TestServer server;
    private Api api;
    private Cli cli;

    @BeforeEach
    void start() throws IOException {
        server = TestServer.start(Backend.SQLITE, Files.createDirectory(dir.resolve("server")),
                MutableClock.at(Seed.NOW));
        api = server.admin();
        Seed.both(api);
        cli = new Cli().env(Map.of("TALLY_URL", "http://127.0.0.1:" + server.port(),
                "TALLY_KEY", TestServer.ADMIN_KEY));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void export_allCustomers_writesHeaderAndOneRowEachToStdout() {
        Cli.Result r = cli.run("export", "--period", "2026-11");

        assertThat(r.out()).as(r.toString()).isEqualTo(
                "customer,name,plan,period_start,period_end,requests,errors,input_tokens,output_tokens,tokens,cost,"
                        + "unpriced_events,status\r\n"
                        + "acme,Acme Corp,pro,2026-10-31T23:00:00Z,2026-11-30T23:00:00Z,230,0,0,520000,520000,31.20,0,"
                        + "exceeded\r\n"
                        + "bluebird,Bluebird Ltd,,2026-11-15T05:00:00Z,2026-12-15T05:00:00Z,2,0,0,2000,2000,0.12,0,"
                        + "ok\r\n");
        assertThat(r.exitCode()).isZero();
    }

    @Test
    void export_customerToFile_writesExactlyTheServersCsv() throws IOException {
        Path file = dir.resolve("acme.csv");

        Cli.Result r = cli.run("export", "--customer", "acme", "--output", file.toString());

        String csv = Files.readString(file, StandardCharsets.UTF_8);
        assertThat(csv).startsWith("customer,date,provider,model,endpoint,requests,errors,output_tokens,tokens,cost,"
                + "unpriced_events,kind,reason\r\n"
                + "acme,2026-11-03,openai,gpt-4,/api/chat,200,0,400000,400000,24.00,0,usage,\r\n"
                + "acme,2026-11-10,openai,gpt-4,/api/chat,30,0,120000,120000,7.20,0,usage,\r\n");
        assertThat(csv).isEqualTo(api.get("/v1/customers/acme/usage.csv?period=current").body());
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).isEqualTo("wrote " + file + "\n");
        assertThat(r.exitCode()).isZero();
    }

    @Test
    void export_unknownCustomer_writesNoFileAndExits1() {
        Path file = dir.resolve("nobody.csv");

        Cli.Result r = cli.run("export", "--customer", "nobody", "-o", file.toString());

        assertThat(r.err()).isEqualTo("customer 'nobody' does not exist\n");
        assertThat(file).doesNotExist();
        assertThat(r.exitCode()).isEqualTo(1);
    }
}
