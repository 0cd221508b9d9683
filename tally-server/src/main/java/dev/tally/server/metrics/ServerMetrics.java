package dev.tally.server.metrics;

import com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory;
import dev.tally.core.alert.AlertListener;
import dev.tally.core.enforce.DecisionMetrics;
import dev.tally.core.ingest.EventWriter;
import dev.tally.core.ingest.IngestMetrics;
import dev.tally.core.persistence.TallyStore;
import dev.tally.store.Stores;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The server's metrics: one Prometheus registry with the JVM's meters (Micrometer's binders), the store's connection
 * pool (HikariCP's own tracker), the writer's, the domain's counters and the HTTP timer. The composition root makes
 * one at start-up, hands its parts to the components it builds, and closes it last.
 *
 * <p>Families (documented in docs/operations.md): {@code http_server_requests_seconds},
 * {@code tally_decisions_total}, {@code tally_events_total}, {@code tally_alerts_fired_total},
 * {@code tally_writer_*}, {@code tally_rollup_lag_seconds}, {@code tally_notification_attempts_total},
 * {@code hikaricp_connections_*}, {@code jvm_*}, {@code process_*}, {@code system_*}.
 */
public final class ServerMetrics implements AutoCloseable {
    /**
     * Bounds of the commit-time buckets, 1 ms to 10 s: a group commit takes a few milliseconds on SQLite and
     * PostgreSQL alike, and seconds only when the store struggles, which is what the upper buckets are for.
     */
    private static final Duration[] COMMIT_BUCKETS = {
            Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10),
            Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
            Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5),
            Duration.ofSeconds(10)};
    /** Bounds of the events-per-commit buckets: how well group commit batches (a batch holds up to 1,000 by default). */
    private static final double[] BATCH_BUCKETS = {1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 10_000};

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final CountingMetrics counting = new CountingMetrics(registry);
    private final HttpRequestMetrics http = new HttpRequestMetrics(registry);

    private ServerMetrics() {
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
    }

    /**
     * The metrics of a server on {@code store}: the JVM's, the store's pool and its rollup lag from now on.
     */
    public static ServerMetrics start(TallyStore store) {
        ServerMetrics metrics = new ServerMetrics();
        // Only stores opened by Stores have a pool of ours; a test's wrapper around one reports none.
        Stores.trackPool(store, new MicrometerMetricsTrackerFactory(metrics.registry));
        Gauge.builder("tally.rollup.lag", store, s -> Stores.rollupLagMillis(s) / 1000.0)
                .description("how long the oldest committed events have waited for their rollup rows to be written")
                .baseUnit("seconds").register(metrics.registry);
        return metrics;
    }

    /** The registry, for {@code GET /metrics} and for components that register their own meters. */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** What the writer reports after every commit: events committed, events per commit, time per commit. */
    public Consumer<EventWriter.BatchStats> writerBatches() {
        Counter events = Counter.builder("tally.writer.events").description("events committed").register(registry);
        DistributionSummary batch = DistributionSummary.builder("tally.writer.batch.events")
                .description("events per commit").serviceLevelObjectives(BATCH_BUCKETS).register(registry);
        Timer commit = Timer.builder("tally.writer.commit").description("time to commit a batch")
                .serviceLevelObjectives(COMMIT_BUCKETS).register(registry);
        return stats -> {
            events.increment(stats.events());
            batch.record(stats.events());
            commit.record(stats.nanos(), TimeUnit.NANOSECONDS);
        };
    }

    /** The writer's queue depth, in requests and in events waiting for their commit. */
    public void bindWriter(EventWriter writer) {
        Gauge.builder("tally.writer.pending.requests", writer, EventWriter::pendingSubmissions)
                .description("ingestion requests waiting for their commit").register(registry);
        Gauge.builder("tally.writer.queued.events", writer, EventWriter::queuedEvents)
                .description("events waiting for their commit").register(registry);
    }

    /** Counts the enforcer's decisions. */
    public DecisionMetrics decisions() {
        return counting;
    }

    /** Counts ingested events. */
    public IngestMetrics ingest() {
        return counting;
    }

    /** {@code listener}, counting every fired alert on its way to it. */
    public AlertListener countingAlerts(AlertListener listener) {
        return counting.counting(listener);
    }

    /** Times HTTP requests; Javalin calls it once each answer is complete. */
    public HttpRequestMetrics httpRequests() {
        return http;
    }

    /** Stops the GC listener and the registry. */
    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
