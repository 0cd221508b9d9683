package dev.tally.core.notify;

import java.time.Duration;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * When a failed delivery is tried again: after 10 s, 30 s, 2 min, 10 min, 30 min, 1 h, then every 2 h (the cap),
 * each delay stretched by a random 0-20% so that receivers coming back from an outage are not hit by every retry at
 * once. After {@link #maxAttempts()} attempts a row is given up (dead), about a day after it was first tried.
 */
public final class Backoff {
    /** The delays after the first, second, ... failed attempt; the last one repeats. */
    static final List<Duration> DELAYS = List.of(Duration.ofSeconds(10), Duration.ofSeconds(30),
            Duration.ofMinutes(2), Duration.ofMinutes(10), Duration.ofMinutes(30), Duration.ofHours(1),
            Duration.ofHours(2));
    /** Attempts before a row is given up: the delays above add up to about 24 hours. */
    public static final int DEFAULT_MAX_ATTEMPTS = 17;
    /** The most a delay is stretched, in percent. */
    static final int JITTER_PERCENT = 20;

    private final int maxAttempts;
    private final RandomGenerator random;

    /**
     * @param maxAttempts attempts before a row is dead (at least 1)
     * @param random      the source of jitter; tests pass a seeded one
     */
    public Backoff(int maxAttempts, RandomGenerator random) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be >= 1, was " + maxAttempts);
        }
        this.maxAttempts = maxAttempts;
        this.random = random;
    }

    public int maxAttempts() {
        return maxAttempts;
    }

    /**
     * The wait after the {@code attemptsMade}-th failed attempt, or null if no attempt is left.
     *
     * @param attemptsMade attempts made so far, the failed one included (1 after the first)
     */
    public Duration delayAfter(int attemptsMade) {
        if (attemptsMade >= maxAttempts) {
            return null;
        }
        Duration base = DELAYS.get(Math.min(attemptsMade, DELAYS.size()) - 1);
        long jitterMillis = random.nextLong(base.toMillis() * JITTER_PERCENT / 100 + 1);
        return base.plusMillis(jitterMillis);
    }

    /** The longest a single wait can be, jitter included. */
    public static Duration longestDelay() {
        Duration cap = DELAYS.get(DELAYS.size() - 1);
        return cap.plus(cap.multipliedBy(JITTER_PERCENT).dividedBy(100));
    }
}
