package dev.tally.core.alert;

import dev.tally.core.customer.Customer;

import java.time.Instant;
import java.util.List;

/**
 * One customer's request rate against its own baseline, by {@link AlertSettings.SpikeRule}. The baseline is kept in
 * thousandths of a request in integer arithmetic. Not thread-safe: guarded by the {@link CustomerWatch}'s monitor.
 */
final class SpikeWatch {
    /** Empty windows decay the baseline one by one; after this many it is as good as zero. */
    private static final int MAX_DECAY_STEPS = 10_000;

    private final AlertSettings.SpikeRule rule;
    private final NewAlerts.SpikeRuleText text;
    private final NewAlerts alerts;
    private final long windowMs;
    private long window = Long.MIN_VALUE;
    private long count;
    private long baselineMilli;
    private long windowsSeen;
    private long quietUntilMs;

    SpikeWatch(AlertSettings.SpikeRule rule) {
        this(rule, NewAlerts.BUILT_IN);
    }

    SpikeWatch(AlertSettings.SpikeRule rule, NewAlerts alerts) {
        this.rule = rule;
        this.alerts = alerts;
        this.windowMs = rule.window().toMillis();
        this.text = new NewAlerts.SpikeRuleText(rule.window().toMinutes() + " minutes", rule.factor(),
                rule.minRequests());
    }

    /** Counts one request at {@code now}; adds a {@code rate_spike} alert to {@code out} when it makes a spike. */
    void request(Customer c, Instant now, List<Alert> out) {
        long nowMs = now.toEpochMilli();
        long w = Math.floorDiv(nowMs, windowMs);
        if (w != window) {
            roll(w);
        }
        count++;
        if (nowMs >= quietUntilMs && windowsSeen >= rule.warmupWindows() && count >= rule.minRequests()
                && count * 1000 > rule.factor() * baselineMilli) {
            AlertPeriods.Keyed hour = AlertPeriods.utcHour(now);
            // One attempt per hour: the alert's key is the hour, so more would only be de-duplicated away.
            quietUntilMs = hour.period().end().toEpochMilli();
            out.add(alerts.spike(c, count, baselineMilli, text, hour.key(), now));
        }
    }

    /** Lets the next spike of this hour fire again (its alert was resolved). */
    void forget() {
        quietUntilMs = 0;
    }

    private void roll(long w) {
        if (window != Long.MIN_VALUE && w > window) {
            baselineMilli = windowsSeen == 0 ? count * 1000 : ewma(baselineMilli, count * 1000);
            long empty = w - window - 1;
            for (long i = 0; i < empty && i < MAX_DECAY_STEPS && baselineMilli > 0; i++) {
                baselineMilli = ewma(baselineMilli, 0);
            }
            windowsSeen += w - window;
        }
        if (window == Long.MIN_VALUE || w > window) {
            window = w;
            count = 0;
        }
        // A clock stepping back (w < window) keeps counting in the current window.
    }

    private long ewma(long baseline, long sample) {
        return baseline + (sample - baseline) / rule.smoothing();
    }
}
