package dev.tally.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.tally.core.persistence.TallyStore;
import dev.tally.core.store.StoreException;
import dev.tally.core.testing.InterceptedStore;
import dev.tally.core.testing.MutableClock;
import dev.tally.server.config.ServerConfig;
import dev.tally.server.testing.TestServer;
import dev.tally.store.Stores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Review finding: the scheduled jobs could run on after the store's pool was closed at shutdown. The retention and
 * alert sweep schedule was stopped with {@code shutdownNow()} and never awaited, and the notification dispatcher was
 * interrupted after two seconds and not awaited either, so a job in flight went on while the store closed under it;
 * an interrupted job (its connection wait fails, as Hikari's does) logged its failure as a warning with a stack trace.
 *
 * <p>Every background job of a real server (retention and alert sweep, notification dispatch, the node's heartbeat
 * and configuration check) is held inside its store call until the shutdown interrupts it, and then fails as an
 * interrupted connection wait does. The shutdown must wait for each, end them quietly, and close the store last.
 */
class ShutdownRaceTest {
    /** The threads of the server's scheduled jobs. */
    private static final Set<String> JOB_THREADS = Set.of("tally-retention", "tally-notify", "tally-cluster");
    private static final Duration DEADLINE = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private final Map<String, CountDownLatch> held = new ConcurrentHashMap<>();
    private final AtomicBoolean holding = new AtomicBoolean();
    private final AtomicBoolean storeClosed = new AtomicBoolean();
    private final AtomicInteger inFlightAtClose = new AtomicInteger(-1);
    private final AtomicInteger inFlight = new AtomicInteger();
    private final List<String> callsAfterClose = new CopyOnWriteArrayList<>();

    @Test
    void close_whileEveryScheduledJobRuns_waitsForThemEndsThemQuietlyAndClosesTheStoreLast() throws Exception {
        JOB_THREADS.forEach(t -> held.put(t, new CountDownLatch(1)));
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        root.addAppender(logs);
        try {
            MutableClock clock = MutableClock.at("2026-11-20T12:00:00Z");
            ServerConfig config = ServerConfig.fromEnvironment(Map.of()).toBuilder().port(0).dataDir(dir)
                    .adminKey(TestServer.ADMIN_KEY).build();
            // Retention and the alert sweep every 20 ms instead of hourly and each minute.
            TallyServer server = TallyServer.start(config, clock, store(clock), new TallyServer.SchedulePeriods(
                    Duration.ofMillis(20), Duration.ofMillis(20), Duration.ofMillis(20)));
            holding.set(true);
            for (Map.Entry<String, CountDownLatch> job : held.entrySet()) {
                assertThat(job.getValue().await(DEADLINE.toSeconds(), TimeUnit.SECONDS))
                        .as("a job of %s is running", job.getKey()).isTrue();
            }

            server.close();

            assertThat(inFlightAtClose.get()).as("jobs still inside the store when it closed").isZero();
            assertThat(callsAfterClose).as("store calls after the store closed").isEmpty();
            assertThat(logs.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN)
                    && e.getLoggerName().startsWith("dev.tally")).map(e -> e.getLevel() + " " + e.getLoggerName()
                    + ": " + e.getFormattedMessage()).toList()).as("warnings and errors logged").isEmpty();
        } finally {
            root.detachAppender(logs);
        }
    }

    /**
     * The real SQLite store. The first call of each job thread once {@link #holding} is set waits until the thread
     * is interrupted, then fails as an interrupted wait for a connection does.
     */
    private TallyStore store(MutableClock clock) {
        return InterceptedStore.of(TallyStore.class, Stores.sqliteFile(dir, clock), new InterceptedStore.Hooks() {
            @Override
            public void beforeCall(String method) {
                if (method.equals("close")) {
                    inFlightAtClose.set(inFlight.get());
                    storeClosed.set(true);
                    return;
                }
                String thread = Thread.currentThread().getName();
                if (storeClosed.get()) {
                    callsAfterClose.add(method + " on " + thread);
                }
                CountDownLatch latch = held.get(thread);
                if (holding.get() && latch != null && latch.getCount() > 0) {
                    hold(latch);
                }
            }
        });
    }

    private void hold(CountDownLatch latch) {
        inFlight.incrementAndGet();
        try {
            latch.countDown();
            // Waits for the shutdown's interrupt; nothing counts this latch down.
            new CountDownLatch(1).await(DEADLINE.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted while waiting for a connection",
                    new SQLException("tally - Interrupted during connection acquisition", e));
        } finally {
            inFlight.decrementAndGet();
        }
    }
}
