package dev.tally.server;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Reports failures of the enforcement counters as one line with the cause, at most once per interval, with the
 * count of those left out.
 *
 * <p>Why: a counter failure (Redis down, a script error) fails every decision the same way, often thousands a
 * second; a stack trace per request would flood the log and cost more than the decision. One line per interval
 * says what fails and how often; the first failure of each interval also goes to {@code trace} (debug level).
 */
final class CounterFailureLog implements Consumer<RuntimeException> {
    private final String policy;
    private final InstantSource clock;
    private final Duration interval;
    private final BiConsumer<String, RuntimeException> sink;
    private Instant next = Instant.MIN;
    private long leftOut;

    /**
     * @param policy   the failure policy applied, as the line names it
     * @param sink     takes each line to log, and the failure it reports (for a debug stack trace)
     */
    CounterFailureLog(String policy, InstantSource clock, Duration interval,
                      BiConsumer<String, RuntimeException> sink) {
        this.policy = policy;
        this.clock = clock;
        this.interval = interval;
        this.sink = sink;
    }

    @Override
    public void accept(RuntimeException failure) {
        String line;
        synchronized (this) {
            Instant now = clock.instant();
            if (now.isBefore(next)) {
                leftOut++;
                return;
            }
            next = now.plus(interval);
            line = "Enforcement counters failed; decisions follow the failure policy (" + policy
                    + " unless the plan sets one): " + cause(failure)
                    + (leftOut == 0 ? "" : " (" + leftOut + " more failures since the last report)");
            leftOut = 0;
        }
        sink.accept(line, failure);
    }

    /** The failure and, when it wraps another, its root cause: class and message, one line. */
    static String cause(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String text = failure.toString();
        return (root == failure ? text : text + ", caused by " + root).replace('\n', ' ');
    }
}
