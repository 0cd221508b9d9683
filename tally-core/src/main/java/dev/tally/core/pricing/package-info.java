/**
 * Prices: the price list as an immutable snapshot ({@link dev.tally.core.pricing.PriceCatalog}) and the pricing of
 * one event with the prices in effect at its timestamp ({@link dev.tally.core.pricing.EventPricer}).
 *
 * <p>Rules: cost is the sum over sent metrics of quantity times unit price, rounded once to nano-dollars; a metric
 * with usage and no price makes the event unpriced, never billed at $0. Depends on {@code metric}, {@code money} and
 * {@code bounds} only.
 */
package dev.tally.core.pricing;
