package dev.tally.core.retention;

import dev.tally.core.period.Window;
import dev.tally.core.store.UsageStore;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;

/**
 * Removes what is kept only for a while, and nothing else.
 *
 * <p>Rules: raw events are removed once received more than {@code rawRetention} ago; hour rollups live as long as
 * raw events; minute rollups (needed only for minute and hour windows) live two days. Day and month rollups, which
 * hold the daily breakdowns and monthly summaries, are kept forever.
 */
public final class RetentionJob implements Runnable {
    /** How long minute rollups are kept. */
    public static final Duration MINUTE_ROLLUP_RETENTION = Duration.ofDays(2);

    private final UsageStore store;
    private final InstantSource clock;
    private final Duration rawRetention;

    public RetentionJob(UsageStore store, InstantSource clock, Duration rawRetention) {
        this.store = store;
        this.clock = clock;
        this.rawRetention = rawRetention;
    }

    /** Runs one pass and reports what it removed. */
    public Result runOnce() {
        Instant now = clock.instant();
        long events = store.deleteEventsReceivedBefore(now.minus(rawRetention));
        long minutes = store.deleteRollupsBefore(Window.MINUTE, now.minus(MINUTE_ROLLUP_RETENTION));
        long hours = store.deleteRollupsBefore(Window.HOUR, now.minus(rawRetention));
        return new Result(events, minutes, hours);
    }

    @Override
    public void run() {
        runOnce();
    }

    /** How many raw events, minute rollups and hour rollups one pass removed. */
    public record Result(long events, long minuteRollups, long hourRollups) {
    }
}
