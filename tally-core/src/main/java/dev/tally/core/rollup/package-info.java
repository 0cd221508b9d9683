/**
 * Rollups: sums over events per customer, grain (minute, hour, day, month), bucket and provider/model/endpoint
 * ({@link dev.tally.core.rollup.RollupCounts}, keys, rows, latency buckets), as written with each batch and read
 * back for reports, limits and the counter rebuild.
 *
 * <p>Rules: rollups are the sums of exactly the committed events (the {@code UsageStore} contract), so reading them
 * never needs the raw events. They know nothing of limits or customers' plans. Depends on {@code event}, {@code metric},
 * {@code money}, {@code period} and {@code bounds} only.
 */
package dev.tally.core.rollup;
