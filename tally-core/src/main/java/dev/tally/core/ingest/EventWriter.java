package dev.tally.core.ingest;

import dev.tally.core.event.LedgerEntry;
import dev.tally.core.problem.UnavailableException;
import dev.tally.core.store.UsageStore;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The single writer of the ledger, committing events from many requests in shared transactions (group commit).
 *
 * <p>Requests hand their events to {@link #submit}; one thread takes what is waiting, keeps collecting until the
 * batch holds {@link WriterSettings#maxBatchEvents()} events or {@link WriterSettings#linger()} has passed since it
 * began, commits the batch in one transaction with its rollups, and only then completes every request's future.
 * So an acknowledged event is on disk, and the cost of a durable commit (an fsync) is shared by everything that
 * arrived meanwhile. If a shared batch fails, each request in it is retried alone, so one bad request cannot fail
 * the others.
 */
public final class EventWriter implements AutoCloseable {

    private final UsageStore store;
    private final WriterSettings settings;
    private final BlockingQueue<Submission> queue;
    private final Thread thread;
    private final Consumer<BatchStats> observer;
    private volatile boolean closing;

    /**
     * Starts the writer thread.
     *
     * @param observer told about every committed batch (for metrics); may be a no-op
     */
    public EventWriter(UsageStore store, WriterSettings settings, Consumer<BatchStats> observer) {
        this.store = store;
        this.settings = settings;
        this.observer = observer;
        this.queue = new ArrayBlockingQueue<>(settings.queueCapacity());
        this.thread = new Thread(this::run, "tally-writer");
        thread.start();
    }

    /**
     * Queues entries for the next commit.
     *
     * @return completes, after the commit, with one flag per entry: true if stored, false if a duplicate; or
     *         exceptionally with {@link UnavailableException} if the store failed
     * @throws UnavailableException at once if the writer is closing or its queue is full
     */
    public CompletableFuture<boolean[]> submit(List<LedgerEntry> entries) {
        if (closing) {
            throw new UnavailableException("the server is shutting down", null);
        }
        Submission submission = new Submission(List.copyOf(entries), new CompletableFuture<>());
        if (entries.isEmpty()) {
            submission.result.complete(new boolean[0]);
        } else if (!queue.offer(submission)) {
            throw new UnavailableException("the ingestion queue is full (" + settings.queueCapacity()
                    + " requests waiting); retry shortly", null);
        }
        return submission.result;
    }

    private void run() {
        List<Submission> batch = new ArrayList<>();
        while (!closing || !queue.isEmpty()) {
            try {
                Submission first = queue.poll(50, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                collect(batch, first.entries.size());
                commit(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                closing = true;
            } finally {
                batch.clear();
            }
        }
        // A submit that raced with close() may have slipped in after the last poll: never leave it hanging.
        for (Submission late; (late = queue.poll()) != null; ) {
            late.result.completeExceptionally(new UnavailableException("the server is shutting down", null));
        }
    }

    /** Adds waiting submissions to the batch until it is full or the linger time has passed. */
    private void collect(List<Submission> batch, int events) throws InterruptedException {
        long deadline = System.nanoTime() + settings.linger().toNanos();
        while (events < settings.maxBatchEvents()) {
            Submission next = queue.poll();
            if (next == null) {
                long wait = deadline - System.nanoTime();
                if (wait <= 0 || closing) {
                    return;
                }
                next = queue.poll(wait, TimeUnit.NANOSECONDS);
                if (next == null) {
                    return;
                }
            }
            batch.add(next);
            events += next.entries.size();
        }
    }

    private void commit(List<Submission> batch) {
        List<LedgerEntry> all = new ArrayList<>();
        for (Submission s : batch) {
            all.addAll(s.entries);
        }
        long started = System.nanoTime();
        try {
            boolean[] stored = store.append(all);
            observer.accept(new BatchStats(all.size(), batch.size(), System.nanoTime() - started));
            int offset = 0;
            for (Submission s : batch) {
                boolean[] own = new boolean[s.entries.size()];
                System.arraycopy(stored, offset, own, 0, own.length);
                offset += own.length;
                s.result.complete(own);
            }
        } catch (RuntimeException e) {
            if (batch.size() == 1) {
                batch.get(0).result.completeExceptionally(
                        new UnavailableException("the store could not record the events: " + e.getMessage(), e));
                return;
            }
            for (Submission s : batch) {
                commit(new ArrayList<>(List.of(s)));
            }
        }
    }

    /** Stops taking submissions, commits everything already queued, and waits for the writer thread to end. */
    @Override
    public void close() {
        closing = true;
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private record Submission(List<LedgerEntry> entries, CompletableFuture<boolean[]> result) {
    }

    /**
     * What one commit did, for metrics.
     *
     * @param events      events in the transaction
     * @param submissions requests that shared it
     * @param nanos       how long the store took
     */
    public record BatchStats(int events, int submissions, long nanos) {
    }
}
