/**
 * The limit domain: what a limit is ({@link dev.tally.core.limit.Limit}, its mode, the rules a list of limits must
 * follow), how far it is used ({@link dev.tally.core.limit.LimitState}, {@link dev.tally.core.limit.LimitStatus},
 * {@link dev.tally.core.limit.LimitUsage} over rollup rows) and what authorization does when the counters cannot
 * answer ({@link dev.tally.core.limit.FailurePolicy}).
 *
 * <p>Rules: usage is compared with a limit exactly (never on a rounded percent): {@code ok} below 50%,
 * {@code warning} from 50%, {@code critical} from 80%, {@code exceeded} from 100%. Amounts are held in the metric's
 * unit ({@code MetricUnit}). Depends on {@code rollup}, {@code metric}, {@code money}, {@code period},
 * {@code bounds} and {@code problem} only: customers, counters, decisions and reports all build on it.
 */
package dev.tally.core.limit;
