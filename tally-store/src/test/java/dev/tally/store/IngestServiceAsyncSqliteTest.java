package dev.tally.store;

import dev.tally.core.catalog.Catalog;
import dev.tally.core.customer.Customer;
import dev.tally.core.enforce.Enforcer;
import dev.tally.core.limit.FailurePolicy;
import dev.tally.core.counter.InMemoryCounterStore;
import dev.tally.core.reservation.ReservationIds;
import dev.tally.core.ingest.EventCandidate;
import dev.tally.core.ingest.EventWriter;
import dev.tally.core.ingest.IngestPolicy;
import dev.tally.core.ingest.IngestResult;
import dev.tally.core.ingest.IngestService;
import dev.tally.core.ingest.WriterSettings;
import dev.tally.core.problem.UnavailableException;
import dev.tally.core.store.StoreException;
import dev.tally.core.persistence.TallyStore;
import dev.tally.core.store.UsageStore;
import dev.tally.core.testing.InterceptedStore;
import dev.tally.core.testing.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.tally.core.store.LedgerFixtures.T0;
import static dev.tally.core.store.LedgerFixtures.event;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link IngestService#ingestAsync} over a real SQLite file: what follows a commit, and whatever the caller chains on
 * it, runs on the caller's executor, never on the writer's committing thread, whether the commit succeeded or failed.
 */
class IngestServiceAsyncSqliteTest {
    private static final String REPLY_THREAD = "test-replies";

    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock(T0);
    private final CountDownLatch gate = new CountDownLatch(1);
    private final ExecutorService replies = Executors.newSingleThreadExecutor(r -> new Thread(r, REPLY_THREAD));
    private volatile StoreException writeFailure;
    private final AtomicInteger commits = new AtomicInteger();
    private TallyStore store;
    private EventWriter writer;
    private IngestService ingest;

    @BeforeEach
    void open() {
        store = Stores.sqliteFile(dir, clock);
        Catalog catalog = new Catalog(store);
        catalog.putCustomer(new Customer("acme", "Acme", null, ZoneOffset.UTC, 1, List.of(), T0));
        writer = new EventWriter(gated(store), new WriterSettings(5_000, Duration.ZERO, 10_000),
                stats -> commits.incrementAndGet());
        Enforcer enforcer = new Enforcer(catalog, new InMemoryCounterStore(),
                new ReservationIds(ReservationIds.newSecret()), clock, FailurePolicy.FAIL_OPEN, e -> {
        });
        ingest = new IngestService(catalog, writer, clock, IngestPolicy.DEFAULTS, enforcer);
    }

    @AfterEach
    void close() {
        gate.countDown();
        writer.close();
        replies.shutdownNow();
        store.close();
    }

    /** The real store, whose appends wait for the gate and then throw {@link #writeFailure} if one is set. */
    private UsageStore gated(TallyStore real) {
        return InterceptedStore.of(UsageStore.class, real, new InterceptedStore.Hooks() {
            @Override
            public void beforeWrite(int n) {
                awaitQuietly(gate);
                if (writeFailure != null) {
                    throw writeFailure;
                }
            }
        });
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            assertThat(latch.await(20, TimeUnit.SECONDS)).as("gate opened").isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static List<EventCandidate> oneEvent(String id) {
        return List.of(EventCandidate.valid(0, event(id).at(T0).build().event()));
    }

    @Test
    void ingestAsync_committed_continuesOnTheGivenExecutor() throws Exception {
        CompletableFuture<IngestResult> result = ingest.ingestAsync(oneEvent("e1"), replies);
        // Chained before the commit completes, so it runs where the completion runs.
        CompletableFuture<String> thread = result.thenApply(r -> Thread.currentThread().getName());

        gate.countDown();

        assertThat(thread.get(20, TimeUnit.SECONDS)).isEqualTo(REPLY_THREAD);
        assertThat(result.get().accepted()).isEqualTo(1);
        assertThat(ingest.ingest(oneEvent("e1")).duplicates()).as("stored once").isEqualTo(1);
    }

    /**
     * Issue 11, point 13: one event per request. The answers of a commit are handed to the executor in at most one
     * task per core, not one task (and so a thread woken) per request.
     */
    @Test
    void ingestAsync_manyRequestsShareACommit_areAnsweredInAFewTasksOnTheExecutor() throws Exception {
        AtomicInteger tasks = new AtomicInteger();
        Executor counted = task -> {
            tasks.incrementAndGet();
            replies.execute(task);
        };
        int requests = 40;
        List<CompletableFuture<String>> answered = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            answered.add(ingest.ingestAsync(oneEvent("e" + i), counted)
                    .thenApply(r -> Thread.currentThread().getName() + " " + r.accepted()));
        }

        gate.countDown();

        for (CompletableFuture<String> a : answered) {
            assertThat(a.get(20, TimeUnit.SECONDS)).isEqualTo(REPLY_THREAD + " 1");
        }
        assertThat(commits.get()).as("commits").isLessThan(requests / 4);
        assertThat(tasks.get()).as("tasks for %d commits", commits.get())
                .isLessThanOrEqualTo(commits.get() * Runtime.getRuntime().availableProcessors());
    }

    @Test
    void ingestAsync_commitFails_failsWithUnavailableOnTheGivenExecutor() throws Exception {
        writeFailure = new StoreException("disk I/O error", null);
        CompletableFuture<IngestResult> result = ingest.ingestAsync(oneEvent("e1"), replies);
        CompletableFuture<String> seen = result.handle((r, failure) -> Thread.currentThread().getName() + " "
                + failure.getCause().getClass().getSimpleName() + ": " + failure.getCause().getMessage());

        gate.countDown();

        assertThat(seen.get(20, TimeUnit.SECONDS)).startsWith(REPLY_THREAD + " "
                + UnavailableException.class.getSimpleName()).contains("disk I/O error");
    }
}
