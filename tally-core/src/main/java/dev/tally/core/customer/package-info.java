/**
 * Customers and plans: who is metered, in which time zone and billing month, and which limits apply
 * ({@link dev.tally.core.customer.EffectiveLimits}: the plan's limits with the customer's overrides laid over them).
 *
 * {@link dev.tally.core.customer.Messages} are a plan's own words for denied calls and alerts (templates with
 * placeholders, checked when set).
 *
 * <p>Rules: a customer's override replaces the plan's limit with the same key (metric, window, filters) and adds the
 * rest after the plan's. Plain data: depends on the limit domain only (and its words, {@code LimitWords}).
 */
package dev.tally.core.customer;
