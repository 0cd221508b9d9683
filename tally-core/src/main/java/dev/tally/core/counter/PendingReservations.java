package dev.tally.core.counter;

import java.util.Arrays;

/**
 * The open reservations of one customer, kept in a few primitive arrays indexed by a slot number: per slot its tag,
 * the moment it was made, its expiry and the amount it holds on each of the customer's counters (one column per
 * counter), plus a binary min-heap of slots ordered by expiry. Not thread-safe: guarded by the customer's lock.
 *
 * <p>Why: a pending reservation used to be an id string, a record, a copy of its charge list, an entry in two hash
 * maps and one in a priority queue, several hundred bytes in a dozen objects. Under load with long TTLs (hundreds of
 * thousands pending) every young collection had to copy them all. Here a reservation is about {@code 36 + 8 *
 * columns} bytes inside arrays that live as long as the customer, and no object is allocated per reservation. The
 * heap keeps expiry lazy and exact (the earliest expiry is always at the top) and makes removal of any slot
 * O(log n) where {@code PriorityQueue.remove(Object)} was O(n).
 *
 * <p>A slot is reused once released, so a slot number alone does not name a reservation: the random tag given at
 * {@link #add} does, and {@link #find} answers a slot only when both match. Slots are never moved (the reservation
 * id carries its slot), so the arrays do not shrink once grown.
 */
final class PendingReservations {
    private static final int INITIAL_SLOTS = 8;

    /**
     * Per slot, what it holds on counters of {@code per} limits (one per end user: too many for columns), as a short
     * chain; null when none. Only calls naming a user of a {@code per} limit allocate one node per such limit.
     */
    private ValueHold[] valueHolds = new ValueHold[INITIAL_SLOTS];
    /** Amounts per slot: the number of counter columns. */
    private int width;
    private long[] tags = new long[INITIAL_SLOTS];
    private long[] atMs = new long[INITIAL_SLOTS];
    private long[] expiresMs = new long[INITIAL_SLOTS];
    /** {@code amounts[slot * width + column]}. */
    private long[] amounts;
    /** Slots in use, as a binary min-heap by expiry: {@code heap[0]} expires first. */
    private int[] heap = new int[INITIAL_SLOTS];
    /** Per slot: its index in {@link #heap}, or -1 when the slot is free. */
    private int[] heapIndex = new int[INITIAL_SLOTS];
    private int size;
    /** Freed slots, reused last-in first-out; slots at or above {@link #used} have never been handed out. */
    private int[] free = new int[INITIAL_SLOTS];
    private int freeCount;
    private int used;

    /** @param width the number of counter columns at first */
    PendingReservations(int width) {
        this.width = Math.max(1, width);
        this.amounts = new long[INITIAL_SLOTS * this.width];
        Arrays.fill(heapIndex, -1);
    }

    /** How many reservations are open. */
    int size() {
        return size;
    }

    /** The number of counter columns each slot has room for. */
    int width() {
        return width;
    }

    /** Makes room for at least {@code columns} counter columns per slot (rare: a customer's limits changed). */
    void ensureWidth(int columns) {
        if (columns <= width) {
            return;
        }
        int wider = Math.max(columns, width * 2);
        long[] grown = new long[tags.length * wider];
        for (int slot = 0; slot < used; slot++) {
            System.arraycopy(amounts, slot * width, grown, slot * wider, width);
        }
        amounts = grown;
        width = wider;
    }

    /** Opens a reservation made at {@code atMs}, holding nothing yet; returns its slot. */
    int add(long tag, long atMs, long expiresMs) {
        int slot;
        if (freeCount > 0) {
            slot = free[--freeCount];
        } else {
            if (used == tags.length) {
                grow();
            }
            slot = used++;
        }
        tags[slot] = tag;
        this.atMs[slot] = atMs;
        this.expiresMs[slot] = expiresMs;
        Arrays.fill(amounts, slot * width, slot * width + width, 0L);
        heap[size] = slot;
        heapIndex[slot] = size;
        size++;
        siftUp(size - 1);
        return slot;
    }

    /** Adds {@code amount} to what {@code slot} holds on counter {@code column} (below {@link #width}). */
    void hold(int slot, int column, long amount) {
        amounts[slot * width + column] += amount;
    }

    /** Adds that {@code slot} holds {@code amount} on {@code counter}, a counter of a {@code per} limit. */
    void holdValue(int slot, WindowCounter counter, long amount) {
        valueHolds[slot] = new ValueHold(counter, amount, valueHolds[slot]);
    }

    /** What {@code slot} holds on counters of {@code per} limits, a chain; null when nothing. */
    ValueHold valueHolds(int slot) {
        return valueHolds[slot];
    }

    /** What {@code slot} holds on counter {@code column}. */
    long amount(int slot, int column) {
        return amounts[slot * width + column];
    }

    /** When the reservation in {@code slot} was made, epoch milliseconds. */
    long atMs(int slot) {
        return atMs[slot];
    }

    /** The slot if it holds the reservation tagged {@code tag}; else -1 (never issued, released or expired). */
    int find(int slot, long tag) {
        if (slot < 0 || slot >= used || heapIndex[slot] < 0 || tags[slot] != tag) {
            return -1;
        }
        return slot;
    }

    /** The slot that expires first, or -1 when none is open. */
    int first() {
        return size == 0 ? -1 : heap[0];
    }

    /** When the first slot expires; {@link Long#MAX_VALUE} when none is open. */
    long firstExpiryMs() {
        return size == 0 ? Long.MAX_VALUE : expiresMs[heap[0]];
    }

    /** Frees an open slot (its amounts must have been given back by the caller). */
    void remove(int slot) {
        int i = heapIndex[slot];
        size--;
        if (i != size) {
            int last = heap[size];
            heap[i] = last;
            heapIndex[last] = i;
            // The moved slot may belong above or below its new place.
            siftDown(i);
            siftUp(heapIndex[last]);
        }
        heapIndex[slot] = -1;
        tags[slot] = 0;
        valueHolds[slot] = null;
        free[freeCount++] = slot;
    }

    private void grow() {
        int n = tags.length * 2;
        tags = Arrays.copyOf(tags, n);
        atMs = Arrays.copyOf(atMs, n);
        expiresMs = Arrays.copyOf(expiresMs, n);
        valueHolds = Arrays.copyOf(valueHolds, n);
        amounts = Arrays.copyOf(amounts, n * width);
        heap = Arrays.copyOf(heap, n);
        int old = heapIndex.length;
        heapIndex = Arrays.copyOf(heapIndex, n);
        Arrays.fill(heapIndex, old, n, -1);
        free = Arrays.copyOf(free, n);
    }

    private void siftUp(int i) {
        int slot = heap[i];
        long key = expiresMs[slot];
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            int p = heap[parent];
            if (expiresMs[p] <= key) {
                break;
            }
            heap[i] = p;
            heapIndex[p] = i;
            i = parent;
        }
        heap[i] = slot;
        heapIndex[slot] = i;
    }

    private void siftDown(int i) {
        int slot = heap[i];
        long key = expiresMs[slot];
        int half = size >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            int c = heap[child];
            int right = child + 1;
            if (right < size && expiresMs[heap[right]] < expiresMs[c]) {
                child = right;
                c = heap[child];
            }
            if (key <= expiresMs[c]) {
                break;
            }
            heap[i] = c;
            heapIndex[c] = i;
            i = child;
        }
        heap[i] = slot;
        heapIndex[slot] = i;
    }

    /** An amount one reservation holds on one counter of a {@code per} limit, and the next such hold of it. */
    record ValueHold(WindowCounter counter, long amount, ValueHold next) {
    }
}
