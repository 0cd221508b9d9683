package dev.tally.server.cli;

import dev.tally.server.TallyServer;
import dev.tally.server.config.ServerConfig;

import java.time.InstantSource;
import java.util.concurrent.CountDownLatch;

/** Starting a server from the command line and keeping it up until the JVM is asked to stop. */
final class ServerLauncher {
    private ServerLauncher() {
    }

    static TallyServer start(ServerConfig config, ServerOptions flags, InstantSource clock) {
        return TallyServer.start(config, clock, flags::applyFlags);
    }

    /** Blocks until SIGINT/SIGTERM, then closes the server gracefully (draining the writer) before exiting. */
    static void awaitShutdown(TallyServer server) throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "tally-shutdown"));
        stopped.await();
    }
}
