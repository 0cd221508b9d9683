package dev.tally.server;

import dev.tally.core.store.StoreException;
import dev.tally.core.persistence.TallyStore;
import dev.tally.core.testing.InterceptedStore;
import dev.tally.core.testing.MutableClock;
import dev.tally.server.config.ServerConfig;
import dev.tally.server.testing.TestServer;
import dev.tally.store.Stores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue 11, point 7: a start-up that fails half-way closes what it had started, in reverse, so no thread of ours is
 * left running (a non-daemon one would keep the JVM from exiting) and the store is closed. Real SQLite store, seen
 * through {@link InterceptedStore} to fail one call or to notice its close.
 */
class StartupFailureTest {
    /** How long the closed components may take to let their threads end. */
    private static final Duration DEADLINE = Duration.ofSeconds(10);

    @TempDir
    Path dir;
    private final MutableClock clock = MutableClock.at("2026-11-20T12:00:00Z");
    private final AtomicBoolean storeClosed = new AtomicBoolean();

    @Test
    void start_portAlreadyTaken_leavesNoThreadOfOursAndClosesTheStore() throws Exception {
        Set<Thread> before = Set.copyOf(Thread.getAllStackTraces().keySet());
        // Listening fails last of all: the writer, the schedules and the alert and notification threads are up.
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            ServerConfig config = config().toBuilder().host("127.0.0.1").port(taken.getLocalPort()).build();
            assertThatThrownBy(() -> TallyServer.start(config, clock, store(null)))
                    .hasStackTraceContaining("" + taken.getLocalPort());
        }
        assertNoThreadOfOursLeft(before);
        assertThat(storeClosed).as("the store was closed").isTrue();
    }

    @Test
    void start_storeFailsReadingSecrets_leavesNoThreadOfOursAndClosesTheStore() throws Exception {
        Set<Thread> before = Set.copyOf(Thread.getAllStackTraces().keySet());
        assertThatThrownBy(() -> TallyServer.start(config().toBuilder().port(0).build(), clock, store("setting")))
                .isInstanceOf(StoreException.class).hasMessageContaining("injected");
        assertNoThreadOfOursLeft(before);
        assertThat(storeClosed).as("the store was closed").isTrue();
    }

    @Test
    void start_thenClose_leavesNoThreadOfOurs() throws Exception {
        Set<Thread> before = Set.copyOf(Thread.getAllStackTraces().keySet());
        TallyServer server = TallyServer.start(config().toBuilder().port(0).build(), clock, store(null));
        assertThat(server.port()).isPositive();
        server.close();
        assertNoThreadOfOursLeft(before);
        assertThat(storeClosed).as("the store was closed").isTrue();
    }

    private ServerConfig config() {
        // Few platform threads, as on JDK 17: Jetty's pool threads are not daemons either.
        return ServerConfig.fromEnvironment(Map.of()).toBuilder().dataDir(dir).adminKey(TestServer.ADMIN_KEY)
                .httpThreads(6).build();
    }

    /** The real store; {@code failing} names a method whose calls fail (null: none). */
    private TallyStore store(String failing) {
        return InterceptedStore.of(TallyStore.class, Stores.sqliteFile(dir, clock), new InterceptedStore.Hooks() {
            @Override
            public void beforeCall(String method) {
                if (method.equals(failing)) {
                    throw new StoreException("injected failure of " + method, null);
                }
                if (method.equals("close")) {
                    storeClosed.set(true);
                }
            }
        });
    }

    /** Waits (up to a deadline) for every non-daemon thread started since {@code before} to end, or fails naming them. */
    private static void assertNoThreadOfOursLeft(Set<Thread> before) throws InterruptedException {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        for (Thread t : newNonDaemonThreads(before)) {
            long left = deadline - System.nanoTime();
            if (left > 0) {
                t.join(Math.max(1, left / 1_000_000));
            }
        }
        assertThat(newNonDaemonThreads(before)).extracting(Thread::getName)
                .as("non-daemon threads still running after the server was given up").isEmpty();
    }

    private static List<Thread> newNonDaemonThreads(Set<Thread> before) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> !before.contains(t) && t.isAlive() && !t.isDaemon())
                .collect(Collectors.toList());
    }
}
