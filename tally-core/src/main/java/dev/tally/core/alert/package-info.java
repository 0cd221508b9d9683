/**
 * Alerts: what fired, why, and where it is in its lifecycle. The {@link dev.tally.core.alert.AlertEngine} evaluates
 * usage as the {@link dev.tally.core.enforce.Enforcer} counts it and denies calls; alerts are kept through the
 * {@link dev.tally.core.alert.AlertStore} port; notifications (webhooks, e-mail) listen through
 * {@link dev.tally.core.alert.AlertListener}.
 *
 * <p>Rules: at most one open alert per (customer, kind, limit, threshold, period), and for a {@code per} limit per
 * user or dimension value too ({@link dev.tally.core.alert.PerLimitWatches}); an alert goes
 * {@code active -> acknowledged -> resolved} and never back; it resolves itself when its period ends or its cause
 * goes away; only a resolved key fires again. A limit's alerts belong to its calendar window (billing month,
 * customer-local day), those of sliding minute and hour limits and rate spikes to the UTC hour. Usage recorded
 * into an earlier day or month window is judged in that window, from the rollups ({@code LatePeriods}).
 *
 * <p>Depends on {@code enforce} (it observes counted usage), {@code usage}, {@code catalog}, {@code counter}, the
 * limit domain, {@code store} (the ledger port) and the value packages; only {@code notify} and {@code persistence}
 * sit above it.
 */
package dev.tally.core.alert;
