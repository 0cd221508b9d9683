package dev.tally.client.servlet;

import dev.tally.client.Event;
import dev.tally.client.EventSink;
import dev.tally.client.IngestResult;
import dev.tally.client.TallyException;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Records events asynchronously: a bounded queue that request threads add to without ever waiting, drained by one
 * background thread that sends batches through an {@link EventSink}.
 *
 * <p>Rules:
 * <ul>
 *   <li>A batch is sent when it holds {@code batchSize} events, or {@code flushInterval} after its first event
 *       arrived, whichever comes first.</li>
 *   <li>A full queue drops the new event and counts it ({@link #dropped()}); the request never waits on Tally.</li>
 *   <li>A batch that fails with a retryable error (no answer, 408, 429, 5xx) is sent again, with the same event
 *       ids (so the server never counts one twice), after a backoff that doubles from {@code initialBackoff} up to
 *       {@link #MAX_BACKOFF}; after {@code maxAttempts} it is dropped. A batch refused for good (another 4xx) is
 *       dropped at once. Meanwhile new events wait in the queue (or are dropped when it is full).</li>
 *   <li>{@link #close(Duration)} stops taking events and keeps sending until the queue is empty or the deadline
 *       has passed; retry backoffs are cut to the deadline. Whatever is left then is dropped and logged.</li>
 * </ul>
 */
final class EventBatcher implements AutoCloseable {
    static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    private static final long IDLE_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private static final System.Logger LOG = System.getLogger(EventBatcher.class.getName());

    private final EventSink sink;
    private final BlockingQueue<Event> queue;
    private final int batchSize;
    private final long flushIntervalNanos;
    private final int maxAttempts;
    private final long initialBackoffNanos;
    private final Thread thread;
    private final CountDownLatch closing = new CountDownLatch(1);
    // Separate throttles: a stream of "retrying" warnings must not hide that events were lost.
    private final ThrottledLog retryWarnings = new ThrottledLog(LOG, Duration.ofMinutes(1));
    private final ThrottledLog lossWarnings = new ThrottledLog(LOG, Duration.ofMinutes(1));
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private volatile long closeDeadlineNanos;
    private volatile boolean accepting = true;

    EventBatcher(EventSink sink, int capacity, int batchSize, Duration flushInterval, int maxAttempts,
                 Duration initialBackoff) {
        this.sink = sink;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.batchSize = batchSize;
        this.flushIntervalNanos = flushInterval.toNanos();
        this.maxAttempts = maxAttempts;
        this.initialBackoffNanos = initialBackoff.toNanos();
        this.thread = new Thread(this::run, "tally-event-batcher");
        // Daemon: a forgotten close() must not keep the JVM alive; close() is what flushes.
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Queues an event without waiting; false (and counted as dropped) when the queue is full or closed. */
    boolean offer(Event event) {
        if (accepting && queue.offer(event)) {
            return true;
        }
        dropped.incrementAndGet();
        lossWarnings.warn("Tally event queue is full or closed; dropped event " + event.id() + " of customer "
                + event.customer() + " (" + dropped.get() + " dropped so far)", null);
        return false;
    }

    /** Events the server acknowledged (accepted or duplicate). */
    long sent() {
        return sent.get();
    }

    /** Events the server refused, each for a reason it named. */
    long rejected() {
        return rejected.get();
    }

    /** Events never delivered: queue full, retries used up, or left over at close. */
    long dropped() {
        return dropped.get();
    }

    /** Events waiting in the queue (not counting a batch being sent). */
    int pending() {
        return queue.size();
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }

    /** Stops taking events and sends what is queued, waiting at most {@code timeout}. */
    void close(Duration timeout) {
        if (!accepting) {
            return;
        }
        closeDeadlineNanos = System.nanoTime() + timeout.toNanos();
        accepting = false;
        closing.countDown();
        try {
            thread.join(Math.max(1, timeout.toMillis()));
            if (thread.isAlive()) {
                // Still sending at the deadline: abort the request in flight.
                thread.interrupt();
                thread.join(1000);
            }
        } catch (InterruptedException e) {
            thread.interrupt();
            Thread.currentThread().interrupt();
        }
        int left = queue.size();
        if (left > 0) {
            queue.clear();
            dropped.addAndGet(left);
            LOG.log(Level.WARNING, "Tally event recorder closed with {0} events not delivered (deadline {1} ms)",
                    left, timeout.toMillis());
        }
    }

    private void run() {
        List<Event> batch = new ArrayList<>(batchSize);
        while (!Thread.currentThread().isInterrupted()) {
            try {
                if (!fill(batch)) {
                    return;
                }
            } catch (InterruptedException e) {
                return;
            }
            if (!batch.isEmpty()) {
                deliver(batch);
                batch.clear();
            }
        }
    }

    /**
     * Waits for a first event, then collects until the batch is full or the flush interval has passed since that
     * event. While closing, takes only what is queued. False when closed and nothing is left.
     */
    private boolean fill(List<Event> batch) throws InterruptedException {
        Event first;
        while ((first = queue.poll()) == null) {
            if (closing.getCount() == 0) {
                return false;
            }
            // Short waits, so that close() is noticed within one of them rather than after a whole interval.
            first = queue.poll(Math.min(flushIntervalNanos, IDLE_POLL_NANOS), TimeUnit.NANOSECONDS);
            if (first != null) {
                break;
            }
        }
        batch.add(first);
        long until = System.nanoTime() + flushIntervalNanos;
        while (batch.size() < batchSize) {
            if (queue.drainTo(batch, batchSize - batch.size()) > 0) {
                continue;
            }
            long wait = until - System.nanoTime();
            if (wait <= 0 || closing.getCount() == 0) {
                break;
            }
            Event next = queue.poll(Math.min(wait, IDLE_POLL_NANOS), TimeUnit.NANOSECONDS);
            if (next != null) {
                batch.add(next);
            }
        }
        return true;
    }

    private void deliver(List<Event> batch) {
        long backoff = initialBackoffNanos;
        for (int attempt = 1; ; attempt++) {
            try {
                IngestResult result = sink.record(List.copyOf(batch));
                sent.addAndGet(result.accepted() + result.duplicates());
                if (!result.rejected().isEmpty()) {
                    rejected.addAndGet(result.rejected().size());
                    IngestResult.Rejection first = result.rejected().get(0);
                    lossWarnings.warn("Tally rejected " + result.rejected().size() + " of " + batch.size()
                            + " events; the first, " + first.id() + ": " + first.errors(), null);
                }
                return;
            } catch (RuntimeException e) {
                boolean retryable = !(e instanceof TallyException t) || t.isRetryable();
                if (!retryable) {
                    if (e instanceof TallyException t && t.status() == 400) {
                        // The server read the batch and found no valid event: each was refused for a reason.
                        rejected.addAndGet(batch.size());
                    } else {
                        dropped.addAndGet(batch.size());
                    }
                    lossWarnings.warn("Tally refused a batch of " + batch.size() + " events: " + e.getMessage(), e);
                    return;
                }
                if (attempt >= maxAttempts || Thread.currentThread().isInterrupted()) {
                    dropped.addAndGet(batch.size());
                    lossWarnings.warn("Could not record " + batch.size() + " events in Tally after " + attempt
                            + " attempts; dropped them: " + e.getMessage(), e);
                    return;
                }
                retryWarnings.warn("Could not record " + batch.size() + " events in Tally (attempt " + attempt + " of "
                        + maxAttempts + "); retrying: " + e.getMessage(), null);
                if (!pause(backoff)) {
                    dropped.addAndGet(batch.size());
                    lossWarnings.warn("Closing: dropped " + batch.size() + " events Tally did not take before the"
                            + " close deadline", null);
                    return;
                }
                backoff = Math.min(backoff * 2, MAX_BACKOFF.toNanos());
            }
        }
    }

    /** Waits {@code nanos} before a retry, cut short to the close deadline; false if interrupted or past it. */
    private boolean pause(long nanos) {
        try {
            if (closing.getCount() > 0 && closing.await(nanos, TimeUnit.NANOSECONDS)) {
                // close() was called while waiting: go on under the deadline.
                nanos = 0;
            }
            if (closing.getCount() == 0) {
                long left = closeDeadlineNanos - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.sleep(Math.min(nanos, left));
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
