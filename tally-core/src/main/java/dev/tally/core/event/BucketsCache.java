package dev.tally.core.event;

import dev.tally.core.period.Period;
import dev.tally.core.period.Periods;

import java.time.Instant;
import java.time.ZoneId;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link Buckets#of} with memory: remembers, per customer, the stretch of time in which the hour, day and billing
 * month stay the same, so that the events of a busy customer skip the time-zone arithmetic (a measurable part of
 * ingesting an event) until the hour turns. The answers are always exactly those of {@link Buckets#of}.
 */
public final class BucketsCache {
    private static final long MINUTE_MS = 60_000;

    /** The buckets of one moment, and the interval around it that shares its hour, day and month buckets. */
    private record Stretch(ZoneId zone, int billingDay, long fromMs, long toMs, Buckets buckets) {
        boolean holds(ZoneId z, int day, long ms) {
            return ms >= fromMs && ms < toMs && billingDay == day && zone.equals(z);
        }
    }

    private final Map<String, Stretch> byCustomer = new ConcurrentHashMap<>();

    /** The buckets of an event of {@code customerId} at {@code t}, with the customer's zone and billing day. */
    public Buckets of(String customerId, ZoneId zone, int billingDay, Instant t) {
        long ms = t.toEpochMilli();
        Stretch s = byCustomer.get(customerId);
        if (s == null || !s.holds(zone, billingDay, ms)) {
            s = stretch(zone, billingDay, t);
            byCustomer.put(customerId, s);
            if (!s.holds(zone, billingDay, ms)) {
                return s.buckets(); // an irregular stretch: computed for this moment only
            }
        }
        Buckets b = s.buckets();
        long hourMs = b.hour().toEpochMilli();
        // Minutes tile the hour from its start when the hour starts on a whole minute (every offset in use today
        // is a whole number of minutes); otherwise ask the zone rules.
        Instant minute = hourMs % MINUTE_MS == 0
                ? Instant.ofEpochMilli(hourMs + Math.floorDiv(ms - hourMs, MINUTE_MS) * MINUTE_MS)
                : Periods.minute(zone, t).start();
        return minute.equals(b.minute()) ? b : new Buckets(minute, b.hour(), b.day(), b.month());
    }

    private static Stretch stretch(ZoneId zone, int billingDay, Instant t) {
        Period hour = Periods.hour(zone, t);
        Period day = Periods.day(zone, t);
        Period month = Periods.billingMonth(zone, billingDay, t);
        long from = Math.max(hour.start().toEpochMilli(), Math.max(day.start().toEpochMilli(),
                month.start().toEpochMilli()));
        long to = Math.min(hour.end().toEpochMilli(), Math.min(day.end().toEpochMilli(), month.end().toEpochMilli()));
        Buckets buckets = Buckets.of(zone, billingDay, t);
        // Buckets only grow with time, so equal buckets at both ends mean equal buckets between. Around a DST change
        // of half an hour (Lord Howe) the local hour after the gap is shorter than its period says: keep no stretch.
        Buckets last = Buckets.of(zone, billingDay, Instant.ofEpochMilli(to - 1));
        boolean regular = last.hour().equals(buckets.hour()) && last.day().equals(buckets.day())
                && last.month().equals(buckets.month());
        return new Stretch(zone, billingDay, from, regular ? to : from, buckets);
    }
}
