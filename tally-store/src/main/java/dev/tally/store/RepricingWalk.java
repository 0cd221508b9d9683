package dev.tally.store;

import dev.tally.core.rerate.RerateStore.PageSink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.UnaryOperator;

/**
 * Walks a customer's events page by page for a re-rating ({@link dev.tally.core.rerate.RerateStore#reprice}); when
 * applying, the next page is read and priced while the page before it is staged.
 *
 * <p>Why two threads: reading and pricing a page is CPU in this process, staging it mostly waits (for SQLite's one
 * writer behind live ingestion, and for the commit's fsync). In turn they left the CPU idle during every wait. At
 * most two pages are in memory: the one staging and the one read meanwhile, which waits for the first to be staged
 * before it is staged in turn, so pages are staged in order and the sink sees each once, after it is staged. One
 * staging thread per store (started at the first apply): walks of two re-ratings at once queue their pages on it.
 */
final class RepricingWalk implements AutoCloseable {
    /** The name of the thread that stages pages: a benchmark reads its CPU time by it. */
    static final String STAGING_THREAD = "tally-rerate-staging";
    private static final Logger LOG = LoggerFactory.getLogger(RepricingWalk.class);

    /** Reads one page after a cursor and prices it again. */
    @FunctionalInterface
    interface PageReader {
        LedgerRepricing.Page read(LedgerRepricing.Cursor after);
    }

    private final ExecutorService stager = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, STAGING_THREAD);
        t.setDaemon(true); // a staging cut short is abandoned at the next start; it must not keep the JVM alive
        return t;
    });

    /**
     * Walks from {@code from} until a page is not full.
     *
     * @param stage stages a page and answers what the sink is to see of it (its events still stored); null for a dry
     *              run. Runs on the staging thread, one page at a time, in order
     * @return the events walked (the sink's)
     */
    long walk(Instant from, PageReader reader, UnaryOperator<LedgerRepricing.Page> stage, PageSink sink) {
        LedgerRepricing.Cursor cursor = LedgerRepricing.Cursor.before(from);
        long walked = 0;
        long started = System.nanoTime();
        long readingNanos = 0;
        long waitingNanos = 0;
        CompletableFuture<LedgerRepricing.Page> staging = null;
        try {
            while (true) {
                long t0 = System.nanoTime();
                LedgerRepricing.Page page = reader.read(cursor);
                long t1 = System.nanoTime();
                readingNanos += t1 - t0;
                if (staging != null) {
                    walked += deliver(await(staging), sink);
                    staging = null;
                    waitingNanos += System.nanoTime() - t1;
                }
                if (stage != null && page.changes()) {
                    staging = CompletableFuture.supplyAsync(() -> stage.apply(page), stager);
                } else {
                    walked += deliver(page, sink);
                }
                if (!page.full()) {
                    break;
                }
                cursor = page.next();
            }
            if (staging != null) {
                long t0 = System.nanoTime();
                walked += deliver(await(staging), sink);
                staging = null;
                waitingNanos += System.nanoTime() - t0;
            }
            if (stage != null) {
                // Where an apply's walk spent its time: the figures that tell reading from staging as the bottleneck.
                LOG.info("Re-rating walk: {} events in {} ms, reading and pricing {} ms, waiting for staging {} ms",
                        walked, (System.nanoTime() - started) / 1_000_000, readingNanos / 1_000_000,
                        waitingNanos / 1_000_000);
            }
            return walked;
        } finally {
            if (staging != null) {
                // A failure while a page was staging: let it finish, so that nothing is staged after the caller
                // abandons the re-rating and drops its staging.
                staging.handle((p, e) -> null).join();
            }
        }
    }

    /** Hands the page to the sink: the events counted as walked. */
    private static int deliver(LedgerRepricing.Page page, PageSink sink) {
        if (!page.entries().isEmpty()) {
            sink.page(page.entries(), page.repriced());
        }
        return page.entries().size();
    }

    /** The staged page, or the staging's own failure as it was thrown. */
    private static LedgerRepricing.Page await(CompletableFuture<LedgerRepricing.Page> staging) {
        try {
            return staging.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while a re-rating's page was staging", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new CompletionException(e.getCause());
        }
    }

    @Override
    public void close() {
        stager.shutdown();
    }
}
