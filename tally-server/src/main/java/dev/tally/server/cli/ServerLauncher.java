package dev.tally.server.cli;

import dev.tally.server.TallyServer;
import dev.tally.server.config.ServerConfig;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.InstantSource;
import java.util.concurrent.CountDownLatch;

/** Starting a server from the command line and keeping it up until the JVM is asked to stop. */
final class ServerLauncher {
    private ServerLauncher() {
    }

    static TallyServer start(ServerConfig config, ServerOptions flags, InstantSource clock) {
        return TallyServer.start(config, clock, flags::applyFlags);
    }

    /** A configuration shipped in the jar ({@code /examples/...}), copied to a temporary file the server can read. */
    static Path bundled(String resource) {
        try (InputStream in = ServerLauncher.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is missing from the jar");
            }
            Path file = Files.createTempFile("tally-", ".yaml");
            file.toFile().deleteOnExit();
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + resource, e);
        }
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
