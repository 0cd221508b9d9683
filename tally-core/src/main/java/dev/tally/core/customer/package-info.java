/**
 * Customers and plans: who is metered, in which time zone and billing month, and which limits apply
 * ({@link dev.tally.core.customer.EffectiveLimits}: the plan's limits with the customer's overrides laid over them).
 *
 * <p>Rules: a customer's override replaces the plan's limit with the same key (metric, window, filters) and adds the
 * rest after the plan's. Plain data: depends on the limit domain only.
 */
package dev.tally.core.customer;
