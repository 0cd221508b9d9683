package dev.tally.store;

import dev.tally.core.period.Window;
import dev.tally.core.rollup.RollupBatch;
import dev.tally.core.rollup.RollupBatch.LatencyKey;
import dev.tally.core.rollup.RollupCounts;
import dev.tally.core.rollup.RollupKey;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.function.UnaryOperator;

/**
 * The rollup increments of committed events that {@link DeferredRollups} has not written yet, summed by customer
 * and key, readable while batches keep coming.
 *
 * <p>Why a thread of its own: adding a batch's increments to maps of tens of thousands of rows is mostly cache
 * misses, and it took a quarter of the single writer's time. The writer only queues a committed batch
 * ({@link #add}, constant time); the {@code tally-rollup-fold} thread sums queued batches into the maps. A reader
 * sees the maps plus the batches still queued, so it never misses an acknowledged event.
 *
 * <p>Concurrency: {@link #lock} guards the maps and the queue's removals ({@link FoldingQueue}), so a reader (also
 * under it) sees every batch exactly once: folded or queued. Only the writer adds to the queue, and only the writer
 * clears everything ({@link #clear}), after a transaction that wrote all of it committed: no batch can be added
 * between the snapshot that transaction wrote and the clear, because the writer was busy with that very transaction.
 */
final class PendingRollups implements AutoCloseable {
    private final Object lock = new Object();
    /** Summed increments, by customer. Guarded by {@link #lock}. */
    private final Map<String, Sums> byCustomer = new HashMap<>();
    /** Committed batches not folded yet, and the {@code tally-rollup-fold} thread that folds them. */
    private final FoldingQueue<RollupBatch> queued;
    /** Rows and latency cells in the maps. */
    private volatile int summedRows;
    /**
     * Batches added since the last clear; changed by the writer only, read by others too (whether retention or a
     * shutdown has anything to write).
     */
    private volatile int batches;

    PendingRollups() {
        queued = new FoldingQueue<>("tally-rollup-fold", lock, this::fold);
    }

    /** A customer's summed increments. */
    private static final class Sums {
        final Map<RollupKey, RollupCounts> rows = new HashMap<>();
        final Map<LatencyKey, Long> latency = new HashMap<>();
    }

    /** Adds a committed batch's increments (the writer's call; the batch's objects are this object's from now on). */
    void add(RollupBatch batch) {
        queued.add(batch);
        batches++;
    }

    /** Whether anything was added since the last clear. */
    boolean isEmpty() {
        return batches == 0;
    }

    /** Distinct rows and latency cells summed so far: how much a write of everything would upsert, roughly. */
    int summedRows() {
        return summedRows;
    }

    /** Forgets everything: it has been written (the writer's call). */
    void clear() {
        synchronized (lock) {
            byCustomer.clear();
            queued.clear();
            summedRows = 0;
        }
        batches = 0;
    }

    /** Everything pending plus {@code more}, summed in new objects. */
    RollupBatch with(RollupBatch more) {
        Map<RollupKey, RollupCounts> counts = new HashMap<>();
        Map<LatencyKey, Long> latency = new HashMap<>();
        synchronized (lock) {
            for (Sums sums : byCustomer.values()) {
                addCopies(new RollupBatch(sums.rows, sums.latency), counts, latency);
            }
            for (RollupBatch batch : queued.batches()) {
                addCopies(batch, counts, latency);
            }
        }
        addCopies(more, counts, latency);
        return new RollupBatch(counts, latency);
    }

    private static void addCopies(RollupBatch batch, Map<RollupKey, RollupCounts> counts,
                                  Map<LatencyKey, Long> latency) {
        batch.counts().forEach((key, c) -> counts.computeIfAbsent(key, k -> new RollupCounts()).add(c));
        batch.latency().forEach((key, calls) -> latency.merge(key, calls, Long::sum));
    }

    /** The pending sums of one row, or null if none is pending. */
    RollupCounts row(RollupKey key) {
        RollupCounts sum = null;
        synchronized (lock) {
            Sums sums = byCustomer.get(key.customerId());
            List<RollupCounts> parts = new ArrayList<>();
            if (sums != null && sums.rows.containsKey(key)) {
                parts.add(sums.rows.get(key));
            }
            for (RollupBatch batch : queued.batches()) {
                if (batch.counts().containsKey(key)) {
                    parts.add(batch.counts().get(key));
                }
            }
            for (RollupCounts part : parts) {
                sum = sum == null ? new RollupCounts() : sum;
                sum.add(part);
            }
        }
        return sum;
    }

    /**
     * Copies of the pending rows of one grain with buckets in [from, to), under the keys {@code shape} gives them.
     *
     * @param customerId the one customer, or null for all
     */
    List<Map.Entry<RollupKey, RollupCounts>> rows(Window grain, String customerId, Instant from, Instant to,
                                                   UnaryOperator<RollupKey> shape) {
        List<Map.Entry<RollupKey, RollupCounts>> picked = new ArrayList<>();
        synchronized (lock) {
            for (Sums sums : customers(customerId)) {
                pick(sums.rows, grain, customerId, from, to, shape, picked);
            }
            for (RollupBatch batch : queued.batches()) {
                pick(batch.counts(), grain, customerId, from, to, shape, picked);
            }
        }
        return picked;
    }

    /** Adds copies of the rows of one grain with buckets in [from, to), of one customer or all, to {@code into}. */
    static void pick(Map<RollupKey, RollupCounts> rows, Window grain, String customerId, Instant from,
                             Instant to, UnaryOperator<RollupKey> shape,
                             List<Map.Entry<RollupKey, RollupCounts>> into) {
        rows.forEach((key, counts) -> {
            if (key.grain() == grain && (customerId == null || customerId.equals(key.customerId()))
                    && within(key.bucketStart(), from, to)) {
                RollupCounts copy = new RollupCounts();
                copy.add(counts);
                into.add(Map.entry(shape.apply(key), copy));
            }
        });
    }

    /** Adds a customer's pending latency cells of the days starting in [from, to) to a histogram. */
    void addLatency(String customerId, Instant from, Instant to, SortedMap<Integer, Long> histogram) {
        synchronized (lock) {
            List<Map<LatencyKey, Long>> sources = new ArrayList<>();
            customers(customerId).forEach(sums -> sources.add(sums.latency));
            queued.batches().forEach(batch -> sources.add(batch.latency()));
            for (Map<LatencyKey, Long> cells : sources) {
                cells.forEach((key, calls) -> {
                    if (key.customerId().equals(customerId) && within(key.dayStart(), from, to)) {
                        histogram.merge(key.bucket(), calls, Long::sum);
                    }
                });
            }
        }
    }

    private List<Sums> customers(String customerId) {
        if (customerId == null) {
            return List.copyOf(byCustomer.values());
        }
        Sums sums = byCustomer.get(customerId);
        return sums == null ? List.of() : List.of(sums);
    }

    static boolean within(Instant t, Instant from, Instant to) {
        return !t.isBefore(from) && t.isBefore(to);
    }

    private void fold(RollupBatch batch) {
        int added = 0;
        for (Map.Entry<RollupKey, RollupCounts> row : batch.counts().entrySet()) {
            Sums sums = byCustomer.computeIfAbsent(row.getKey().customerId(), c -> new Sums());
            RollupCounts sum = sums.rows.putIfAbsent(row.getKey(), row.getValue());
            if (sum == null) {
                added++;
            } else {
                sum.add(row.getValue());
            }
        }
        for (Map.Entry<LatencyKey, Long> cell : batch.latency().entrySet()) {
            Sums sums = byCustomer.computeIfAbsent(cell.getKey().customerId(), c -> new Sums());
            Long before = sums.latency.putIfAbsent(cell.getKey(), cell.getValue());
            if (before == null) {
                added++;
            } else {
                sums.latency.put(cell.getKey(), before + cell.getValue());
            }
        }
        summedRows += added;
    }

    /** Stops the folding thread; what is pending stays readable. */
    @Override
    public void close() {
        queued.close();
    }
}
