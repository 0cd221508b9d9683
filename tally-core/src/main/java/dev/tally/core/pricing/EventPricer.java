package dev.tally.core.pricing;

import dev.tally.core.metric.Metrics;
import dev.tally.core.metric.Quantity;
import dev.tally.core.money.Money;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Prices one event's usage with the catalog in effect at the event's timestamp.
 *
 * <p>Rule: cost = sum over the sent metrics of {@code quantity * unit_price / per}, plus the provider's
 * {@code requests} price (per call) if it has one. Each term is carried to 24 decimal places and the sum is rounded
 * once, half-even, to nine (nano-dollars). A metric with a non-zero quantity and no price makes the event
 * <em>unpriced</em>: its priced metrics still count, and it is reported as unpriced, never silently billed at $0.
 * {@code reasoning_tokens} are never priced ({@link Metrics#isNeverPriced}): {@code output_tokens} already hold them.
 * Where the catalog has prices by prompt size, each metric's price is the one for this event's prompt
 * ({@link #promptTokens}).
 */
public final class EventPricer {
    private static final int TERM_SCALE = 24;

    private EventPricer() {
    }

    /**
     * The price of usage {@code usageMicros} (micros by metric) of one call at {@code t}. When every term is a whole
     * number of nano-dollars nothing is rounded anywhere, so the terms are summed in long arithmetic; otherwise, or on
     * overflow, the terms are carried as decimals ({@link #priceDecimal}): the same cost either way.
     *
     * <p>Why: re-rating a month prices millions of stored events, and the decimal path was most of its CPU per event.
     */
    public static PricedCost price(PriceCatalog catalog, String provider, String model, Instant t,
                                   Map<String, Long> usageMicros) {
        List<String> unpriced = new ArrayList<>(0); // no array until a metric is unpriced
        long total = wholeNanosSum(catalog.pricesOf(provider, model), t, usageMicros, unpriced);
        if (total < 0) {
            return priceDecimal(catalog, provider, model, t, usageMicros);
        }
        return new PricedCost(Money.ofNanos(total), unpriced.isEmpty() ? List.of() : List.copyOf(unpriced));
    }

    /**
     * The sum in nano-dollars of the priced terms of one call's usage, when every term is a whole number of
     * nano-dollars and the sum fits a long; else -1 (the caller then carries the terms as decimals). Adds the metrics
     * that have no price to {@code unpriced} unless it is null.
     */
    private static long wholeNanosSum(PriceCatalog.ModelPrices prices, Instant t, Map<String, Long> usageMicros,
                                      List<String> unpriced) {
        long prompt = prices.catalog().hasTiers() ? promptTokens(usageMicros) : 0;
        long total = 0;
        for (Map.Entry<String, Long> e : usageMicros.entrySet()) {
            long micros = e.getValue();
            if (micros == 0 || Metrics.isNeverPriced(e.getKey())) {
                continue;
            }
            Price price = prices.priceAt(e.getKey(), t, prompt);
            if (price == null) {
                if (unpriced != null) {
                    unpriced.add(e.getKey());
                }
                continue;
            }
            long nanos = wholeNanos(micros, Quantity.SCALE, price);
            if (nanos < 0 || (total = total + nanos) < 0) {
                return -1;
            }
        }
        Price perCall = prices.priceAt(Metrics.REQUESTS, t, 0);
        if (perCall != null) {
            long nanos = wholeNanos(1, 0, perCall);
            if (nanos < 0 || (total = total + nanos) < 0) {
                return -1;
            }
        }
        return total;
    }

    /** {@link #price}, every term carried as a decimal to {@value #TERM_SCALE} places and the sum rounded once. */
    static PricedCost priceDecimal(PriceCatalog catalog, String provider, String model, Instant t,
                                   Map<String, Long> usageMicros) {
        long prompt = catalog.hasTiers() ? promptTokens(usageMicros) : 0;
        BigDecimal total = BigDecimal.ZERO;
        List<String> unpriced = new ArrayList<>();
        for (Map.Entry<String, Long> e : usageMicros.entrySet()) {
            if (e.getValue() == 0 || Metrics.isNeverPriced(e.getKey())) {
                continue;
            }
            Price price = catalog.priceAt(provider, model, e.getKey(), t, prompt);
            if (price == null) {
                unpriced.add(e.getKey());
            } else {
                total = total.add(term(Quantity.toDecimal(e.getValue()), price));
            }
        }
        Price perCall = catalog.priceAt(provider, model, Metrics.REQUESTS, t);
        if (perCall != null) {
            total = total.add(term(BigDecimal.ONE, perCall));
        }
        return new PricedCost(Money.ofRounded(total), List.copyOf(unpriced));
    }

    /**
     * The cost in nano-dollars of usage {@code usageMicros} of one call at {@code t}: always the value of
     * {@code price(...).cost().nanos()}. When every term is a whole number of nano-dollars (the usual case: whole
     * tokens, characters or seconds at prices of a few decimals) nothing is rounded anywhere, so the terms are summed
     * in long arithmetic; otherwise, or on overflow, this falls back to {@link #price}. A cost beyond a long of
     * nano-dollars is {@link Long#MAX_VALUE}.
     *
     * <p>Why: enforcement prices every call's estimate, and the decimal path cost more allocation than the rest of
     * an authorization.
     */
    public static long priceNanos(PriceCatalog catalog, String provider, String model, Instant t,
                                  Map<String, Long> usageMicros) {
        return priceNanos(catalog.pricesOf(provider, model), t, usageMicros);
    }

    /** {@link #priceNanos(PriceCatalog, String, String, Instant, Map)} with the model's prices already found. */
    public static long priceNanos(PriceCatalog.ModelPrices prices, Instant t, Map<String, Long> usageMicros) {
        long total = wholeNanosSum(prices, t, usageMicros, null); // unpriced metrics add nothing, as in price()
        return total >= 0 ? total
                : priceSaturated(prices.catalog(), prices.provider(), prices.model(), t, usageMicros);
    }

    /**
     * The size of an event's prompt in whole tokens: {@code input_tokens + cached_tokens + cache_write_tokens} (the
     * prompt includes the parts read from or written to a cache, as the providers count it for their tiers).
     */
    public static long promptTokens(Map<String, Long> usageMicros) {
        long micros = 0;
        for (String part : Metrics.PROMPT_PARTS) {
            Long m = usageMicros.get(part);
            if (m != null && m > 0) {
                micros = m > Long.MAX_VALUE - micros ? Long.MAX_VALUE : micros + m;
            }
        }
        return micros / 1_000_000L; // micros of whole tokens (Quantity.SCALE)
    }

    /** {@link #price}'s nano-dollars, or {@link Long#MAX_VALUE} when they exceed a long. */
    private static long priceSaturated(PriceCatalog catalog, String provider, String model, Instant t,
                                       Map<String, Long> usageMicros) {
        try {
            return priceDecimal(catalog, provider, model, t, usageMicros).cost().nanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    private static final long[] POWERS_OF_TEN = {1L, 10L, 100L, 1_000L, 10_000L, 100_000L, 1_000_000L,
            10_000_000L, 100_000_000L, 1_000_000_000L, 10_000_000_000L, 100_000_000_000L, 1_000_000_000_000L,
            10_000_000_000_000L, 100_000_000_000_000L, 1_000_000_000_000_000L, 10_000_000_000_000_000L,
            100_000_000_000_000_000L, 1_000_000_000_000_000_000L};

    /**
     * {@code quantity / 10^quantityScale * unitPrice / per} in nano-dollars if that is a whole non-negative number
     * that fits a long; else -1.
     */
    private static long wholeNanos(long quantity, int quantityScale, Price price) {
        BigDecimal unitPrice = price.unitPrice();
        long per = price.per();
        if (quantity < 0 || per <= 0 || unitPrice.signum() < 0 || unitPrice.precision() > 18) {
            return -1;
        }
        // nanos = quantity * unscaled * 10^(9 - quantityScale - scale) / per
        int shift = Money.SCALE - quantityScale - unitPrice.scale();
        if (shift < -18 || shift > 18) {
            return -1;
        }
        try {
            // The unscaled value as a long without making a BigInteger: the same digits at scale 0.
            long n = Math.multiplyExact(quantity, unitPrice.scaleByPowerOfTen(unitPrice.scale()).longValueExact());
            if (shift >= 0) {
                n = Math.multiplyExact(n, POWERS_OF_TEN[shift]);
            } else {
                long divisor = POWERS_OF_TEN[-shift];
                if (n % divisor != 0) {
                    return -1;
                }
                n /= divisor;
            }
            return n % per == 0 ? n / per : -1;
        } catch (ArithmeticException e) {
            return -1;
        }
    }

    /** {@code quantity * unitPrice / per}, rounded half-even to {@value #TERM_SCALE} places where it has more. */
    static BigDecimal term(BigDecimal quantity, Price price) {
        BigDecimal product = quantity.multiply(price.unitPrice());
        int digits = powerOfTen(price.per());
        if (digits >= 0) {
            // Catalogs price per 1, 1,000 or 1,000,000 units: dividing by a power of ten only moves the point, exactly,
            // and costs a fraction of a division. Rounding the exact quotient gives what divide() would.
            BigDecimal exact = product.movePointLeft(digits);
            return exact.scale() > TERM_SCALE ? exact.setScale(TERM_SCALE, RoundingMode.HALF_EVEN) : exact;
        }
        return product.divide(BigDecimal.valueOf(price.per()), TERM_SCALE, RoundingMode.HALF_EVEN);
    }

    /** k if {@code n} is 10^k, otherwise -1. */
    private static int powerOfTen(long n) {
        int k = Arrays.binarySearch(POWERS_OF_TEN, n);
        return k >= 0 ? k : -1;
    }

    /**
     * The outcome of pricing one event.
     *
     * @param cost            the exact cost of the priced part
     * @param unpricedMetrics the sent metrics that had no price; empty when fully priced
     */
    public record PricedCost(Money cost, List<String> unpricedMetrics) {
        public boolean isUnpriced() {
            return !unpricedMetrics.isEmpty();
        }
    }
}
