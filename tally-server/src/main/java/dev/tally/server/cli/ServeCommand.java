package dev.tally.server.cli;

import dev.tally.server.TallyServer;
import dev.tally.server.config.ServerConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.InstantSource;
import java.util.concurrent.Callable;

/**
 * {@code tally serve}: runs the server until it is stopped (SIGINT/SIGTERM drain it gracefully). A store without any
 * price gets Tally's default catalog first (issue 15.7). {@code --personal} is the path of one person tracking their
 * own API use: the bundled {@value #PERSONAL} unless a {@code tally.yaml} is given, and an admin key kept in the data
 * directory ({@link PersonalKey}) that the client commands find by themselves.
 */
@Command(name = "serve", mixinStandardHelpOptions = true, description = "Run the Tally server.")
public final class ServeCommand implements Callable<Integer> {
    /** The example configuration of one person tracking their own use. */
    static final String PERSONAL = "/examples/personal.yaml";

    @Mixin
    ServerOptions options;

    @Option(names = "--personal", description = "track your own API use: your limits from tally.yaml (default: the "
            + "bundled examples/personal.yaml), an admin key kept in <data dir>/" + PersonalKey.FILE
            + " for the client commands; see the README")
    boolean personal;

    @Option(names = "--no-default-prices", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "load Tally's default price catalog into a store that has no price yet (default: yes)")
    boolean defaultPrices;

    @Override
    public Integer call() throws InterruptedException {
        ServerConfig config = options.resolve(System.getenv()).toBuilder().defaultPrices(defaultPrices).build();
        Path keyFile = null;
        if (personal) {
            if (config.configFile() == null) {
                config = config.toBuilder().configFile(ServerLauncher.bundled(PERSONAL)).build();
            }
            if (config.adminKey() == null) {
                keyFile = options.applyFlags(config).dataDir().resolve(PersonalKey.FILE);
                config = config.toBuilder().adminKey(PersonalKey.readOrCreate(keyFile)).build();
            }
        }
        TallyServer server = ServerLauncher.start(config, options, InstantSource.system());
        if (server.generatedAdminKey() != null) {
            System.out.println();
            System.out.println("  Generated admin key (shown once; only its hash is stored):");
            System.out.println("  " + server.generatedAdminKey());
            System.out.println("  Set TALLY_ADMIN_KEY to choose your own.");
            System.out.println();
        }
        if (personal) {
            System.out.println();
            System.out.println("  Tally for one person on http://localhost:" + server.port()
                    + (keyFile == null ? "" : " (admin key in " + keyFile + ", read by the client commands)"));
            System.out.println("  What is left of your limits:  ./tally left");
            System.out.println();
        }
        ServerLauncher.awaitShutdown(server);
        return 0;
    }
}
