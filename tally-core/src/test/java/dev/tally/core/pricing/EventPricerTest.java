package dev.tally.core.pricing;

import dev.tally.core.metric.Quantity;
import dev.tally.core.money.Money;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

class EventPricerTest {
    private static final Instant JAN = Instant.parse("2026-01-01T00:00:00Z");
    private static final Instant JUN = Instant.parse("2026-06-01T00:00:00Z");

    private final PriceCatalog catalog = new PriceCatalog(List.of(
            new Price("openai", "gpt-4", "input_tokens", new BigDecimal("0.03"), 1000, JAN),
            new Price("openai", "gpt-4", "output_tokens", new BigDecimal("0.06"), 1000, JAN),
            new Price("openai", "gpt-4", "input_tokens", new BigDecimal("0.01"), 1000, JUN),
            new Price("openai", null, "input_tokens", new BigDecimal("0.5"), 1_000_000, null),
            new Price("scraper", null, "requests", new BigDecimal("0.00049"), 1, null),
            new Price("voice", null, "seconds", new BigDecimal("0.02"), 60, null)));

    private static Map<String, Long> usage(Object... pairs) {
        Map<String, Long> m = new TreeMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put((String) pairs[i], Quantity.toMicros(new BigDecimal(pairs[i + 1].toString())));
        }
        return m;
    }

    @Test
    void modelPrices_askedAcrossPriceChangesAndBack_answerAsPriceAtEveryTime() {
        // The series keep the price found last and the span it holds for: asking in time order across the June
        // change, then back before it and before any price, must still answer what priceAt answers.
        PriceCatalog.ModelPrices gpt4 = catalog.pricesOf("openai", "gpt-4");
        PriceCatalog.ModelPrices other = catalog.pricesOf("openai", "gpt-3");
        Instant[] times = {JAN, JUN.minusMillis(1), JUN, Instant.parse("2026-09-01T00:00:00Z"),
            Instant.parse("2026-02-01T00:00:00Z"), JAN.minusMillis(1), JUN.plusMillis(1)};
        for (Instant t : times) {
            for (String metric : List.of("input_tokens", "output_tokens", "requests")) {
                assertThat(gpt4.priceAt(metric, t, 0)).as("%s at %s", metric, t)
                        .isEqualTo(catalog.priceAt("openai", "gpt-4", metric, t));
                assertThat(other.priceAt(metric, t, 0)).as("gpt-3 %s at %s", metric, t)
                        .isEqualTo(catalog.priceAt("openai", "gpt-3", metric, t));
            }
            assertThat(EventPricer.priceNanos(gpt4, t, usage("input_tokens", 1000, "output_tokens", 10)))
                    .isEqualTo(EventPricer.price(catalog, "openai", "gpt-4", t,
                            usage("input_tokens", 1000, "output_tokens", 10)).cost().nanos());
        }
        assertThat(gpt4.priceAt("input_tokens", JUN.minusMillis(1), 0).unitPrice()).isEqualByComparingTo("0.03");
        assertThat(gpt4.priceAt("input_tokens", JUN, 0).unitPrice()).isEqualByComparingTo("0.01");
        assertThat(catalog.pricesOf(null, "gpt-4").priceAt("input_tokens", JUN, 0)).isNull();
    }

    @Test
    void price_usesPriceInEffectAtTimestamp() {
        Instant march = Instant.parse("2026-03-01T00:00:00Z");
        Instant july = Instant.parse("2026-07-01T00:00:00Z");
        assertThat(EventPricer.price(catalog, "openai", "gpt-4", march, usage("input_tokens", 500)).cost())
                .isEqualTo(Money.parse("0.015"));
        assertThat(EventPricer.price(catalog, "openai", "gpt-4", july, usage("input_tokens", 500)).cost())
                .isEqualTo(Money.parse("0.005"));
    }

    @Test
    void price_beforeModelPriceExists_fallsBackToProviderDefault() {
        Instant before = Instant.parse("2025-12-01T00:00:00Z");
        EventPricer.PricedCost c = EventPricer.price(catalog, "openai", "gpt-4", before, usage("input_tokens", 1000));
        assertThat(c.cost()).isEqualTo(Money.parse("0.0005"));
        assertThat(c.isUnpriced()).isFalse();
    }

    @Test
    void price_metricWithoutPrice_isUnpricedButKeepsPricedPart() {
        EventPricer.PricedCost c = EventPricer.price(catalog, "openai", "gpt-4", JUN,
                usage("input_tokens", 1000, "images", 2));
        assertThat(c.cost()).isEqualTo(Money.parse("0.01"));
        assertThat(c.unpricedMetrics()).containsExactly("images");
    }

    @Test
    void price_reasoningTokens_areNeverPricedNorUnpriced() {
        Map<String, Long> u = usage("output_tokens", 100, "reasoning_tokens", 60);
        EventPricer.PricedCost c = EventPricer.price(catalog, "openai", "gpt-4", JUN, u);
        assertThat(c.cost()).isEqualTo(Money.parse("0.006"));
        assertThat(c.isUnpriced()).isFalse();
        assertThat(EventPricer.priceNanos(catalog, "openai", "gpt-4", JUN, u)).isEqualTo(6_000_000L);
    }

    @Test
    void price_unknownProvider_isUnpriced() {
        assertThat(EventPricer.price(catalog, "mystery", null, JUN, usage("input_tokens", 1)).isUnpriced()).isTrue();
    }

    @Test
    void price_zeroQuantityWithoutPrice_isNotUnpriced() {
        assertThat(EventPricer.price(catalog, "openai", "gpt-4", JUN, usage("images", 0)).isUnpriced()).isFalse();
    }

    @Test
    void price_perRequestPrice_appliesOncePerCall() {
        assertThat(EventPricer.price(catalog, "scraper", null, JUN, usage()).cost())
                .isEqualTo(Money.parse("0.00049"));
    }

    @Test
    void price_fractionalSeconds_isExact() {
        // 90.5 s at $0.02 per 60 s = $0.030166666..., rounded half-even to nine places.
        assertThat(EventPricer.price(catalog, "voice", null, JUN, usage("seconds", "90.5")).cost())
                .isEqualTo(Money.parse("0.030166667"));
    }

    @Test
    void term_perPowerOfTen_equalsTheExactDivisionRoundedTo24Places() {
        java.util.Random random = new java.util.Random(42);
        for (int i = 0; i < 20_000; i++) {
            BigDecimal quantity = Quantity.toDecimal(random.nextLong(0, 1_000_000_000_000L));
            BigDecimal unitPrice = BigDecimal.valueOf(random.nextLong(0, 100_000_000), random.nextInt(0, 20));
            long per = (long) Math.pow(10, random.nextInt(0, 13));
            Price price = new Price("p", null, "m", unitPrice, per, null);
            BigDecimal divided = quantity.multiply(unitPrice).divide(BigDecimal.valueOf(per), 24,
                    java.math.RoundingMode.HALF_EVEN);
            assertThat(EventPricer.term(quantity, price)).as("%s * %s / %d", quantity, unitPrice, per)
                    .isEqualByComparingTo(divided);
        }
    }

    @Test
    void term_perNotAPowerOfTen_dividesAndRounds() {
        Price price = new Price("p", null, "m", new BigDecimal("0.02"), 60, null);
        assertThat(EventPricer.term(new BigDecimal("1"), price))
                .isEqualByComparingTo("0.000333333333333333333333");
    }

    @Test
    void priceNanos_equalsTheDecimalPrice_forExactAndInexactTerms() {
        java.util.Random random = new java.util.Random(5);
        String[] unitPrices = {"0.03", "2.50", "10", "0.00049", "0.3", "1.234567891234", "7E+2", "0.000000001",
                "3.333333333333333333", "0"};
        long[] pers = {1, 60, 1000, 7, 1_000_000, 10_000, 3};
        int fallbacks = 0;
        for (int round = 0; round < 20_000; round++) {
            List<Price> prices = List.of(
                    new Price("p", "m", "input_tokens", new BigDecimal(unitPrices[random.nextInt(unitPrices.length)]),
                            pers[random.nextInt(pers.length)], null),
                    new Price("p", null, "seconds", new BigDecimal(unitPrices[random.nextInt(unitPrices.length)]),
                            pers[random.nextInt(pers.length)], null),
                    new Price("p", null, "requests", new BigDecimal(unitPrices[random.nextInt(unitPrices.length)]),
                            pers[random.nextInt(pers.length)], null));
            PriceCatalog c = new PriceCatalog(random.nextBoolean() ? prices : prices.subList(0, 2));
            Map<String, Long> usage = new TreeMap<>();
            // Whole units mostly (the fast path), fractions sometimes, a huge amount now and then (overflow).
            long micros = switch (random.nextInt(4)) {
                case 0 -> random.nextInt(1_000_000) * 1_000_000L;
                case 1 -> random.nextInt(1_000_000_000);
                case 2 -> random.nextInt(2) == 0 ? Long.MAX_VALUE / 3 : 0;
                default -> random.nextInt(100) * 1_000_000L;
            };
            usage.put("input_tokens", micros);
            usage.put("seconds", random.nextInt(3600) * 1_000_000L + (random.nextBoolean() ? 0 : 500_000));
            usage.put("characters", 1_000_000L * random.nextInt(10)); // no price: unpriced, adds nothing
            long expected;
            try {
                expected = EventPricer.price(c, "p", "m", JAN, usage).cost().nanos();
            } catch (ArithmeticException e) {
                // Beyond a long of nano-dollars the decimal path throws; this one saturates, so that enforcement
                // can refuse the estimate with a 400 instead of failing with a 500 (issue 11).
                fallbacks++;
                assertThat(EventPricer.priceNanos(c, "p", "m", JAN, usage)).isEqualTo(Long.MAX_VALUE);
                continue;
            }
            assertThat(EventPricer.priceNanos(c, "p", "m", JAN, usage)).as("%s at %s", usage, prices)
                    .isEqualTo(expected);
        }
        assertThat(fallbacks).isLessThan(20_000);
    }

    /** Issue 16: re-rating prices millions of events through {@link EventPricer#price}'s long path. */
    @Test
    void price_equalsTheDecimalPrice_withTiersUnpricedMetricsAndOverflow() {
        java.util.Random random = new java.util.Random(16);
        String[] unitPrices = {"0.03", "2.50", "10", "0.00049", "0.3", "1.234567891234", "7E+2", "0.000000001",
                "3.333333333333333333", "0", "0.0000025", "15"};
        long[] pers = {1, 60, 1000, 7, 1_000_000, 10_000, 3};
        int priced = 0;
        int overflowed = 0;
        for (int round = 0; round < 20_000; round++) {
            List<Price> prices = new java.util.ArrayList<>();
            for (String metric : new String[]{"input_tokens", "output_tokens", "cached_tokens", "requests"}) {
                if (random.nextInt(5) > 0) {
                    prices.add(new Price("p", random.nextBoolean() ? "m" : null, metric,
                            new BigDecimal(unitPrices[random.nextInt(unitPrices.length)]),
                            pers[random.nextInt(pers.length)], null));
                }
            }
            if (random.nextBoolean()) { // a tier above 200k prompt tokens, judged per event
                prices.add(new Price("p", "m", "input_tokens", new BigDecimal(unitPrices[random.nextInt(
                        unitPrices.length)]), pers[random.nextInt(pers.length)], null, 200_000));
            }
            PriceCatalog c = new PriceCatalog(prices);
            Map<String, Long> usage = new TreeMap<>();
            for (String metric : new String[]{"input_tokens", "output_tokens", "cached_tokens", "characters"}) {
                long micros = switch (random.nextInt(5)) {
                    case 0 -> random.nextInt(400_000) * 1_000_000L;
                    case 1 -> random.nextInt(1_000_000_000);
                    case 2 -> random.nextInt(3) == 0 ? Long.MAX_VALUE / 3 : 0;
                    default -> random.nextInt(5_000) * 1_000_000L;
                };
                usage.put(metric, micros);
            }
            EventPricer.PricedCost expected;
            try {
                expected = EventPricer.priceDecimal(c, "p", "m", JAN, usage);
            } catch (ArithmeticException e) {
                overflowed++;
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> EventPricer.price(c, "p", "m", JAN, usage))
                        .isInstanceOf(ArithmeticException.class);
                continue;
            }
            assertThat(EventPricer.price(c, "p", "m", JAN, usage)).as("%s at %s", usage, prices)
                    .isEqualTo(expected);
            priced++;
        }
        // Most events priced (whole and inexact terms, tiers, unpriced metrics), some past a long of nano-dollars.
        assertThat(priced).isGreaterThan(10_000);
        assertThat(overflowed).isGreaterThan(100);
    }
}
