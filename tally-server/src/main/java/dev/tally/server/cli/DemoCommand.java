package dev.tally.server.cli;

import dev.tally.core.customer.Customer;
import dev.tally.server.TallyServer;
import dev.tally.server.config.ConfigFile;
import dev.tally.server.config.ServerConfig;
import dev.tally.server.demo.DemoTraffic;
import dev.tally.server.json.CatalogJson;
import dev.tally.server.json.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.time.InstantSource;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * {@code tally demo}: the server with the example plans, prices and customers, a backfilled history and simulated
 * live traffic. Labelled as a demo everywhere it speaks, with a fixed, public admin key.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run the server with demo customers and simulated traffic (NOT for production).")
public final class DemoCommand implements Callable<Integer> {
    /** The demo's admin key, printed in the README: public on purpose, so never use demo mode for real data. */
    public static final String DEMO_ADMIN_KEY = "tally-demo-admin-key";

    /** The example configuration the demo runs on. */
    private static final String EXAMPLE = "/examples/tally.yaml";

    @Mixin
    ServerOptions options;

    @Option(names = "--rate", description = "simulated calls per second (default ${DEFAULT-VALUE})", defaultValue = "2")
    int rate;

    @Option(names = "--backfill-days", description = "days of history to simulate on first start "
            + "(default ${DEFAULT-VALUE}, at most 34)", defaultValue = "20")
    int backfillDays;

    @Override
    public Integer call() throws InterruptedException {
        ServerConfig config = options.resolve(System.getenv());
        if (config.adminKey() == null) {
            config = config.toBuilder().adminKey(DEMO_ADMIN_KEY).build();
        }
        if (System.getenv("TALLY_HOST") == null) {
            // The demo's admin key is public: answer only this machine unless asked otherwise.
            config = config.toBuilder().host("127.0.0.1").build();
        }
        boolean ownConfig = config.configFile() != null;
        if (!ownConfig) {
            // Start from the bundled example as if it were the user's tally.yaml, so that all of it applies
            // (plans, prices, customers and the alerts section, which is read only at start).
            config = config.toBuilder().configFile(ServerLauncher.bundled(EXAMPLE)).build();
        }
        TallyServer server = ServerLauncher.start(config, options, InstantSource.system());
        if (ownConfig) {
            // The demo's simulated traffic needs the example's plans, prices and customers beside the user's own.
            ConfigFile.readResource(EXAMPLE)
                    .seed(server.catalog(), new CatalogJson(Json.mapper()), InstantSource.system().instant());
        }
        // Only the example's customers get simulated traffic: the user's own customers keep the usage they send.
        List<Customer> customers = DemoTraffic.demoCustomers(server.catalog().customers(),
                Set.copyOf(ConfigFile.readResource(EXAMPLE).customerIds()));
        DemoTraffic traffic = new DemoTraffic(server.ingest(), InstantSource.system(), System.nanoTime());
        if (server.store().countEvents() == 0) {
            System.out.println("DEMO: simulating " + Math.min(backfillDays, 34) + " days of history...");
            int n = traffic.backfill(customers, Math.min(backfillDays, 34));
            System.out.println("DEMO: recorded " + n + " historical calls");
        }
        banner(server.port(), config.adminKey());
        ScheduledExecutorService live = Executors.newSingleThreadScheduledExecutor();
        long periodMs = Math.max(10, 1000 / Math.max(1, rate));
        live.scheduleAtFixedRate(() -> {
            try {
                traffic.tick(customers, Math.max(1, rate * (int) periodMs / 1000));
            } catch (RuntimeException e) {
                // The server may be shutting down; the next tick tries again or the JVM exits.
            }
        }, periodMs, periodMs, TimeUnit.MILLISECONDS);
        ServerLauncher.awaitShutdown(server);
        live.shutdownNow();
        return 0;
    }

    private static void banner(int port, String adminKey) {
        String url = "http://localhost:" + port;
        System.out.println();
        System.out.println("  ==================== TALLY DEMO (simulated traffic, not for production) ====================");
        System.out.println("  Server:     " + url);
        System.out.println("  Admin key:  " + adminKey);
        System.out.println("  Traffic:    simulated for the demo customers only (" + String.join(", ",
                ConfigFile.readResource(EXAMPLE).customerIds()) + "); customers you create get only your events");
        System.out.println("  Try:        curl -s -H 'Authorization: Bearer " + adminKey + "' " + url
                + "/v1/usage | jq");
        System.out.println("              curl -s -H 'Authorization: Bearer " + adminKey + "' " + url
                + "/v1/customers/acme/usage | jq");
        System.out.println("  Stop with Ctrl-C.");
        System.out.println("  ============================================================================================");
        System.out.println();
    }
}
