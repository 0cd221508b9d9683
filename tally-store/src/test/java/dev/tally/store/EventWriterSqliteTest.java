package dev.tally.store;

import dev.tally.core.event.LedgerEntry;
import dev.tally.core.ingest.EventWriter;
import dev.tally.core.ingest.WriterSettings;
import dev.tally.core.problem.UnavailableException;
import dev.tally.core.persistence.TallyStore;
import dev.tally.core.store.UsageStore;
import dev.tally.core.testing.InterceptedStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import static dev.tally.core.store.LedgerFixtures.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The group-commit writer over a real SQLite file: concurrency, batching, isolation of failures, draining. */
class EventWriterSqliteTest {
    @TempDir
    Path dir;
    private TallyStore store;
    private final AtomicInteger commits = new AtomicInteger();
    private final AtomicInteger sharedCommits = new AtomicInteger();

    @BeforeEach
    void open() {
        store = Stores.sqliteFile(dir);
    }

    @AfterEach
    void close() {
        store.close();
    }

    private EventWriter writer(Duration linger) {
        return new EventWriter(store, new WriterSettings(5_000, linger, 10_000), stats -> {
            commits.incrementAndGet();
            if (stats.submissions() > 1) {
                sharedCommits.incrementAndGet();
            }
        });
    }

    private static List<LedgerEntry> batch(String prefix, int n) {
        List<LedgerEntry> entries = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            entries.add(event(prefix + "-" + i).build());
        }
        return entries;
    }

    @Test
    void submit_fromManyThreads_acknowledgesEveryEventOnceAndSharesCommits() throws Exception {
        int threads = 16;
        int perThread = 50;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (EventWriter writer = writer(Duration.ofMillis(5))) {
            List<Future<boolean[]>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                String prefix = "t" + t;
                results.add(pool.submit(() -> {
                    boolean[] all = new boolean[perThread * 10];
                    for (int r = 0; r < perThread; r++) {
                        boolean[] stored = writer.submit(batch(prefix + "-r" + r, 10)).get();
                        System.arraycopy(stored, 0, all, r * 10, 10);
                    }
                    return all;
                }));
            }
            for (Future<boolean[]> f : results) {
                assertThat(f.get(60, TimeUnit.SECONDS)).doesNotContain(false);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(store.countEvents()).isEqualTo(threads * perThread * 10L);
        // 800 submissions from 16 threads with a 5 ms linger: some commits must have carried several of them.
        assertThat(sharedCommits.get()).isPositive();
        assertThat(commits.get()).isLessThan(threads * perThread);
    }

    @Test
    void submit_sameIdsConcurrently_storesEachOnce() throws Exception {
        try (EventWriter writer = writer(Duration.ofMillis(5))) {
            CompletableFuture<boolean[]> a = writer.submit(batch("same", 100));
            CompletableFuture<boolean[]> b = writer.submit(batch("same", 100));
            int stored = 0;
            for (boolean s : a.get()) {
                stored += s ? 1 : 0;
            }
            for (boolean s : b.get()) {
                stored += s ? 1 : 0;
            }
            assertThat(stored).isEqualTo(100);
        }
        assertThat(store.countEvents()).isEqualTo(100);
    }

    @Test
    void submit_submissionOverflowingASum_isCommittedInParts_refusingOnlyWhatCannotFit() throws Exception {
        // Two costs whose sum overflows a long of nano-dollars: the first fits, the second never can (issue 11).
        List<LedgerEntry> poison = List.of(event("p1").costNanos(Long.MAX_VALUE / 2 + 1).build(),
                event("p2").costNanos(Long.MAX_VALUE / 2 + 1).build());
        try (EventWriter writer = writer(Duration.ofMillis(50))) {
            CompletableFuture<boolean[]> before = writer.submit(batch("ok1", 5));
            CompletableFuture<EventWriter.Committed> bad = writer.submitWithRefusals(poison, null);
            CompletableFuture<boolean[]> after = writer.submit(batch("ok2", 5));
            assertThat(before.get()).containsOnly(true);
            assertThat(after.get()).containsOnly(true);
            assertThat(bad.get().stored()).containsExactly(true, false);
            assertThat(bad.get().refused()).containsOnlyKeys(1);
            assertThat(bad.get().refused().get(1)).contains("would exceed the largest sum");
        }
        assertThat(store.countEvents()).isEqualTo(11);
    }

    @Test
    void close_commitsEverythingQueued_thenRefusesNewWork() throws Exception {
        EventWriter writer = writer(Duration.ofMillis(20));
        List<CompletableFuture<boolean[]>> pending = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            pending.add(writer.submit(batch("drain" + i, 20)));
        }
        writer.close();
        for (CompletableFuture<boolean[]> f : pending) {
            assertThat(f.isDone()).isTrue();
            assertThat(f.get()).containsOnly(true);
        }
        assertThat(store.countEvents()).isEqualTo(1000);
        assertThatThrownBy(() -> writer.submit(batch("late", 1))).isInstanceOf(UnavailableException.class);
    }

    @Test
    void submit_whileACommitRuns_nextBatchIsPreparedBeforeItEnds() throws Exception {
        CountDownLatch firstWriteStarted = new CountDownLatch(1);
        CountDownLatch releaseFirstWrite = new CountDownLatch(1);
        CountDownLatch secondPrepared = new CountDownLatch(1);
        // The real store, with the first append's transaction held until the test lets it go.
        UsageStore gated = InterceptedStore.of(UsageStore.class, store, new InterceptedStore.Hooks() {
            @Override
            public void prepared(int n) {
                if (n == 2) {
                    secondPrepared.countDown();
                }
            }

            @Override
            public void beforeWrite(int n) {
                if (n == 1) {
                    firstWriteStarted.countDown();
                    awaitQuietly(releaseFirstWrite);
                }
            }
        });
        try (EventWriter writer = new EventWriter(gated, new WriterSettings(5_000, Duration.ZERO, 10_000), s -> {
        })) {
            CompletableFuture<boolean[]> first = writer.submit(batch("first", 10));
            assertThat(firstWriteStarted.await(10, TimeUnit.SECONDS)).isTrue();
            CompletableFuture<boolean[]> second = writer.submit(batch("second", 10));

            assertThat(secondPrepared.await(10, TimeUnit.SECONDS)).as("second batch prepared during the first commit")
                    .isTrue();
            assertThat(first).isNotDone();
            releaseFirstWrite.countDown();
            assertThat(first.get(10, TimeUnit.SECONDS)).containsOnly(true);
            assertThat(second.get(10, TimeUnit.SECONDS)).containsOnly(true);
        }
        assertThat(store.countEvents()).isEqualTo(20);
    }

    @Test
    void batchBegunDuringACommit_goesWhenThatCommitEnds_notAfterTheLinger() throws Exception {
        FirstWriteGate gate = FirstWriteGate.over(store);
        UsageStore gated = gate.store();
        // A linger far longer than the test may wait: only a full batch, or the end of a commit, lets a batch go.
        Duration linger = Duration.ofSeconds(30);
        try (EventWriter writer = new EventWriter(gated, new WriterSettings(10, linger, 10_000), s -> {
        })) {
            CompletableFuture<boolean[]> first = writer.submit(batch("full", 10));
            assertThat(gate.started().await(10, TimeUnit.SECONDS)).isTrue();
            CompletableFuture<boolean[]> second = writer.submit(batch("single", 1));
            // Released only once the preparer has begun the "single" batch during the commit. Released at once (as
            // before), the commit could end before a busy machine scheduled the preparer: the batch then began
            // with nothing committing, and rightly waited out the linger (a module run timed out so).
            awaitCollectingDuringACommit(writer);

            gate.release().countDown();
            assertThat(first.get(10, TimeUnit.SECONDS)).containsOnly(true);
            assertThat(second.get(10, TimeUnit.SECONDS)).as("committed once the first commit ended").containsOnly(true);
        }
        assertThat(store.countEvents()).isEqualTo(11);
    }

    @Test
    void defaults_idleWriter_commitsAtOnce_andWhatArrivesDuringTheCommitSharesTheNext() throws Exception {
        // No linger by default: an idle writer commits a lone event at once (a 2 ms linger set the pace of single
        // events), and batches still form from what arrives while a commit runs.
        assertThat(WriterSettings.DEFAULTS.linger()).isZero();
        FirstWriteGate gate = FirstWriteGate.over(store);
        UsageStore gated = gate.store();
        List<EventWriter.BatchStats> batches = new CopyOnWriteArrayList<>();
        try (EventWriter writer = new EventWriter(gated, WriterSettings.DEFAULTS, batches::add)) {
            CompletableFuture<boolean[]> lone = writer.submit(batch("lone", 1));
            assertThat(gate.started().await(10, TimeUnit.SECONDS)).isTrue();
            List<CompletableFuture<boolean[]>> during = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                during.add(writer.submit(batch("during" + i, 1)));
            }
            gate.release().countDown();
            assertThat(lone.get(10, TimeUnit.SECONDS)).containsOnly(true);
            for (CompletableFuture<boolean[]> f : during) {
                assertThat(f.get(10, TimeUnit.SECONDS)).containsOnly(true);
            }
        }
        // The lone event went alone; the five that came during its commit went in at most two more (the preparer
        // may have closed one batch before the held commit ended, never one per event).
        assertThat(batches.get(0).submissions()).isEqualTo(1);
        assertThat(batches).hasSizeLessThanOrEqualTo(3);
        assertThat(batches.stream().mapToInt(EventWriter.BatchStats::events).sum()).isEqualTo(6);
        assertThat(store.countEvents()).isEqualTo(6);
    }

    @Test
    void submit_moreEventsWaitingThanFortyBatches_isRefusedUntilTheyAreCommitted() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        // The real store, with every write held until the test lets it go.
        UsageStore gated = InterceptedStore.of(UsageStore.class, store, new InterceptedStore.Hooks() {
            @Override
            public void beforeWrite(int n) {
                awaitQuietly(release);
            }
        });
        int maxBatch = 10; // so 400 events may wait
        List<CompletableFuture<boolean[]>> accepted = new ArrayList<>();
        try (EventWriter writer = new EventWriter(gated, new WriterSettings(maxBatch, Duration.ZERO, 10_000), s -> {
        })) {
            for (int i = 0; i < EventWriter.QUEUED_BATCHES; i++) {
                accepted.add(writer.submit(batch("ok" + i, maxBatch)));
            }
            assertThatThrownBy(() -> writer.submit(batch("over", 1))).isInstanceOf(UnavailableException.class)
                    .hasMessageContaining("400 events waiting");

            release.countDown();
            for (CompletableFuture<boolean[]> f : accepted) {
                assertThat(f.get(10, TimeUnit.SECONDS)).containsOnly(true);
            }
            assertThat(writer.submit(batch("after", 1)).get(10, TimeUnit.SECONDS)).containsOnly(true);
        }
        assertThat(store.countEvents()).isEqualTo(401);
    }

    /** The real store with its first write held until {@link #release()} opens; {@link #started()} says it began. */
    private record FirstWriteGate(UsageStore store, CountDownLatch started, CountDownLatch release) {
        static FirstWriteGate over(UsageStore real) {
            CountDownLatch started = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            UsageStore gated = InterceptedStore.of(UsageStore.class, real, new InterceptedStore.Hooks() {
                @Override
                public void beforeWrite(int n) {
                    if (n == 1) {
                        started.countDown();
                        awaitQuietly(release);
                    }
                }
            });
            return new FirstWriteGate(gated, started, release);
        }
    }

    /**
     * Waits until the writer's preparer parks in its collecting loop, where it waits for the commit under way to end
     * (it parks with the writer as its blocker there, and nowhere else: waiting for a first submission, it parks on
     * the queue). Polled with a deadline: the writer has no signal for it, and needs none but for this test.
     */
    private static void awaitCollectingDuringACommit(EventWriter writer) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!parkedIn(writer)) {
            assertThat(System.nanoTime() - deadline).as("the preparer waits for the commit's end within 10 s")
                    .isNegative();
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1)); // a pause between polls, not the wait itself
        }
    }

    /** Whether a thread is parked with {@code writer} as its blocker. */
    private static boolean parkedIn(EventWriter writer) {
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (LockSupport.getBlocker(t) == writer) {
                return true;
            }
        }
        return false;
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            assertThat(latch.await(10, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
