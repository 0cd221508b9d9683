package dev.tally.core.ingest;

import dev.tally.core.event.LedgerEntry;
import dev.tally.core.problem.UnavailableException;
import dev.tally.core.store.SumBoundException;
import dev.tally.core.store.StoreException;
import dev.tally.core.store.UsageStore;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * The single writer of the ledger, committing events from many requests in shared transactions (group commit).
 *
 * <p>Requests hand their events to {@link #submit}; a preparing thread takes what is waiting, keeps collecting while
 * a commit runs (until it ends, or the batch holds {@link WriterSettings#maxBatchEvents()} events), and prepares the
 * batch's append ({@link UsageStore#prepareAppend}: encoding, ordering, aggregating the rollups). The one committing
 * thread commits it in one transaction with its rollups, and only then completes every request's future. So an
 * acknowledged event is on disk, and the cost of a durable commit (an fsync) is shared by everything that arrived
 * meanwhile. A batch begun while nothing commits goes at once (after {@link WriterSettings#linger()}, zero by
 * default): what arrives during its commit forms the next batch, so batches grow with the load by themselves and
 * the committer never idles while events wait.
 *
 * <p>The two threads form a pipeline: the next batch is collected and prepared while the previous one commits, so
 * the CPU work of preparing is not on the critical path of the single committer. While a commit runs, the preparer
 * keeps collecting until shortly before it is expected to end (and at the latest until it ends, not until the
 * linger time), so batches stay as large as the commit time lets them grow and the committer never idles while a
 * batch waits. The hand-over has no buffer (the preparer waits until the committer takes its batch), so at most one
 * batch is prepared ahead. Batches commit in the order they were collected. If a shared batch fails, each request in
 * it is retried alone, so one bad request cannot fail the others.
 */
public final class EventWriter implements AutoCloseable {
    /** Tells the committer that the preparer has ended and nothing follows. */
    private static final Prepared END = new Prepared(List.of(), () -> new boolean[0]);
    private static final long NOT_COMMITTING = Long.MIN_VALUE;
    /**
     * Events that may wait, in full batches: beyond it, callers are told to retry. Requests no longer hold a thread
     * while they wait (ingestion answers asynchronously), so without it a burst could queue up to
     * {@link WriterSettings#queueCapacity()} requests of thousands of events each in memory.
     */
    public static final int QUEUED_BATCHES = 40;
    /** How often a preparer waiting for a commit checks whether it has ended. */
    private static final long COMMIT_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    /** Tasks that complete the answers of one commit: one per core, so that answering uses every core. */
    private static final int ANSWER_TASKS = Runtime.getRuntime().availableProcessors();

    private final UsageStore store;
    private final WriterSettings settings;
    private final BlockingQueue<Submission> queue;
    private final SynchronousQueue<Prepared> handoff = new SynchronousQueue<>();
    private final Thread preparer;
    private final Thread committer;
    private final Consumer<BatchStats> observer;
    private final AtomicInteger pending = new AtomicInteger();
    /** Events submitted and not answered yet. */
    private final AtomicLong queuedEvents = new AtomicLong();
    private final long maxQueuedEvents;
    private volatile boolean closing;
    /** When the commit in progress began ({@link System#nanoTime()}), or {@link #NOT_COMMITTING}. */
    private volatile long commitStarted = NOT_COMMITTING;
    private volatile long lastCommitNanos;
    private volatile long lastPrepareNanos;

    /**
     * Starts the writer's threads: {@code tally-writer-prepare} and {@code tally-writer} (the committer).
     *
     * @param observer told about every committed batch (for metrics); may be a no-op
     */
    public EventWriter(UsageStore store, WriterSettings settings, Consumer<BatchStats> observer) {
        this.store = store;
        this.settings = settings;
        this.observer = observer;
        this.queue = new ArrayBlockingQueue<>(settings.queueCapacity());
        this.maxQueuedEvents = (long) settings.maxBatchEvents() * QUEUED_BATCHES;
        this.preparer = new Thread(this::prepareLoop, "tally-writer-prepare");
        this.committer = new Thread(this::commitLoop, "tally-writer");
        committer.start();
        preparer.start();
    }

    /**
     * Queues entries for the next commit.
     *
     * <p>The committing thread completes the future: work that follows a commit belongs on another thread (submit
     * with a completion executor, or chain with one), or it delays every later commit.
     *
     * @return completes, after the commit, with one flag per entry: true if stored, false if a duplicate; or
     *         exceptionally with {@link UnavailableException} if the store failed
     * @throws UnavailableException at once if the writer is closing or its queue is full
     */
    public CompletableFuture<boolean[]> submit(List<LedgerEntry> entries) {
        return submit(entries, null);
    }

    /**
     * Queues entries for the next commit; the future is completed on {@code completion}, so that what the caller
     * chains on it (without an executor) runs there, never on the committing thread.
     *
     * <p>The submissions a commit answers are completed in a few tasks, at most one per core, each completing its share
     * in turn, rather than in a task of their own: for requests of one event, a thread woken per request cost more
     * than the request's part of the commit. If {@code completion} rejects a task (say, while the server stops), the
     * committing thread completes that share itself, so no caller is left waiting.
     *
     * @param completion completes the future; null for the committing thread
     * @return as {@link #submit(List)}
     * @throws UnavailableException at once if the writer is closing or its queue is full
     */
    public CompletableFuture<boolean[]> submit(List<LedgerEntry> entries, Executor completion) {
        // thenApply runs where the future is completed, so what the caller chains still runs on `completion`.
        return submitWithRefusals(entries, completion).thenApply(Committed::stored);
    }

    /**
     * Queues entries for the next commit, like {@link #submit(List, Executor)}, and reports the entries refused
     * because a sum they add to would exceed what a stored sum holds ({@link SumBoundException}): such entries can
     * never be written, so they are refused alone, and the rest of their request is still committed.
     *
     * @param completion completes the future; null for the committing thread
     * @return completes, after the commit, with what was stored and what was refused; or exceptionally with
     *         {@link UnavailableException} if the store failed
     * @throws UnavailableException at once if the writer is closing or its queue is full
     */
    public CompletableFuture<Committed> submitWithRefusals(List<LedgerEntry> entries, Executor completion) {
        if (closing) {
            throw new UnavailableException("the server is shutting down", null);
        }
        Submission submission = new Submission(List.copyOf(entries), completion);
        if (entries.isEmpty()) {
            submission.result.complete(new Committed(new boolean[0], Map.of()));
            return submission.result;
        }
        long waiting = queuedEvents.addAndGet(entries.size()) - entries.size();
        // One submission is always taken, however large: the batch size bounds what fits in one commit, not this.
        if (waiting > 0 && waiting + entries.size() > maxQueuedEvents) {
            queuedEvents.addAndGet(-entries.size());
            throw new UnavailableException("the ingestion queue is full (" + waiting
                    + " events waiting); retry shortly", null);
        }
        pending.incrementAndGet();
        if (!queue.offer(submission)) {
            pending.decrementAndGet();
            queuedEvents.addAndGet(-entries.size());
            throw new UnavailableException("the ingestion queue is full (" + settings.queueCapacity()
                    + " requests waiting); retry shortly", null);
        }
        return submission.result;
    }

    /** How many events are queued or being committed, not yet answered (a gauge for metrics). */
    public long queuedEvents() {
        return queuedEvents.get();
    }

    /** How many submissions are queued or being committed, not yet answered (a gauge for metrics and tests). */
    public int pendingSubmissions() {
        return pending.get();
    }

    private void prepareLoop() {
        while (!closing || !queue.isEmpty()) {
            try {
                Submission first = queue.poll(50, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                List<Submission> batch = new ArrayList<>();
                batch.add(first);
                collect(batch, first.entries.size());
                long preparing = System.nanoTime();
                UsageStore.PreparedAppend append = prepare(batch);
                lastPrepareNanos = System.nanoTime() - preparing;
                hand(new Prepared(batch, append));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                closing = true;
            }
        }
        // A submit that raced with close() may have slipped in after the last poll: never leave it hanging.
        for (Submission late; (late = queue.poll()) != null; ) {
            answer(late, null, new UnavailableException("the server is shutting down", null));
            deliver(List.of(late));
        }
        hand(END);
    }

    /** Gives a batch to the committer, waiting until it takes it; an interrupt cannot lose a collected batch. */
    private void hand(Prepared prepared) {
        boolean interrupted = Thread.interrupted();
        while (true) {
            try {
                handoff.put(prepared);
                break;
            } catch (InterruptedException e) {
                interrupted = true;
                closing = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void commitLoop() {
        while (true) {
            Prepared next;
            try {
                next = handoff.take();
            } catch (InterruptedException e) {
                // Only close() ends the committer, after the preparer has handed over everything.
                closing = true;
                continue;
            }
            if (next == END) {
                return;
            }
            long started = System.nanoTime();
            commitStarted = started;
            commit(next.submissions, next.append);
            lastCommitNanos = System.nanoTime() - started;
            commitStarted = NOT_COMMITTING;
            // The preparer first, then the answers: the next batch is prepared while the answers are handed out, so
            // the next commit does not wait for them.
            LockSupport.unpark(preparer); // a preparer collecting until this commit's end takes its batch now
            deliver(next.submissions);
        }
    }

    /**
     * Adds waiting submissions to the batch until it is full or the linger time has passed, or, while a commit is in
     * progress, until shortly before it is expected to end: early enough to prepare the batch by then (both from the
     * last commit and preparation), and at the latest until it ends. Stopping at the linger time during a long commit
     * would leave the requests that arrive later in the commit for yet another, smaller batch: with a fixed number of
     * clients, three batches of a third instead of two of a half, and every commit has a fixed cost. Waiting for the
     * linger time after a short commit has ended would keep the committer idle while everything collected waits:
     * with one event per request and commits shorter than the linger, the linger set the pace of every commit.
     *
     * <p>Meanwhile it sleeps and takes what has arrived when it wakes (at the latest every
     * {@link #COMMIT_CHECK_NANOS}, and when the committer ends a commit), rather than waiting on the queue: a waiting
     * consumer is woken by every submission, and with one event per request that was a thread switch per event.
     */
    private void collect(List<Submission> batch, int events) throws InterruptedException {
        long lingerEnd = System.nanoTime() + settings.linger().toNanos();
        long started = commitStarted;
        long deadline = started == NOT_COMMITTING ? lingerEnd
                : Math.max(lingerEnd, started + lastCommitNanos - lastPrepareNanos);
        int max = settings.maxBatchEvents();
        while (true) {
            for (Submission next; events < max && (next = queue.poll()) != null; ) {
                batch.add(next);
                events += next.entries.size();
            }
            long now = System.nanoTime();
            boolean commitEnded = started != NOT_COMMITTING && commitStarted != started;
            if (events >= max || now >= deadline || closing || commitEnded) {
                return;
            }
            LockSupport.parkNanos(this, Math.min(deadline - now, COMMIT_CHECK_NANOS));
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
        }
    }

    /** Prepares the append of the batch's entries; a failure to prepare fails its write, so it is retried alone. */
    private UsageStore.PreparedAppend prepare(List<Submission> batch) {
        List<LedgerEntry> all = new ArrayList<>();
        for (Submission s : batch) {
            all.addAll(s.entries);
        }
        try {
            return store.prepareAppend(all);
        } catch (RuntimeException e) {
            return () -> {
                throw e;
            };
        }
    }

    /**
     * Commits a batch and records each submission's outcome ({@link #answer}); the caller then delivers them. A failed
     * shared batch is committed again one submission at a time.
     */
    private void commit(List<Submission> batch, UsageStore.PreparedAppend append) {
        long started = System.nanoTime();
        boolean[] stored;
        try {
            stored = append.write();
            observer.accept(new BatchStats(stored.length, batch.size(), System.nanoTime() - started));
        } catch (RuntimeException e) {
            // Alone, or with the database out of reach (which no request can be the cause of): answer now. Retrying
            // each request alone would wait the pool's connection timeout once per request.
            if (batch.size() == 1 || e instanceof StoreException se && se.unreachable()) {
                for (Submission s : batch) {
                    answerAlone(s, e);
                }
                return;
            }
            for (Submission s : batch) {
                List<Submission> alone = List.of(s);
                commit(alone, prepare(alone));
            }
            return;
        }
        // Outside the try: the batch is committed, so nothing a caller's continuation throws may count as a failed
        // write (which would commit the batch again, one request at a time).
        int offset = 0;
        for (Submission s : batch) {
            boolean[] own = new boolean[s.entries.size()];
            System.arraycopy(stored, offset, own, 0, own.length);
            offset += own.length;
            answer(s, new Committed(own, Map.of()), null);
        }
    }

    /**
     * Records the outcome of a request whose own commit failed: the store's failure, or, when a sum it adds to would
     * exceed a long, what committing it in parts did, so that only the events that cannot fit are refused.
     */
    private void answerAlone(Submission s, RuntimeException failure) {
        if (!(failure instanceof SumBoundException)) {
            answer(s, null, new UnavailableException("the store could not record the events: "
                    + failure.getMessage(), failure));
            return;
        }
        boolean[] stored = new boolean[s.entries.size()];
        Map<Integer, String> refused = new TreeMap<>();
        try {
            writeApart(s.entries, 0, s.entries.size(), stored, refused);
        } catch (RuntimeException e) {
            answer(s, null, new UnavailableException("the store could not record the events: " + e.getMessage(), e));
            return;
        }
        answer(s, new Committed(stored, refused), null);
    }

    /**
     * Writes entries [from, to) in halves until every part either commits or is one entry that cannot fit: a few
     * transactions per refused entry (log2 of the request's size), and none at all for requests without one.
     */
    private void writeApart(List<LedgerEntry> entries, int from, int to, boolean[] stored,
                            Map<Integer, String> refused) {
        try {
            boolean[] part = store.prepareAppend(entries.subList(from, to)).write();
            System.arraycopy(part, 0, stored, from, part.length);
        } catch (SumBoundException e) {
            if (to - from == 1) {
                refused.put(from, e.getMessage());
                return;
            }
            int middle = (from + to) >>> 1;
            writeApart(entries, from, middle, stored, refused);
            writeApart(entries, middle, to, stored, refused);
        }
    }

    /**
     * Records a submission's outcome, taking it off the counts of what waits before anyone is told: so a caller that
     * sees the answer and submits again finds the room it left.
     */
    private void answer(Submission s, Committed committed, RuntimeException failure) {
        pending.decrementAndGet();
        queuedEvents.addAndGet(-s.entries.size());
        s.committed = committed;
        s.failure = failure;
    }

    /**
     * Completes the futures of answered submissions: those without an executor here, the others in at most
     * {@link #ANSWER_TASKS} tasks per executor, each a contiguous share (see {@link #submit(List, Executor)}).
     */
    private void deliver(List<Submission> answered) {
        Map<Executor, List<Submission>> byExecutor = new IdentityHashMap<>();
        for (Submission s : answered) {
            if (s.completion == null) {
                s.complete();
            } else {
                byExecutor.computeIfAbsent(s.completion, e -> new ArrayList<>()).add(s);
            }
        }
        byExecutor.forEach((executor, all) -> {
            int tasks = Math.min(all.size(), ANSWER_TASKS);
            for (int t = 0; t < tasks; t++) {
                List<Submission> share = all.subList(all.size() * t / tasks, all.size() * (t + 1) / tasks);
                Runnable completeShare = () -> share.forEach(Submission::complete);
                try {
                    executor.execute(completeShare);
                } catch (RejectedExecutionException e) {
                    completeShare.run();
                }
            }
        });
    }

    /** Stops taking submissions, commits everything already queued, and waits for the writer threads to end. */
    @Override
    public void close() {
        closing = true;
        try {
            preparer.join();
            committer.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One caller's entries, its future, where to complete it, and (once committed or failed) its outcome. */
    private static final class Submission {
        final List<LedgerEntry> entries;
        final CompletableFuture<Committed> result = new CompletableFuture<>();
        final Executor completion;
        Committed committed;
        RuntimeException failure;

        Submission(List<LedgerEntry> entries, Executor completion) {
            this.entries = entries;
            this.completion = completion;
        }

        /** Completes the future with the outcome (what its dependents throw, the future keeps to itself). */
        void complete() {
            if (failure == null) {
                result.complete(committed);
            } else {
                result.completeExceptionally(failure);
            }
        }
    }

    /**
     * What was done with a request's entries.
     *
     * @param stored  one flag per entry: true if stored, false if a duplicate or refused
     * @param refused the refused entries by index, with why: a sum they add to would exceed what a sum holds
     */
    public record Committed(boolean[] stored, Map<Integer, String> refused) {
    }

    /** A collected batch with its append prepared. */
    private record Prepared(List<Submission> submissions, UsageStore.PreparedAppend append) {
    }

    /**
     * What one commit did, for metrics.
     *
     * @param events      events in the transaction
     * @param submissions requests that shared it
     * @param nanos       how long the store took to write it (its preparation, done ahead, not included)
     */
    public record BatchStats(int events, int submissions, long nanos) {
    }
}
