package dev.tally.core.counter;

import java.util.Arrays;

/**
 * The open reservations of one customer, kept in a few primitive arrays indexed by a slot number: per slot, side by
 * side in one array, its tag, the moment it was made, its expiry, its place in the heap and the amount it holds on
 * each of the customer's counters (one column per counter); plus a binary min-heap of slots ordered by expiry. Not
 * thread-safe: guarded by the customer's lock.
 *
 * <p>Why: a pending reservation used to be an id string, a record, a copy of its charge list, an entry in two hash
 * maps and one in a priority queue, several hundred bytes in a dozen objects. Under load with long TTLs (hundreds of
 * thousands pending) every young collection had to copy them all. Here a reservation is about {@code 40 + 8 *
 * columns} bytes inside arrays that live as long as the customer, and no object is allocated per reservation. The
 * heap keeps expiry lazy and exact (the earliest expiry is always at the top) and makes removal of any slot
 * O(log n) where {@code PriorityQueue.remove(Object)} was O(n). A slot's fields sit side by side rather than in an
 * array per field: opening, finding and releasing a reservation then read one or two cache lines instead of one per
 * field (seven), which is what a round costs when 1,000 customers' reservations are cold in memory (issue 12).
 *
 * <p>A slot is reused once released, so a slot number alone does not name a reservation: the random tag given at
 * {@link #add} does, and {@link #find} answers a slot only when both match. Slots are never moved (the reservation
 * id carries its slot), so the arrays do not shrink once grown.
 */
final class PendingReservations {
    private static final int INITIAL_SLOTS = 8;
    /** A slot's fields in {@link #slots}, at {@code slot * stride}: its tag, when made, its expiry, its heap index. */
    private static final int TAG = 0;
    private static final int AT = 1;
    private static final int EXPIRES = 2;
    /** The slot's index in {@link #heap}, or -1 when the slot is free. */
    private static final int HEAP_INDEX = 3;
    /** Where a slot's amounts begin: {@link #width} of them, one per counter column. */
    private static final int AMOUNTS = 4;

    /**
     * Per slot, what it holds on counters of {@code per} limits (one per end user: too many for columns), as a short
     * chain; null when none, and the array itself null until a customer's first such hold. Only calls naming a user
     * of a {@code per} limit allocate one node per such limit.
     */
    private ValueHold[] valueHolds;
    /** Amounts per slot: the number of counter columns. */
    private int width;
    /** The longs of one slot: {@link #AMOUNTS} fields then {@link #width} amounts. */
    private int stride;
    /** Every slot's fields and amounts, slot after slot. */
    private long[] slots;
    /** How many slots {@link #slots} has room for. */
    private int capacity = INITIAL_SLOTS;
    /** Slots in use, as a binary min-heap by expiry: {@code heap[0]} expires first. */
    private int[] heap = new int[INITIAL_SLOTS];
    private int size;
    /** Freed slots, reused last-in first-out; slots at or above {@link #used} have never been handed out. */
    private int[] free = new int[INITIAL_SLOTS];
    private int freeCount;
    private int used;

    /** @param width the number of counter columns at first */
    PendingReservations(int width) {
        this.width = Math.max(1, width);
        this.stride = AMOUNTS + this.width;
        this.slots = new long[INITIAL_SLOTS * stride];
        for (int slot = 0; slot < INITIAL_SLOTS; slot++) {
            slots[slot * stride + HEAP_INDEX] = -1;
        }
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
        int widerStride = AMOUNTS + wider;
        long[] grown = new long[capacity * widerStride];
        for (int slot = 0; slot < capacity; slot++) {
            System.arraycopy(slots, slot * stride, grown, slot * widerStride, stride);
        }
        slots = grown;
        width = wider;
        stride = widerStride;
    }

    /** Opens a reservation made at {@code atMs}, holding nothing yet; returns its slot. */
    int add(long tag, long atMs, long expiresMs) {
        int slot;
        if (freeCount > 0) {
            slot = free[--freeCount];
        } else {
            if (used == capacity) {
                grow();
            }
            slot = used++;
        }
        int at = slot * stride;
        slots[at + TAG] = tag;
        slots[at + AT] = atMs;
        slots[at + EXPIRES] = expiresMs;
        Arrays.fill(slots, at + AMOUNTS, at + stride, 0L);
        heap[size] = slot;
        slots[at + HEAP_INDEX] = size;
        size++;
        siftUp(size - 1);
        return slot;
    }

    /** Adds {@code amount} to what {@code slot} holds on counter {@code column} (below {@link #width}). */
    void hold(int slot, int column, long amount) {
        slots[slot * stride + AMOUNTS + column] += amount;
    }

    /** Adds that {@code slot} holds {@code amount} on {@code counter}, a counter of a {@code per} limit. */
    void holdValue(int slot, WindowCounter counter, long amount) {
        if (valueHolds == null) {
            valueHolds = new ValueHold[capacity];
        }
        valueHolds[slot] = new ValueHold(counter, amount, valueHolds[slot]);
    }

    /** What {@code slot} holds on counters of {@code per} limits, a chain; null when nothing. */
    ValueHold valueHolds(int slot) {
        return valueHolds == null ? null : valueHolds[slot];
    }

    /** What {@code slot} holds on counter {@code column}. */
    long amount(int slot, int column) {
        return slots[slot * stride + AMOUNTS + column];
    }

    /** When the reservation in {@code slot} was made, epoch milliseconds. */
    long atMs(int slot) {
        return slots[slot * stride + AT];
    }

    /** The slot if it holds the reservation tagged {@code tag}; else -1 (never issued, released or expired). */
    int find(int slot, long tag) {
        if (slot < 0 || slot >= used || heapIndex(slot) < 0 || slots[slot * stride + TAG] != tag) {
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
        return size == 0 ? Long.MAX_VALUE : expiresMs(heap[0]);
    }

    /** Frees an open slot (its amounts must have been given back by the caller). */
    void remove(int slot) {
        int i = heapIndex(slot);
        size--;
        if (i != size) {
            int last = heap[size];
            heap[i] = last;
            setHeapIndex(last, i);
            // The moved slot may belong above or below its new place.
            siftDown(i);
            siftUp(heapIndex(last));
        }
        int at = slot * stride;
        slots[at + HEAP_INDEX] = -1;
        slots[at + TAG] = 0;
        if (valueHolds != null) {
            valueHolds[slot] = null;
        }
        free[freeCount++] = slot;
    }

    private long expiresMs(int slot) {
        return slots[slot * stride + EXPIRES];
    }

    private int heapIndex(int slot) {
        return (int) slots[slot * stride + HEAP_INDEX];
    }

    private void setHeapIndex(int slot, int i) {
        slots[slot * stride + HEAP_INDEX] = i;
    }

    private void grow() {
        int n = capacity * 2;
        slots = Arrays.copyOf(slots, n * stride);
        for (int slot = capacity; slot < n; slot++) {
            slots[slot * stride + HEAP_INDEX] = -1;
        }
        if (valueHolds != null) {
            valueHolds = Arrays.copyOf(valueHolds, n);
        }
        heap = Arrays.copyOf(heap, n);
        free = Arrays.copyOf(free, n);
        capacity = n;
    }

    private void siftUp(int i) {
        int slot = heap[i];
        long key = expiresMs(slot);
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            int p = heap[parent];
            if (expiresMs(p) <= key) {
                break;
            }
            heap[i] = p;
            setHeapIndex(p, i);
            i = parent;
        }
        heap[i] = slot;
        setHeapIndex(slot, i);
    }

    private void siftDown(int i) {
        int slot = heap[i];
        long key = expiresMs(slot);
        int half = size >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            int c = heap[child];
            int right = child + 1;
            if (right < size && expiresMs(heap[right]) < expiresMs(c)) {
                child = right;
                c = heap[child];
            }
            if (key <= expiresMs(c)) {
                break;
            }
            heap[i] = c;
            setHeapIndex(c, i);
            i = child;
        }
        heap[i] = slot;
        setHeapIndex(slot, i);
    }

    /** An amount one reservation holds on one counter of a {@code per} limit, and the next such hold of it. */
    record ValueHold(WindowCounter counter, long amount, ValueHold next) {
    }
}
