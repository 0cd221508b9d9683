package dev.tally.core.enforce;

import dev.tally.core.period.Period;

import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongFunction;

/**
 * Usage per calendar window (a customer-local day, or a billing month): each window starts at zero, and an event
 * counts in the window its own timestamp falls in, so a late event of yesterday never eats into today.
 */
final class CalendarWindowCounter implements WindowCounter {
    private static final int KEEP = 3;

    private final LongFunction<Period> windowAt;
    private final TreeMap<Long, Long> byStart = new TreeMap<>();

    /** @param windowAt the window containing an instant (in epoch milliseconds) */
    CalendarWindowCounter(LongFunction<Period> windowAt) {
        this.windowAt = windowAt;
    }

    @Override
    public long used(long nowMs) {
        return byStart.getOrDefault(windowAt.apply(nowMs).start().toEpochMilli(), 0L);
    }

    @Override
    public void add(long eventMs, long amount, long nowMs) {
        byStart.merge(windowAt.apply(eventMs).start().toEpochMilli(), amount, Long::sum);
        // Only the current window matters for decisions; keep a couple of past ones for late events.
        for (Iterator<Map.Entry<Long, Long>> it = byStart.entrySet().iterator(); byStart.size() > KEEP; ) {
            it.next();
            it.remove();
        }
    }

    @Override
    public long millisUntilFits(long nowMs, long need, long reserved, long limit) {
        return resetMs(nowMs) - nowMs;
    }

    @Override
    public long resetMs(long nowMs) {
        return windowAt.apply(nowMs).end().toEpochMilli();
    }
}
