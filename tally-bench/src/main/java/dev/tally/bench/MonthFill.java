package dev.tally.bench;

import dev.tally.core.event.LedgerEntry;
import dev.tally.core.pricing.PriceCatalog;
import dev.tally.core.persistence.TallyStore;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fills a store with a month of one big customer's traffic, directly through {@link TallyStore#append} (the call
 * the server's writer makes, so the events, rollups and latency histograms are what ingestion would store). The
 * customer {@link #CUSTOMER} gets the given number of events spread evenly over the time range, nine other
 * customers a tenth as many between them; the calls are those of {@link EventMix}. The store must hold the mix's
 * prices: the events are priced with them.
 */
final class MonthFill {
    /** The customer with the most events. */
    static final String CUSTOMER = AdminApi.customerId(0);
    /** Customers {@code cust-001} to {@code cust-009} share a tenth of the events. */
    static final int OTHER_CUSTOMERS = 9;

    private MonthFill() {
    }

    /**
     * Appends {@code events} for {@link #CUSTOMER} and a tenth as many for the others, in batches of
     * {@code batch} from {@code threads} threads, each batch in event-time order.
     *
     * @param progress whether to print progress every 10%
     * @return the events appended for {@link #CUSTOMER}
     */
    static long fill(TallyStore store, long events, Instant from, Instant until, int batch, int threads,
                     boolean progress) throws InterruptedException {
        long total = events + events / 10;
        long fromMs = from.toEpochMilli();
        long spanMs = until.toEpochMilli() - fromMs;
        long batches = (total + batch - 1) / batch;
        PriceCatalog prices = new PriceCatalog(store.prices());
        AtomicLong next = new AtomicLong();
        AtomicInteger reported = new AtomicInteger();
        long started = System.nanoTime();
        List<Thread> appenders = new ArrayList<>();
        RuntimeException[] failure = new RuntimeException[1];
        for (int t = 0; t < threads; t++) {
            Thread appender = new Thread(() -> {
                try {
                    for (long b = next.getAndIncrement(); b < batches; b = next.getAndIncrement()) {
                        long first = b * batch;
                        store.append(batch(b, first, Math.min(total, first + batch), total, fromMs, spanMs, prices));
                        int tenths = (int) (10 * (b + 1) / batches);
                        if (progress && tenths > reported.get() && reported.getAndSet(tenths) < tenths) {
                            System.out.printf("  filled %d%% in %.0f s%n", tenths * 10,
                                    (System.nanoTime() - started) / 1e9);
                        }
                    }
                } catch (RuntimeException e) {
                    failure[0] = e;
                    next.set(batches);
                }
            }, "fill-" + t);
            appender.start();
            appenders.add(appender);
        }
        for (Thread appender : appenders) {
            appender.join();
        }
        if (failure[0] != null) {
            throw failure[0];
        }
        // Every eleventh event went to another customer.
        return total - total / 11;
    }

    /** Events {@code [first, end)} of {@code total}: evenly spread in time; every eleventh for another customer. */
    private static List<LedgerEntry> batch(long b, long first, long end, long total, long fromMs, long spanMs,
                                           PriceCatalog prices) {
        SplittableRandom random = new SplittableRandom(b * 31 + 7);
        List<LedgerEntry> entries = new ArrayList<>((int) (end - first));
        for (long i = first; i < end; i++) {
            Instant t = Instant.ofEpochMilli(fromMs + spanMs * i / total);
            String customer = i % 11 == 10 ? AdminApi.customerId(1 + (int) (i / 11 % OTHER_CUSTOMERS)) : CUSTOMER;
            entries.add(EventMix.Call.draw(random).ledgerEntry(eventId(i), customer, t, prices));
        }
        return entries;
    }

    /** Ids that sort in time order, like the ULIDs most senders use: {@code evt_} and eight base-36 digits. */
    private static String eventId(long i) {
        String digits = Long.toString(i, 36);
        return "evt_" + "00000000".substring(digits.length()) + digits;
    }
}
