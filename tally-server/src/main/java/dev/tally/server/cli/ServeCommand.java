package dev.tally.server.cli;

import dev.tally.server.TallyServer;
import dev.tally.server.config.ServerConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.time.InstantSource;
import java.util.concurrent.Callable;

/** {@code tally serve}: runs the server until it is stopped (SIGINT/SIGTERM drain it gracefully). */
@Command(name = "serve", mixinStandardHelpOptions = true, description = "Run the Tally server.")
public final class ServeCommand implements Callable<Integer> {
    @Mixin
    ServerOptions options;

    @Override
    public Integer call() throws InterruptedException {
        ServerConfig config = options.resolve(System.getenv());
        TallyServer server = ServerLauncher.start(config, options, InstantSource.system());
        if (server.generatedAdminKey() != null) {
            System.out.println();
            System.out.println("  Generated admin key (shown once; only its hash is stored):");
            System.out.println("  " + server.generatedAdminKey());
            System.out.println("  Set TALLY_ADMIN_KEY to choose your own.");
            System.out.println();
        }
        ServerLauncher.awaitShutdown(server);
        return 0;
    }
}
