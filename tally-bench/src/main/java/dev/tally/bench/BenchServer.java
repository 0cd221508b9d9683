package dev.tally.bench;

import dev.tally.server.TallyServer;
import dev.tally.server.config.ServerConfig;

import java.time.InstantSource;
import java.util.Map;

/**
 * Starts a real Tally server in this JVM, as production would run it (same store settings, same writer defaults),
 * listening on a free port of 127.0.0.1 only, with {@link AdminApi#ADMIN_KEY}. The environment is ignored except
 * {@code TALLY_HTTP_THREADS}, to compare sizes of the platform-thread HTTP pool.
 */
final class BenchServer {
    private BenchServer() {
    }

    static TallyServer start(FreshStore store, InstantSource clock) {
        // Production defaults, except TALLY_HTTP_THREADS when set (to compare pool sizes on platform threads).
        String threads = System.getenv("TALLY_HTTP_THREADS");
        ServerConfig config = ServerConfig.fromEnvironment(threads == null ? Map.of()
                        : Map.of("TALLY_HTTP_THREADS", threads)).toBuilder()
                .host("127.0.0.1")
                .port(0)
                .configFile(null)
                .dataDir(store.dir())
                .databaseUrl(store.url())
                .adminKey(AdminApi.ADMIN_KEY)
                .build();
        return TallyServer.start(config, clock);
    }

    /** The JVM and whether the server runs its handlers on virtual threads (it does from Java 21). */
    static String describeJvm() {
        Runtime.Version v = Runtime.version();
        return "Java " + v + " (" + System.getProperty("java.vm.name") + "), "
                + (v.feature() >= 21 ? "virtual threads" : "platform thread pool") + ", "
                + Runtime.getRuntime().availableProcessors() + " CPUs, max heap "
                + Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MiB";
    }
}
