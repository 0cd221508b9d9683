package dev.tally.core.counter;

import dev.tally.core.period.Periods;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.ZoneId;
import java.util.Random;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

class WindowCounterTest {
    private static long ms(String iso) {
        return Instant.parse(iso).toEpochMilli();
    }

    @Test
    void sliding_burstAtBoundary_isNotDoubled() {
        // A calendar minute would allow 10 at 12:00:59 and 10 more at 12:01:00; the sliding window does not.
        SlidingWindowCounter c = new SlidingWindowCounter(60_000);
        long t = ms("2026-11-20T12:00:59Z");
        c.add(t, 10, t);
        long next = ms("2026-11-20T12:01:00Z");
        assertThat(c.used(next)).isEqualTo(10);
        assertThat(c.used(ms("2026-11-20T12:01:58Z"))).isEqualTo(10);
        assertThat(c.used(ms("2026-11-20T12:01:59Z"))).isZero();
    }

    @Test
    void sliding_overAnyWindow_admitsAtMostOneSlotMoreThanTheLimit() {
        // Greedy client: takes whatever fits each 100 ms for 5 minutes; count what landed in every 60 s interval.
        long limit = 600;
        SlidingWindowCounter c = new SlidingWindowCounter(60_000);
        long start = ms("2026-11-20T12:00:00Z");
        long[] admittedAt = new long[100_000];
        int n = 0;
        for (long t = start; t < start + 300_000; t += 100) {
            while (c.used(t) + 1 <= limit) {
                c.add(t, 1, t);
                admittedAt[n++] = t;
            }
        }
        int worst = 0;
        for (int i = 0, j = 0; i < n; i++) {
            while (admittedAt[i] - admittedAt[j] >= 60_000) {
                j++;
            }
            worst = Math.max(worst, i - j + 1);
        }
        assertThat(worst).isLessThanOrEqualTo((int) (limit * (1 + 1.0 / SlidingWindowCounter.SLOTS)));
        assertThat(worst).isGreaterThanOrEqualTo((int) limit);
    }

    @Test
    void sliding_millisUntilFits_isWhenEnoughOldUsageFallsOut() {
        SlidingWindowCounter c = new SlidingWindowCounter(60_000);
        long t0 = ms("2026-11-20T12:00:10Z");
        c.add(t0, 5, t0);
        long t1 = ms("2026-11-20T12:00:30Z");
        c.add(t1, 5, t1);
        long now = ms("2026-11-20T12:00:40Z");
        // 10 used of 10: one more fits once the 5 from 12:00:10 leave, at 12:01:10.
        assertThat(c.millisUntilFits(now, 1, 10)).isEqualTo(30_000);
        assertThat(c.resetMs(now)).isEqualTo(ms("2026-11-20T12:01:10Z"));
    }

    @Test
    void sliding_heldEstimate_leavesTheWindowLikeUsage() {
        SlidingWindowCounter c = new SlidingWindowCounter(60_000);
        long t0 = ms("2026-11-20T12:00:10Z");
        c.hold(t0, 3, t0);
        assertThat(c.reserved(ms("2026-11-20T12:01:09Z"))).isEqualTo(3);
        assertThat(c.reserved(ms("2026-11-20T12:01:10Z"))).isZero();
        // The slot of 12:00:10 is reused at 12:01:10; settling the old reservation then must not touch the new one.
        long t1 = ms("2026-11-20T12:01:10Z");
        c.hold(t1, 5, t1);
        c.unhold(t0, 3);
        assertThat(c.reserved(t1)).isEqualTo(5);
    }

    @Test
    void sliding_eventOlderThanWindow_isIgnored() {
        SlidingWindowCounter c = new SlidingWindowCounter(60_000);
        long now = ms("2026-11-20T12:05:00Z");
        c.add(ms("2026-11-20T12:03:00Z"), 7, now);
        assertThat(c.used(now)).isZero();
    }

    @Test
    void sliding_runningTotals_answerAsTheSumOfSlotsUnderRandomOperations() {
        // Adds, holds and unholds at random moments (late, early, clock going back, long gaps) on a counter keeping
        // running totals and on one adding up its slots (and walking its window for the reset, where the other keeps
        // a hint); after every step both must answer the same.
        java.util.Random random = new java.util.Random(42);
        for (long windowMs : new long[]{60_000, 3_600_000}) {
            SlidingWindowCounter kept = new SlidingWindowCounter(windowMs);
            SlidingWindowCounter summed = SlidingWindowCounter.summingSlots(windowMs);
            long now = ms("2026-11-20T12:00:00Z");
            long[] heldAt = new long[64];
            long[] heldAmount = new long[64];
            for (int step = 0; step < 20_000; step++) {
                int jump = random.nextInt(100);
                now += jump < 90 ? random.nextInt((int) (windowMs / 30)) : jump < 97
                        ? -random.nextInt((int) (windowMs / 10)) : windowMs * random.nextInt(3);
                long at = now - random.nextInt((int) (windowMs * 5 / 4)) + random.nextInt((int) (windowMs / 20));
                long amount = random.nextInt(1_000);
                int h = random.nextInt(heldAt.length);
                switch (random.nextInt(3)) {
                    case 0 -> {
                        kept.add(at, amount, now);
                        summed.add(at, amount, now);
                    }
                    case 1 -> {
                        kept.hold(at, amount, now);
                        summed.hold(at, amount, now);
                        heldAt[h] = at;
                        heldAmount[h] = amount;
                    }
                    default -> {
                        kept.unhold(heldAt[h], heldAmount[h]);
                        summed.unhold(heldAt[h], heldAmount[h]);
                        heldAmount[h] = 0;
                    }
                }
                long readAt = now - random.nextInt(2) * random.nextInt((int) (windowMs / 10));
                assertThat(kept.used(readAt)).as("used, step %d", step).isEqualTo(summed.used(readAt));
                assertThat(kept.reserved(readAt)).as("reserved, step %d", step).isEqualTo(summed.reserved(readAt));
                assertThat(kept.used(now)).as("used now, step %d", step).isEqualTo(summed.used(now));
                assertThat(kept.reserved(now)).as("reserved now, step %d", step).isEqualTo(summed.reserved(now));
                assertThat(kept.resetMs(readAt)).as("reset, step %d", step).isEqualTo(summed.resetMs(readAt));
                assertThat(kept.resetMs(now)).as("reset now, step %d", step).isEqualTo(summed.resetMs(now));
                long need = random.nextInt(2_000);
                long limit = random.nextInt(50_000);
                assertThat(kept.millisUntilFits(now, need, limit)).as("until fits, step %d", step)
                        .isEqualTo(summed.millisUntilFits(now, need, limit));
                // The decision's one call answers what the five separate ones do.
                long usedNow = summed.used(now);
                long reservedNow = summed.reserved(now);
                boolean fits = usedNow + reservedNow + need <= limit;
                assertThat(kept.state(now, need, limit)).as("state, step %d", step).isEqualTo(new CounterState(
                        usedNow, reservedNow, fits, fits ? 0 : summed.millisUntilFits(now, need, limit),
                        summed.resetMs(now)));
            }
        }
    }

    @Test
    void sliding_hugeAmounts_fallBackToSaturatingSums() {
        SlidingWindowCounter c = new SlidingWindowCounter(60_000);
        long t = ms("2026-11-20T12:00:00Z");
        c.add(t, Long.MAX_VALUE - 5, t);
        c.add(t + 1_000, 10, t + 1_000);
        assertThat(c.used(t + 1_000)).isEqualTo(Long.MAX_VALUE);
        assertThat(c.used(t + 60_500)).isEqualTo(10);
    }

    @Test
    void calendar_lateEventCountsInItsOwnDay() {
        ZoneId berlin = ZoneId.of("Europe/Berlin");
        CalendarWindowCounter c = new CalendarWindowCounter(m -> Periods.day(berlin, Instant.ofEpochMilli(m)));
        long now = ms("2026-11-20T12:00:00Z");
        c.add(ms("2026-11-19T22:00:00Z"), 3, now); // 23:00 on the 19th in Berlin
        c.add(ms("2026-11-19T23:30:00Z"), 4, now); // 00:30 on the 20th
        assertThat(c.used(now)).isEqualTo(4);
        assertThat(c.resetMs(now)).isEqualTo(ms("2026-11-20T23:00:00Z"));
        assertThat(c.millisUntilFits(now, 1, 4)).isEqualTo(ms("2026-11-20T23:00:00Z") - now);
        long end = ms("2026-11-20T23:00:00Z");
        assertThat(c.state(now, 1, 4)).isEqualTo(new CounterState(4, 0, false, end - now, end));
        assertThat(c.state(now, 1, -1)).isEqualTo(new CounterState(4, 0, true, 0, end));
        c.hold(now, 2, now);
        assertThat(c.state(now, 2, 8)).isEqualTo(new CounterState(4, 2, true, 0, end));
    }

    /**
     * The calendar counter against a plain model of what it keeps, under random adds, holds and releases at random
     * moments over two weeks (late events and earlier holds included): per table (usage, holds), the sums of the
     * {@value CalendarWindowCounterModel#KEEP} latest day windows it has seen; a window older than every one kept,
     * once {@value CalendarWindowCounterModel#KEEP} are kept, is dropped.
     */
    @Test
    void calendar_keepsTheLatestThreeWindowsOfUsageAndOfHolds_asAPlainModelDoes() {
        ZoneId berlin = ZoneId.of("Europe/Berlin");
        long day0 = ms("2026-11-01T00:00:00Z");
        for (long seed = 1; seed <= 20; seed++) {
            Random random = new Random(seed);
            CalendarWindowCounter c = new CalendarWindowCounter(m -> Periods.day(berlin, Instant.ofEpochMilli(m)));
            CalendarWindowCounterModel used = new CalendarWindowCounterModel();
            CalendarWindowCounterModel held = new CalendarWindowCounterModel();
            for (int op = 0; op < 400; op++) {
                long at = day0 + (long) (random.nextDouble() * 14 * 86_400_000L);
                long start = Periods.day(berlin, Instant.ofEpochMilli(at)).start().toEpochMilli();
                long amount = 1 + random.nextInt(1_000);
                switch (random.nextInt(4)) {
                    case 0 -> {
                        c.add(at, amount, at);
                        used.add(start, amount);
                    }
                    case 1 -> {
                        c.hold(at, amount, at);
                        held.add(start, amount);
                    }
                    case 2 -> {
                        c.unhold(at, amount);
                        held.subtract(start, amount);
                    }
                    default -> {
                        CounterState state = c.state(at, 0, Long.MAX_VALUE);
                        assertThat(state.used()).as("seed %d, op %d: used", seed, op).isEqualTo(used.get(start));
                        assertThat(state.reserved()).as("seed %d, op %d: held", seed, op).isEqualTo(held.get(start));
                        assertThat(c.used(at)).isEqualTo(used.get(start));
                        assertThat(c.reserved(at)).isEqualTo(held.get(start));
                    }
                }
            }
        }
    }

    /** What a calendar counter's table keeps: the sums of its latest windows by start. */
    private static final class CalendarWindowCounterModel {
        static final int KEEP = 3;
        private final TreeMap<Long, Long> sums = new TreeMap<>();

        void add(long start, long amount) {
            if (!sums.containsKey(start) && sums.size() == KEEP && start < sums.firstKey()) {
                return;
            }
            sums.merge(start, amount, Long::sum);
            if (sums.size() > KEEP) {
                sums.pollFirstEntry();
            }
        }

        void subtract(long start, long amount) {
            sums.computeIfPresent(start, (k, v) -> v - amount);
        }

        long get(long start) {
            return sums.getOrDefault(start, 0L);
        }
    }
}
