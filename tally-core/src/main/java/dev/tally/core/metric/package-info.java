/**
 * Metrics: their names (well-known, custom, and the derived {@code requests}, {@code tokens}, {@code cost}), exact
 * quantities in micros ({@link dev.tally.core.metric.Quantity}), and the unit each is counted in
 * ({@link dev.tally.core.metric.MetricUnit}: calls, nano-dollars or micros).
 *
 * <p>Rules: a metric name is lower_snake_case; {@code tokens} is the sum of its parts; quantities with more than six
 * decimal places are refused, never rounded. Which unit a metric has is decided in {@code MetricUnit} only. Depends
 * on {@code money} and {@code bounds} only.
 */
package dev.tally.core.metric;
