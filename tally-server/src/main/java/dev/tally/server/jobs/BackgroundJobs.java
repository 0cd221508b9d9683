package dev.tally.server.jobs;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * One background thread that runs periodic jobs, and stops them so that nothing they use is closed under them:
 * {@link #close()} lets a job in progress finish within a grace period, then interrupts it, and returns once it has
 * ended. The owner closes it before the store.
 *
 * <p>A job interrupted by the shutdown typically fails (a wait for a connection is interrupted); such a failure is
 * the expected end of the job, so {@link #failed} logs it at debug level only, where any other failure is a warning.
 */
public final class BackgroundJobs implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BackgroundJobs.class);
    /**
     * How long an interrupted job may take to end; a statement already sent to the database is not interrupted,
     * so this bounds one statement, not the job.
     */
    static final Duration INTERRUPTED_END = Duration.ofSeconds(30);

    private final String threadName;
    private final Duration grace;
    private final ScheduledThreadPoolExecutor executor;
    private volatile boolean stopping;

    /**
     * @param threadName the thread's name ({@code tally-...})
     * @param grace      how long {@link #close()} lets a job in progress go on before interrupting it
     */
    public BackgroundJobs(String threadName, Duration grace) {
        this.threadName = threadName;
        this.grace = grace;
        this.executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new JobThread(r, threadName, this);
            t.setDaemon(true);
            return t;
        });
        // A job handed over with runSoon but not yet started is dropped at shutdown, not run afterwards.
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    /** Runs {@code job} after {@code first}, then {@code every} after each run ends. */
    public void every(Duration first, Duration every, Runnable job) {
        executor.scheduleWithFixedDelay(job, first.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Runs {@code job} once, as soon as the thread is free; does nothing once stopping. */
    public void runSoon(Runnable job) {
        try {
            executor.execute(job);
        } catch (RejectedExecutionException stopping) {
            // Closing: the job would only use what is about to close.
        }
    }

    /**
     * Reports a job's failure: a warning with its trace, or, when the failing thread is a job thread whose jobs are
     * stopping, a debug line (the shutdown interrupted it, or closed what it used).
     */
    public static void failed(Logger log, String what, RuntimeException e) {
        if (Thread.currentThread() instanceof JobThread t && t.jobs.stopping) {
            log.debug("{} (stopped by the shutdown): {}", what, e.toString());
        } else {
            log.warn(what, e);
        }
    }

    /** Stops the jobs: no new run starts; a run in progress ends (within the grace, else interrupted) first. */
    @Override
    public void close() {
        stopping = true;
        executor.shutdown();
        try {
            if (executor.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                return;
            }
            executor.shutdownNow();
            if (!executor.awaitTermination(INTERRUPTED_END.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("A job on {} did not end within {} s of its interrupt; stopping without it", threadName,
                        INTERRUPTED_END.toSeconds());
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    /** A thread of some {@link BackgroundJobs}, so that {@link #failed} knows whether its jobs are stopping. */
    private static final class JobThread extends Thread {
        private final BackgroundJobs jobs;

        JobThread(Runnable r, String name, BackgroundJobs jobs) {
            super(r, name);
            this.jobs = jobs;
        }
    }
}
