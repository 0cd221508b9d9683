/**
 * The decision engine: {@link dev.tally.core.enforce.Enforcer} answers authorize and check from the
 * {@code CounterStore} port, counts recorded events, and rebuilds the counters from the ledger at start-up, and a
 * customer's added limits' counters when a catalog write adds them ({@link dev.tally.core.enforce.CounterRebuild}),
 * and reads for reports the counters of limits on end users and dimensions
 * ({@link dev.tally.core.enforce.EndUserLimitStates}), which the customer's rollups do not measure.
 *
 * <p>Rules: a call is allowed when every enforced (hard, not shadow) limit fits; then all its charges are held at
 * once, or none. Soft and shadow limits never deny. A recorded event replaces its reservation's estimate by its
 * actual usage. Decisions carry what a 429 needs (the deciding limit, remaining, reset, retry-after). Depends on
 * {@code counter}, {@code reservation}, the limit domain, {@code catalog}, {@code customer}, {@code pricing},
 * {@code event}, {@code store} (the ledger port, for the rebuild) and the value packages below them; never on
 * {@code ingest}, {@code alert} or {@code usage}, which sit above it.
 */
package dev.tally.core.enforce;
