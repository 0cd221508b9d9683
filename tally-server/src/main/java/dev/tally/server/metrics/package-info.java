/**
 * The server's operational metrics, served at {@code GET /metrics} in the Prometheus text format: one Micrometer
 * registry, wired by hand in {@link dev.tally.server.metrics.ServerMetrics}.
 *
 * <p>Rules: the core knows no metrics library; it reports through small ports with no-op defaults
 * ({@link dev.tally.core.enforce.DecisionMetrics}, {@link dev.tally.core.ingest.IngestMetrics}), which this package
 * implements. Labels take only bounded values (route templates, never raw paths; enum codes, never customer ids), so
 * a client cannot grow the number of series. Every meter on a hot path is looked up once and then only incremented.
 * Latencies are histograms with fixed buckets, so quantiles can be computed (and summed across nodes) in Prometheus.
 * The names of the first families (the writer's and the notification attempts) are kept: dashboards use them.
 */
package dev.tally.server.metrics;
