package dev.tally.store;

import java.util.Collection;
import java.util.Collections;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Committed batches waiting to be added to in-memory sums, and the thread of their own that adds them, so that the
 * single writer only queues a batch (constant time) while the adding, mostly cache misses into large maps, happens
 * elsewhere ({@link PendingRollups}, {@link EndUserRollups}).
 *
 * <p>Concurrency: the owner's {@code lock} guards its sums and every removal from this queue. The thread folds a
 * batch and removes it under that lock, so a reader holding it sees every batch exactly once: folded or still
 * queued ({@link #batches}). Only the writer adds; {@link #foldAll} and {@link #clear} are for callers holding the
 * lock.
 *
 * @param <T> a batch
 */
final class FoldingQueue<T> implements AutoCloseable {
    /** Committed batches not folded yet, oldest first. */
    private final ConcurrentLinkedQueue<T> queued = new ConcurrentLinkedQueue<>();
    private final Object lock;
    private final Consumer<T> fold;
    private final Thread folder;
    private volatile boolean closed;

    /** Starts thread {@code threadName}, which adds each queued batch through {@code fold} under {@code lock}. */
    FoldingQueue(String threadName, Object lock, Consumer<T> fold) {
        this.lock = lock;
        this.fold = fold;
        folder = new Thread(this::foldLoop, threadName);
        folder.setDaemon(true);
        folder.start();
    }

    /** Queues a committed batch (the writer's call) and wakes the folding thread. */
    void add(T batch) {
        queued.add(batch);
        LockSupport.unpark(folder);
    }

    /** The batches not folded yet, oldest first; read under the owner's lock. */
    Collection<T> batches() {
        return Collections.unmodifiableCollection(queued);
    }

    /** Folds every queued batch now (under the owner's lock: a write is about to take everything). */
    void foldAll() {
        for (T next = queued.poll(); next != null; next = queued.poll()) {
            fold.accept(next);
        }
    }

    /** Drops every queued batch: it has been written (the writer's call, under the owner's lock). */
    void clear() {
        queued.clear();
    }

    private void foldLoop() {
        while (!closed) {
            T next = queued.peek();
            if (next == null) {
                LockSupport.park(this);
                continue;
            }
            synchronized (lock) {
                // A write may have come first: then the batch was written, and the head is another batch or none.
                if (queued.peek() == next) {
                    fold.accept(next);
                    queued.poll();
                }
            }
        }
    }

    /** Stops the folding thread; what is queued stays readable. */
    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(folder);
        try {
            folder.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
