package dev.tally.core.enforce;

import dev.tally.core.limit.Limit;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Enforcement counters of one node, in memory. All counters and reservations of a customer sit behind that
 * customer's lock, which makes a call's check-and-reserve across all its limits atomic while calls of different
 * customers run in parallel. Expired reservations are released lazily, on the customer's next operation.
 *
 * <p>Nothing here is persisted: at start-up the counters are rebuilt from the store's rollups (committed usage) by
 * {@link #seed}, and reservations open before a restart are released by it (their estimates are not rebuilt; events
 * settling them still count their actual usage).
 */
public final class InMemoryCounterStore implements CounterStore {
    private final Map<String, CustomerCounters> customers = new ConcurrentHashMap<>();
    /** Which customer holds each open reservation, so that one can be released by id alone. */
    private final Map<String, String> holders = new ConcurrentHashMap<>();

    @Override
    public List<CounterState> reserve(String customerId, List<Charge> charges, Reservation reservation, Instant now) {
        CustomerCounters c = customers.computeIfAbsent(customerId, k -> new CustomerCounters());
        synchronized (c) {
            long nowMs = now.toEpochMilli();
            expire(c, nowMs);
            List<CounterState> states = new ArrayList<>(charges.size());
            boolean allFit = true;
            for (Charge charge : charges) {
                CounterState state = c.state(charge, nowMs);
                states.add(state);
                allFit &= state.fits() || !charge.spec().enforced();
            }
            if (allFit && reservation != null) {
                c.hold(reservation, charges, nowMs);
                holders.put(reservation.id(), customerId);
            }
            return states;
        }
    }

    @Override
    public String release(String reservationId, Instant now) {
        String customerId = holders.get(reservationId);
        CustomerCounters c = customerId == null ? null : customers.get(customerId);
        if (c == null) {
            return null;
        }
        synchronized (c) {
            expire(c, now.toEpochMilli());
            if (!c.release(reservationId)) {
                return null;
            }
            holders.remove(reservationId);
            return customerId;
        }
    }

    private void expire(CustomerCounters c, long nowMs) {
        if (c.hasExpired(nowMs)) {
            for (String id : c.expire(nowMs)) {
                holders.remove(id);
            }
        }
    }

    @Override
    public void record(String customerId, List<Charge> usage, Instant eventTime, String settles, Instant now) {
        CustomerCounters c = customers.computeIfAbsent(customerId, k -> new CustomerCounters());
        synchronized (c) {
            long nowMs = now.toEpochMilli();
            expire(c, nowMs);
            if (settles != null && c.release(settles)) {
                holders.remove(settles);
            }
            for (Charge charge : usage) {
                c.counter(charge.spec()).add(eventTime.toEpochMilli(), charge.amount(), nowMs);
            }
        }
    }

    @Override
    public List<CounterState> recordAndRead(String customerId, List<Charge> usage, Instant eventTime,
                                            String settles, Instant now) {
        CustomerCounters c = customers.computeIfAbsent(customerId, k -> new CustomerCounters());
        synchronized (c) {
            record(customerId, usage, eventTime, settles, now);
            long nowMs = now.toEpochMilli();
            List<CounterState> states = new ArrayList<>(usage.size());
            for (Charge charge : usage) {
                // Only the usage matters after recording: no reserved sum, fit, retry or reset arithmetic.
                states.add(new CounterState(c.counter(charge.spec()).used(nowMs), 0, true, 0, 0));
            }
            return states;
        }
    }

    /** Loads committed usage into a counter at start-up, before any call is decided. */
    public void seed(String customerId, CounterSpec spec, Instant eventTime, long amount, Instant now) {
        CustomerCounters c = customers.computeIfAbsent(customerId, k -> new CustomerCounters());
        synchronized (c) {
            c.counter(spec).add(eventTime.toEpochMilli(), amount, now.toEpochMilli());
        }
    }

    /** Everything of one customer. Guarded by its own monitor. */
    private static final class CustomerCounters {
        private final Map<Limit.LimitKey, WindowCounter> counters = new HashMap<>();
        /**
         * The same counters by spec object: a customer's specs live as long as its catalog entry, and finding one by
         * identity saves hashing a five-field key several times per call. Cleared when it outgrows the specs in use.
         */
        private final Map<CounterSpec, WindowCounter> bySpec = new IdentityHashMap<>();
        private final Map<String, Held> held = new HashMap<>();
        private final PriorityQueue<Held> byExpiry = new PriorityQueue<>(
                (a, b) -> Long.compare(a.expiresMs, b.expiresMs));

        WindowCounter counter(CounterSpec spec) {
            WindowCounter counter = bySpec.get(spec);
            if (counter == null) {
                counter = counterByKey(spec);
                if (bySpec.size() >= 4 * counters.size() + 16) {
                    bySpec.clear(); // specs of replaced catalog entries
                }
                bySpec.put(spec, counter);
            }
            return counter;
        }

        private WindowCounter counterByKey(CounterSpec spec) {
            WindowCounter counter = counters.get(spec.key());
            if (counter == null) {
                counter = spec.newCounter();
                counters.put(spec.key(), counter);
            }
            return counter;
        }

        CounterState state(Charge charge, long nowMs) {
            WindowCounter counter = counter(charge.spec());
            long used = counter.used(nowMs);
            long reserved = counter.reserved(nowMs);
            long limit = charge.spec().limit();
            boolean fits = limit < 0 || used + reserved + charge.amount() <= limit;
            long retry = fits ? 0 : counter.millisUntilFits(nowMs, charge.amount(), limit);
            return new CounterState(used, reserved, fits, retry, counter.resetMs(nowMs));
        }

        void hold(Reservation reservation, List<Charge> charges, long nowMs) {
            Held h = new Held(reservation.id(), nowMs, reservation.expiresAt().toEpochMilli(), List.copyOf(charges));
            held.put(h.id, h);
            byExpiry.add(h);
            for (Charge charge : h.charges) {
                counter(charge.spec()).hold(nowMs, charge.amount(), nowMs);
            }
        }

        boolean release(String id) {
            Held h = held.remove(id);
            if (h == null) {
                return false;
            }
            byExpiry.remove(h);
            for (Charge charge : h.charges) {
                counter(charge.spec()).unhold(h.atMs, charge.amount());
            }
            return true;
        }

        boolean hasExpired(long nowMs) {
            Held first = byExpiry.peek();
            return first != null && first.expiresMs <= nowMs;
        }

        /** Releases every reservation whose time is up; returns their ids. */
        List<String> expire(long nowMs) {
            List<String> expired = new ArrayList<>();
            while (!byExpiry.isEmpty() && byExpiry.peek().expiresMs <= nowMs) {
                String id = byExpiry.peek().id;
                release(id);
                expired.add(id);
            }
            return expired;
        }
    }

    private record Held(String id, long atMs, long expiresMs, List<Charge> charges) {
    }
}
