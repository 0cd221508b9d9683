package dev.tally.server.cli;

import java.time.Duration;

/** Waiting between retries, as a seam: the real one sleeps, tests record the waits instead. */
@FunctionalInterface
interface Sleeper {
    /** The sleeper that really waits. */
    Sleeper SYSTEM = duration -> Thread.sleep(duration.toMillis());

    void sleep(Duration duration) throws InterruptedException;
}
