/**
 * Adjustments: signed corrections of one metric of a customer's billing month (refunds, credits, missed charges).
 *
 * <p>Rules: an adjustment is written once and never changed (a wrong one is corrected by another); it belongs to a
 * billing month, never to a day, provider, model or endpoint; it counts in that month's totals, history and month
 * limits through {@link dev.tally.core.adjust.AdjustedUsageStore}, which billing reads use, while the rollups stay the
 * sums of stored events. Of the current month it also moves the enforcing counters. The validation rules are
 * {@link dev.tally.core.adjust.Adjustments}'s. Depends on catalog, limit, metric, money, period, pricing, problem,
 * rollup and store; nothing in core depends on it but the persistence aggregate.
 */
package dev.tally.core.adjust;
