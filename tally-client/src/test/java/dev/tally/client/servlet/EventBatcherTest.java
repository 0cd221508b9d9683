package dev.tally.client.servlet;

import dev.tally.client.Event;
import dev.tally.client.EventSink;
import dev.tally.client.IngestResult;
import dev.tally.client.TallyException;
import dev.tally.client.testing.Eventually;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The batching, dropping and retry rules of {@link EventBatcher}, with in-memory sinks that stand in for the
 * network's behaviours (slow, failing, refusing); TallyFilterTest covers the real server.
 */
class EventBatcherTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private EventBatcher batcher;

    @AfterEach
    void stop() {
        if (batcher != null) {
            batcher.close(Duration.ofSeconds(1));
        }
    }

    /** A sink that keeps every batch it was given and answers "all accepted", or what {@code answer} says. */
    private static class RecordingSink implements EventSink {
        final List<List<Event>> batches = Collections.synchronizedList(new ArrayList<>());

        @Override
        public IngestResult record(List<Event> events) {
            batches.add(events);
            return new IngestResult(events.size(), 0, List.of());
        }

        int events() {
            synchronized (batches) {
                return batches.stream().mapToInt(List::size).sum();
            }
        }
    }

    /** A sink whose first call blocks until released, so that a test can fill the queue behind it. */
    private static final class BlockingSink extends RecordingSink {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public IngestResult record(List<Event> events) {
            entered.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return super.record(events);
        }
    }

    private static Event event(int i) {
        return Event.builder("acme").id("evt_" + i).build();
    }

    @Test
    void offer_queueFullBehindABusySink_dropsAndCountsWithoutBlocking() throws Exception {
        BlockingSink sink = new BlockingSink();
        batcher = new EventBatcher(sink, 5, 100, Duration.ofMillis(10), 3, Duration.ofMillis(1));
        batcher.offer(event(0));
        assertThat(sink.entered.await(10, TimeUnit.SECONDS)).isTrue();

        int offered = 0;
        for (int i = 1; i <= 8; i++) {
            offered += batcher.offer(event(i)) ? 1 : 0;
        }

        assertThat(offered).isEqualTo(5);
        assertThat(batcher.dropped()).isEqualTo(3);
        assertThat(batcher.pending()).isEqualTo(5);
        sink.release.countDown();
        Eventually.await("6 events sent", WAIT, batcher::sent, n -> n == 6);
        assertThat(sink.events()).isEqualTo(6);
    }

    @Test
    void send_moreEventsThanBatchSize_sentInBatchesOfAtMostBatchSize() throws Exception {
        BlockingSink sink = new BlockingSink();
        batcher = new EventBatcher(sink, 100, 10, Duration.ofMillis(10), 3, Duration.ofMillis(1));
        batcher.offer(event(0));
        assertThat(sink.entered.await(10, TimeUnit.SECONDS)).isTrue();
        for (int i = 1; i <= 25; i++) {
            batcher.offer(event(i));
        }

        sink.release.countDown();

        Eventually.await("26 events sent", WAIT, batcher::sent, n -> n == 26);
        assertThat(sink.batches).extracting(List::size).containsExactly(1, 10, 10, 5);
    }

    @Test
    void send_oneEventAndNoMore_sentAfterTheFlushInterval() {
        RecordingSink sink = new RecordingSink();
        batcher = new EventBatcher(sink, 100, 100, Duration.ofMillis(50), 3, Duration.ofMillis(1));

        batcher.offer(event(1));

        Eventually.await("the lone event sent", WAIT, batcher::sent, n -> n == 1);
        assertThat(sink.batches).hasSize(1);
    }

    @Test
    void send_retryableFailures_retriedWithTheSameIdsUntilDelivered() {
        AtomicInteger calls = new AtomicInteger();
        RecordingSink sink = new RecordingSink() {
            @Override
            public IngestResult record(List<Event> events) {
                batches.add(events);
                if (calls.incrementAndGet() <= 2) {
                    throw new TallyException(503, "shutting down", List.of(), null);
                }
                return new IngestResult(events.size(), 0, List.of());
            }
        };
        batcher = new EventBatcher(sink, 100, 100, Duration.ofMillis(50), 5, Duration.ofMillis(1));
        batcher.offer(event(1));
        batcher.offer(event(2));

        Eventually.await("2 events sent", WAIT, batcher::sent, n -> n == 2);

        assertThat(calls.get()).isEqualTo(3);
        assertThat(sink.batches).allSatisfy(b -> assertThat(b).extracting(Event::id).containsExactly("evt_1", "evt_2"));
        assertThat(batcher.dropped()).isZero();
    }

    @Test
    void send_retriesUsedUp_batchDroppedAndNextOneStillSent() {
        AtomicInteger calls = new AtomicInteger();
        RecordingSink sink = new RecordingSink() {
            @Override
            public IngestResult record(List<Event> events) {
                if (calls.incrementAndGet() <= 3) {
                    throw new TallyException(TallyException.NO_ANSWER, "connection refused", List.of(), null);
                }
                return super.record(events);
            }
        };
        batcher = new EventBatcher(sink, 100, 100, Duration.ofMillis(10), 3, Duration.ofMillis(1));
        batcher.offer(event(1));
        Eventually.await("the first batch dropped", WAIT, batcher::dropped, n -> n == 1);

        batcher.offer(event(2));

        Eventually.await("the second batch sent", WAIT, batcher::sent, n -> n == 1);
        assertThat(calls.get()).isEqualTo(4);
    }

    @Test
    void send_refusedForGood_droppedWithoutRetry() {
        AtomicInteger calls = new AtomicInteger();
        EventSink sink = events -> {
            calls.incrementAndGet();
            throw new TallyException(401, "Missing or invalid API key", List.of(), null);
        };
        batcher = new EventBatcher(sink, 100, 100, Duration.ofMillis(10), 5, Duration.ofMillis(1));

        batcher.offer(event(1));

        Eventually.await("the batch dropped", WAIT, batcher::dropped, n -> n == 1);
        assertThat(calls.get()).isEqualTo(1);
    }

    @Test
    void send_partlyRejected_countsTheRejections() {
        EventSink sink = events -> new IngestResult(events.size() - 1, 0,
                List.of(new IngestResult.Rejection(0, events.get(0).id(), List.of())));
        batcher = new EventBatcher(sink, 100, 100, Duration.ofMillis(50), 5, Duration.ofMillis(1));

        batcher.offer(event(1));
        batcher.offer(event(2));

        Eventually.await("the batch answered", WAIT, batcher::rejected, n -> n == 1);
        assertThat(batcher.sent()).isEqualTo(1);
    }

    @Test
    void close_eventsWaitingForALongInterval_flushedBeforeItReturns() {
        RecordingSink sink = new RecordingSink();
        batcher = new EventBatcher(sink, 100, 100, Duration.ofHours(1), 3, Duration.ofMillis(1));
        for (int i = 0; i < 5; i++) {
            batcher.offer(event(i));
        }

        batcher.close(Duration.ofSeconds(10));

        assertThat(sink.events()).isEqualTo(5);
        assertThat(batcher.sent()).isEqualTo(5);
        assertThat(batcher.offer(event(6))).isFalse();
        assertThat(batcher.dropped()).isEqualTo(1);
    }

    @Test
    void close_sinkNeverAnswers_returnsByTheDeadlineAndCountsTheEventsDropped() {
        EventSink down = events -> {
            throw new TallyException(TallyException.NO_ANSWER, "connection refused", List.of(), null);
        };
        // Many attempts with a long backoff: only the close deadline can end this.
        batcher = new EventBatcher(down, 100, 100, Duration.ofHours(1), 1_000, Duration.ofSeconds(10));
        for (int i = 0; i < 3; i++) {
            batcher.offer(event(i));
        }
        long start = System.nanoTime();

        batcher.close(Duration.ofMillis(300));

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThat(batcher.dropped()).isEqualTo(3);
        assertThat(batcher.sent()).isZero();
    }
}
