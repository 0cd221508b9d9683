package dev.tally.core.counter;

import dev.tally.core.limit.Limit;

import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Enforcement counters of one node, in memory. All counters and reservations of a customer sit behind that
 * customer's lock, which makes a call's check-and-reserve across all its limits atomic while calls of different
 * customers run in parallel. Expired reservations are released lazily, on the customer's next operation, earliest
 * first and exactly at their expiry.
 *
 * <p>Open reservations are kept compactly per customer ({@link PendingReservations}: primitive arrays, no object per
 * reservation). A reservation's {@link Handle} says where: its key is the customer's number in this store (high 32
 * bits) and the slot (low 32 bits), its tag is random. So releasing one by its id needs no map of all reservations,
 * and a stale id (settled, expired, or issued before a restart, whose slot may be reused) does not match the tag.
 *
 * <p>A {@code per} limit (a counter per end user or dimension value, {@link Charge#value}) keeps its counters in a
 * table of its own ({@link UserCounters}), small per user and swept of idle users, and a reservation keeps what it
 * holds on them in a short chain beside its columns; all behind the same customer lock, so a call's customer limits
 * and its user's limits are reserved together, all or none.
 *
 * <p>Nothing here is persisted: at start-up the counters are rebuilt from the store's rollups (committed usage) by
 * {@link #seed}, and reservations open before a restart are released by it (their estimates are not rebuilt; events
 * settling them still count their actual usage).
 */
public final class InMemoryCounterStore implements CounterStore {
    private final Map<String, CustomerCounters> customers = new ConcurrentHashMap<>();
    /** The same customers by number, for releasing a reservation by its handle alone. */
    private final Map<Integer, CustomerCounters> byNumber = new ConcurrentHashMap<>();
    private final AtomicInteger nextNumber = new AtomicInteger();

    private CustomerCounters customer(String customerId) {
        CustomerCounters c = customers.get(customerId);
        return c != null ? c : customers.computeIfAbsent(customerId, id -> {
            CustomerCounters created = new CustomerCounters(this, id, nextNumber.getAndIncrement());
            byNumber.put(created.number, created);
            return created;
        });
    }

    /** The counters {@code account} names: itself if this store made it, else found by its customer's id. */
    private CustomerCounters customer(Account account) {
        return account instanceof CustomerCounters c && c.store == this ? c : customer(account.customerId());
    }

    /** The customer's counters themselves: the calls taking them skip finding them by id. */
    @Override
    public Account account(String customerId) {
        return customer(customerId);
    }

    @Override
    public Outcome reserve(String customerId, List<Charge> list, Instant holdUntil, Instant now) {
        return reserve(customer(customerId), list, holdUntil, now);
    }

    @Override
    public Outcome reserve(Account account, List<Charge> list, Instant holdUntil, Instant now) {
        CustomerCounters c = customer(account);
        Charges charges = Charges.of(list);
        int n = charges.size();
        // Made before the lock, as is the tag: the other callers of this customer wait only for the counters' work.
        CounterStates states = new CounterStates(n);
        long tag = holdUntil == null ? 0 : ThreadLocalRandom.current().nextLong();
        long nowMs = now.toEpochMilli();
        int slot = -1;
        synchronized (c) {
            c.expire(nowMs);
            long[] shape = c.shape(charges);
            boolean allFit = true;
            for (int i = 0; i < n; i++) {
                // A read (nothing held) must not make counters for users who never called: a report reads thousands.
                WindowCounter counter = c.find(charges, shape, i, nowMs, holdUntil != null);
                counter.state(nowMs, charges.amount(i), shape[FACTS * i + LIMIT], states, i);
                allFit &= states.fits(i) || shape[FACTS * i + ENFORCED] == 0;
            }
            if (allFit && holdUntil != null) {
                slot = c.hold(charges, shape, tag, holdUntil.toEpochMilli(), nowMs);
            }
        }
        return new Outcome(states, slot < 0 ? null : new Handle((long) c.number << 32 | (slot & 0xFFFF_FFFFL), tag));
    }

    @Override
    public String release(Handle reservation, Instant now) {
        CustomerCounters c = reservation == null ? null : byNumber.get((int) (reservation.key() >>> 32));
        if (c == null) {
            return null;
        }
        synchronized (c) {
            c.expire(now.toEpochMilli());
            return c.release(reservation) ? c.id : null;
        }
    }

    @Override
    public void record(String customerId, List<Charge> list, Instant eventTime, Handle settles, Instant now) {
        record(customer(customerId), Charges.of(list), eventTime, settles, now);
    }

    @Override
    public void record(Account account, List<Charge> list, Instant eventTime, Handle settles, Instant now) {
        record(customer(account), Charges.of(list), eventTime, settles, now);
    }

    /** {@link #record(String, List, Instant, Handle, Instant)} on the customer's counters, found already. */
    private static void record(CustomerCounters c, Charges usage, Instant eventTime, Handle settles, Instant now) {
        synchronized (c) {
            long nowMs = now.toEpochMilli();
            c.expire(nowMs);
            if (settles != null) {
                c.release(settles);
            }
            long eventMs = eventTime.toEpochMilli();
            for (int i = 0, n = usage.size(); i < n; i++) {
                c.counter(usage, i, nowMs).add(eventMs, usage.amount(i), nowMs);
            }
        }
    }

    @Override
    public List<CounterState> recordAndRead(String customerId, List<Charge> list, Instant eventTime,
                                            Handle settles, Instant now) {
        return recordAndRead(customer(customerId), list, eventTime, settles, now);
    }

    @Override
    public List<CounterState> recordAndRead(Account account, List<Charge> list, Instant eventTime, Handle settles,
                                            Instant now) {
        CustomerCounters c = customer(account);
        Charges usage = Charges.of(list);
        CounterStates states = CounterStates.usedOnly(usage.size());
        synchronized (c) {
            record(c, usage, eventTime, settles, now);
            long nowMs = now.toEpochMilli();
            for (int i = 0, n = usage.size(); i < n; i++) {
                // Only the usage matters after recording: no reserved sum, fit, retry or reset arithmetic.
                states.putUsed(i, c.counter(usage, i, nowMs).used(nowMs));
            }
            return states;
        }
    }

    /** Loads committed usage into a counter at start-up, before any call is decided. */
    public void seed(String customerId, CounterSpec spec, Instant eventTime, long amount, Instant now) {
        record(customerId, List.of(new Charge(spec, amount)), eventTime, null, now);
    }

    /** How many counters of {@code per} limits a customer has now (for tests and measurements). */
    int userCounters(String customerId) {
        CustomerCounters c = customers.get(customerId);
        if (c == null) {
            return 0;
        }
        synchronized (c) {
            int n = 0;
            for (UserCounters u : c.perValue.values()) {
                n += u.size();
            }
            return n;
        }
    }

    /** How many reservations are open for a customer (expired ones count until its next operation). */
    int openReservations(String customerId) {
        CustomerCounters c = customers.get(customerId);
        if (c == null) {
            return 0;
        }
        synchronized (c) {
            return c.pending.size();
        }
    }

    /**
     * What {@link CustomerCounters#shape} keeps per spec, at {@code FACTS * i}: the column (or {@link #UNKNOWN} until
     * a charge without a value asked for it), the limit, and 1 if enforced, else 0.
     */
    private static final int FACTS = 3;
    private static final int COLUMN = 0;
    private static final int LIMIT = 1;
    private static final int ENFORCED = 2;
    private static final long UNKNOWN = -1;

    /** Everything of one customer, and its {@link Account} in this store. Guarded by its own monitor. */
    private static final class CustomerCounters implements Account {
        /** The store that made these counters: an account of another store is not used as one of this. */
        final InMemoryCounterStore store;
        final String id;
        /** This customer's number in this store: the high half of its reservations' keys. */
        final int number;
        /** The column of each counter, by its limit's key. */
        private final Map<Limit.LimitKey, Integer> counters = new HashMap<>();
        /** Every counter, by column. */
        private WindowCounter[] columns = new WindowCounter[8];
        /** How many columns there are: {@code counters.size()}, without reading the map on every release. */
        private int columnCount;
        /**
         * By column: the spec object it was last found by. A call's specs are nearly always the ones of the last
         * call, and comparing a few references beats hashing one: {@link #bySpec} is the fallback. (Columns are
         * numbers, not objects pairing a counter with its column: with 1,000 customers every object a call reads is
         * likely a cache miss, issue 12.)
         */
        private CounterSpec[] lastSpecs = new CounterSpec[8];
        /**
         * The same columns by spec object: a customer's specs live as long as its catalog entry, and finding one by
         * identity saves hashing a five-field key several times per call. Cleared when it outgrows the specs in use.
         */
        private final Map<CounterSpec, Integer> bySpec = new IdentityHashMap<>();
        private final PendingReservations pending = new PendingReservations(8);
        /**
         * The counters of {@code per} limits, one table per limit: kept apart from the columns, since a column per
         * user would make every reservation as wide as the customer's user count.
         */
        private final Map<Limit.LimitKey, UserCounters> perValue = new HashMap<>();
        /** The same tables by spec object, as {@link #bySpec}. */
        private final Map<CounterSpec, UserCounters> perValueBySpec = new IdentityHashMap<>();

        CustomerCounters(InMemoryCounterStore store, String id, int number) {
            this.store = store;
            this.id = id;
            this.number = number;
        }

        @Override
        public String customerId() {
            return id;
        }

        /**
         * The column of {@code spec}; {@code hint} is where to look first: a call's charges come in the order of the
         * customer's limits, which is the order their columns were made in, so charge {@code i} is mostly column
         * {@code i}.
         */
        int column(CounterSpec spec, int hint) {
            if (hint < lastSpecs.length && lastSpecs[hint] == spec) {
                return hint;
            }
            for (int i = 0; i < columnCount; i++) {
                if (lastSpecs[i] == spec) {
                    return i;
                }
            }
            Integer column = bySpec.get(spec);
            if (column == null) {
                column = columnByKey(spec);
                if (bySpec.size() >= 4 * columnCount + 16) {
                    bySpec.clear(); // specs of replaced catalog entries
                }
                bySpec.put(spec, column);
            }
            lastSpecs[column] = spec;
            return column;
        }

        private int columnByKey(CounterSpec spec) {
            Integer column = counters.get(spec.key());
            if (column == null) {
                int index = columnCount++;
                counters.put(spec.key(), index);
                if (index == columns.length) {
                    columns = Arrays.copyOf(columns, index * 2);
                    lastSpecs = Arrays.copyOf(lastSpecs, index * 2);
                }
                columns[index] = spec.newCounter();
                pending.ensureWidth(index + 1);
                return index;
            }
            return column;
        }

        /**
         * The specs array of the charges last seen (one per provider, model and endpoint of a customer's calls, shared
         * by the enforcer's calls: see {@link Charges#specs}), and per spec of it what a call reads: its column, limit
         * and whether it is enforced (see {@link #FACTS}). Why: a call read its specs' columns through
         * {@link #lastSpecs}, then each spec object for its limit, and kept the counters found in two arrays to hold
         * them; with 1,000 customers that was about ten cache misses a call, this array is one or two (issue 12).
         */
        private CounterSpec[] shapeSpecs;
        private long[] shape;
        /** The counters of {@code per} values found by {@link #find}, by charge, for {@link #hold} to hold on. */
        private WindowCounter[] found = new WindowCounter[0];

        /** What the calls with the specs of {@code charges} read, made when the specs array is not the last one. */
        long[] shape(Charges charges) {
            CounterSpec[] specs = charges.specs();
            if (specs != shapeSpecs) {
                long[] facts = new long[FACTS * specs.length];
                for (int i = 0; i < specs.length; i++) {
                    facts[FACTS * i + COLUMN] = UNKNOWN;
                    facts[FACTS * i + LIMIT] = specs[i].limit();
                    facts[FACTS * i + ENFORCED] = specs[i].enforced() ? 1 : 0;
                }
                shape = facts;
                shapeSpecs = specs;
            }
            return shape;
        }

        /** The column of charge {@code i}, which names no value, by its {@code shape}. */
        private int columnOf(Charges charges, long[] shape, int i) {
            int at = FACTS * i + COLUMN;
            if (shape[at] == UNKNOWN) {
                shape[at] = column(charges.spec(i), i);
            }
            return (int) shape[at];
        }

        /**
         * The counter of charge {@code i}: its column's, or for a {@code per} value its user's, kept in {@link #found}
         * for {@link #hold}; with {@code create} false, a value without a counter gets an empty one that is not kept
         * ({@link UserCounters#peek}).
         */
        WindowCounter find(Charges charges, long[] shape, int i, long nowMs, boolean create) {
            String value = charges.value(i);
            if (value == null) {
                // Found first: finding a new column may grow the columns array.
                int column = columnOf(charges, shape, i);
                return columns[column];
            }
            UserCounters users = users(charges.spec(i));
            WindowCounter counter = create ? users.counter(value, nowMs) : users.peek(value, nowMs);
            if (i >= found.length) {
                found = Arrays.copyOf(found, Math.max(charges.size(), 8));
            }
            found[i] = counter;
            return counter;
        }

        /** The counter charge {@code i} goes to: its limit's column, or for a {@code per} limit its user's counter. */
        WindowCounter counter(Charges charges, int i, long nowMs) {
            String value = charges.value(i);
            if (value == null) {
                int column = columnOf(charges, shape(charges), i); // first: it may grow the columns array
                return columns[column];
            }
            return users(charges.spec(i)).counter(value, nowMs);
        }

        private UserCounters users(CounterSpec spec) {
            UserCounters users = perValueBySpec.get(spec);
            if (users == null) {
                users = perValue.computeIfAbsent(spec.key(), k -> new UserCounters(spec));
                if (perValueBySpec.size() >= 4 * perValue.size() + 16) {
                    perValueBySpec.clear(); // specs of replaced catalog entries
                }
                perValueBySpec.put(spec, users);
            }
            return users;
        }

        /**
         * Holds {@code charges}, whose counters {@link #find} has just found, as the reservation tagged {@code tag};
         * returns its slot.
         */
        int hold(Charges charges, long[] shape, long tag, long expiresMs, long nowMs) {
            int slot = pending.add(tag, nowMs, expiresMs);
            for (int i = 0, n = charges.size(); i < n; i++) {
                long amount = charges.amount(i);
                if (charges.value(i) == null) {
                    int column = (int) shape[FACTS * i + COLUMN];
                    columns[column].hold(nowMs, amount, nowMs);
                    pending.hold(slot, column, amount);
                } else {
                    found[i].hold(nowMs, amount, nowMs);
                    pending.holdValue(slot, found[i], amount);
                }
            }
            return slot;
        }

        /** Releases the reservation if it is this customer's and still open; false otherwise. */
        boolean release(Handle h) {
            if ((int) (h.key() >>> 32) != number) {
                return false;
            }
            int slot = pending.find((int) h.key(), h.tag());
            if (slot < 0) {
                return false;
            }
            releaseSlot(slot);
            return true;
        }

        private void releaseSlot(int slot) {
            long atMs = pending.atMs(slot);
            int width = Math.min(pending.width(), columnCount);
            for (int column = 0; column < width; column++) {
                long amount = pending.amount(slot, column);
                if (amount != 0) {
                    columns[column].unhold(atMs, amount);
                }
            }
            for (PendingReservations.ValueHold h = pending.valueHolds(slot); h != null; h = h.next()) {
                h.counter().unhold(atMs, h.amount());
            }
            pending.remove(slot);
        }

        /** Releases every reservation whose time is up, earliest first. */
        void expire(long nowMs) {
            while (pending.firstExpiryMs() <= nowMs) {
                releaseSlot(pending.first());
            }
        }
    }
}
