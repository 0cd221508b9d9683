/**
 * Retention: removes what is kept only for a while ({@link dev.tally.core.retention.RetentionJob}), through the
 * {@code UsageStore} port.
 *
 * <p>Rules: raw events and hour rollups go after the raw retention, minute rollups after two days; day and month
 * rollups are kept forever. Depends on {@code store} and {@code period} only.
 */
package dev.tally.core.retention;
