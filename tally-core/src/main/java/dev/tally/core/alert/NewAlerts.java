package dev.tally.core.alert;

import dev.tally.core.customer.Customer;
import dev.tally.core.limit.Limit;
import dev.tally.core.limit.LimitMode;
import dev.tally.core.money.Money;
import dev.tally.core.money.MoneyText;
import dev.tally.core.period.Window;
import dev.tally.core.limit.LimitUsage;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.UUID;

/** Builds alerts as they fire: ids, percents and messages a person can act on. */
final class NewAlerts {
    private static final BigDecimal HUNDRED = BigDecimal.valueOf(100);

    private NewAlerts() {
    }

    static Alert threshold(Customer c, Limit limit, int threshold, long used, String period, Instant now) {
        BigDecimal percent = percent(limit, used);
        return active(c.id(), AlertKind.THRESHOLD, limit.name(), threshold, percent,
                AlertWords.customer(c) + " has used " + AlertWords.percent(percent) + " of its "
                        + AlertWords.limit(limit, false) + ": " + usedOf(limit, used) + " (alert level " + threshold
                        + "%, limit " + limit.name() + ")",
                period, now);
    }

    static Alert over(Customer c, Limit limit, long used, String period, Instant now) {
        BigDecimal percent = percent(limit, used);
        return active(c.id(), AlertKind.EXCEEDED, limit.name(), null, percent,
                AlertWords.customer(c) + " has exceeded its " + AlertWords.limit(limit, true) + ": "
                        + usedOf(limit, used) + " (" + AlertWords.percent(percent) + ", limit " + limit.name() + ")",
                period, now);
    }

    static Alert denied(Customer c, Limit limit, long used, String period, Instant now) {
        BigDecimal percent = percent(limit, used);
        return active(c.id(), AlertKind.EXCEEDED, limit.name(), null, percent,
                "A call of " + AlertWords.customer(c) + " was denied by its " + AlertWords.limit(limit, false)
                        + ": " + usedOf(limit, used) + " used (limit " + limit.name() + ")", period, now);
    }

    static Alert forecast(Customer c, Limit limit, long used, LocalDate exhaustion, String period, Instant now) {
        BigDecimal percent = percent(limit, used);
        return active(c.id(), AlertKind.FORECAST, limit.name(), null, percent,
                "At the current rate, " + AlertWords.customer(c) + " will use up its "
                        + AlertWords.limit(limit, false) + " on " + exhaustion + " ("
                        + AlertWords.percent(percent) + " used so far, limit " + limit.name() + ")",
                period, now);
    }

    static Alert spike(Customer c, long count, long baselineMilli, SpikeRuleText rule, String period, Instant now) {
        BigDecimal baseline = BigDecimal.valueOf(baselineMilli, 3).setScale(1, RoundingMode.HALF_UP);
        return active(c.id(), AlertKind.RATE_SPIKE, null, null, null,
                AlertWords.customer(c) + " sent " + count + " requests in " + rule.window() + ", against a usual " + baseline
                        + " (rule: more than " + rule.factor() + " x the baseline and at least " + rule.minRequests()
                        + ")", period, now);
    }

    static Alert cost(Customer c, Money cost, Money amount, String period, Instant now) {
        return active(c.id(), AlertKind.COST, "monthly-cost", 100, costPercent(cost, amount),
                AlertWords.customer(c) + "'s cost this billing month reached " + MoneyText.forPeople(cost)
                        + ", at or over its alert amount of " + MoneyText.forPeople(amount), period, now);
    }

    static Alert globalCost(Money cost, Money amount, String period, Instant now) {
        return active(null, AlertKind.COST, "global-monthly-cost", 100, costPercent(cost, amount),
                "The cost of all customers this month reached " + MoneyText.forPeople(cost)
                        + ", at or over the global alert amount of " + MoneyText.forPeople(amount), period, now);
    }

    static Alert unpriced(Customer c, String subject, List<String> metrics, String period, Instant now) {
        return active(c.id(), AlertKind.UNPRICED, subject, null, null,
                AlertWords.customer(c) + " sent usage of " + subject + " with no price for " + String.join(", ", metrics)
                        + "; it is stored and counted but costs nothing until a price is added (PUT /v1/prices)",
                period, now);
    }

    /** The words of the spike rule for messages. */
    record SpikeRuleText(String window, int factor, long minRequests) {
    }

    private static Alert active(String customer, AlertKind kind, String limit, Integer threshold, BigDecimal percent,
                                String message, String period, Instant now) {
        return new Alert(newId(), customer, kind, limit, threshold, percent, message, period, AlertState.ACTIVE, now,
                now, null, null, null, null);
    }

    /** A random id: alerts are rare, so a UUID's secure randomness costs nothing that matters. */
    static String newId() {
        return "alr_" + UUID.randomUUID().toString().replace("-", "");
    }

    /** Used in percent of the limit, one decimal, half-up (as the usage report shows it). */
    static BigDecimal percent(Limit limit, long used) {
        long amount = LimitUsage.rawAmount(limit);
        if (amount <= 0) {
            return HUNDRED.setScale(1);
        }
        return BigDecimal.valueOf(used).multiply(HUNDRED).divide(BigDecimal.valueOf(amount), 1,
                RoundingMode.HALF_UP);
    }

    private static BigDecimal costPercent(Money cost, Money amount) {
        if (amount.nanos() <= 0) {
            return HUNDRED.setScale(1);
        }
        return BigDecimal.valueOf(cost.nanos()).multiply(HUNDRED).divide(BigDecimal.valueOf(amount.nanos()), 1,
                RoundingMode.HALF_UP);
    }

    private static String usedOf(Limit limit, long usedRaw) {
        return AlertWords.usedOf(limit, limit.unit().toDecimal(usedRaw),
                limit.unit().toDecimal(LimitUsage.rawAmount(limit)));
    }
}
