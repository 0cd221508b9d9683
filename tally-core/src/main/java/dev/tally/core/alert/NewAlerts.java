package dev.tally.core.alert;

import dev.tally.core.catalog.Catalog;
import dev.tally.core.customer.Customer;
import dev.tally.core.customer.Messages;
import dev.tally.core.limit.Limit;
import dev.tally.core.limit.LimitWords;
import dev.tally.core.money.Money;
import dev.tally.core.money.MoneyText;
import dev.tally.core.limit.LimitUsage;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Builds alerts as they fire: ids, percents and messages a person can act on. A message is the operator's template
 * for the customer's plan when one is set ({@link Catalog#template}), filled with the alert's facts, else the
 * built-in sentence.
 */
final class NewAlerts {
    /** Built-in sentences only (tests and tools without a catalog). */
    static final NewAlerts BUILT_IN = new NewAlerts(null);
    private static final BigDecimal HUNDRED = BigDecimal.valueOf(100);
    private final Catalog catalog;

    /** @param catalog where the operator's templates are read; null for the built-in sentences only */
    NewAlerts(Catalog catalog) {
        this.catalog = catalog;
    }

    Alert threshold(Customer c, Limit limit, int threshold, long used, String period, Instant now) {
        return threshold(c, limit, null, threshold, used, period, now);
    }

    /** @param perValue the user or dimension value of a {@code per} limit's counter; null for the customer's */
    Alert threshold(Customer c, Limit limit, String perValue, int threshold, long used, String period, Instant now) {
        BigDecimal percent = percent(limit, used);
        Map<String, String> facts = facts(c, limit, perValue, used, percent);
        facts.put("threshold", threshold + "%");
        return active(c.id(), AlertKind.THRESHOLD, limit.name(), threshold, percent,
                text(c, "threshold", limit.name(), facts, () -> subject(c, limit, perValue) + " has used "
                        + LimitWords.percent(percent) + " of its " + LimitWords.limit(limit, false) + ": "
                        + usedOf(limit, used) + " (alert level " + threshold + "%, limit " + limit.name() + ")"),
                period, now, perValue);
    }

    Alert over(Customer c, Limit limit, long used, String period, Instant now) {
        return over(c, limit, null, used, period, now);
    }

    Alert over(Customer c, Limit limit, String perValue, long used, String period, Instant now) {
        BigDecimal percent = percent(limit, used);
        return active(c.id(), AlertKind.EXCEEDED, limit.name(), null, percent,
                text(c, "exceeded", limit.name(), facts(c, limit, perValue, used, percent), () -> subject(c, limit,
                        perValue) + " has exceeded its " + LimitWords.limit(limit, true) + ": " + usedOf(limit, used)
                        + " (" + LimitWords.percent(percent) + ", limit " + limit.name() + ")"),
                period, now, perValue);
    }

    Alert denied(Customer c, Limit limit, long used, String period, Instant now) {
        return denied(c, limit, null, used, period, now);
    }

    Alert denied(Customer c, Limit limit, String perValue, long used, String period, Instant now) {
        BigDecimal percent = percent(limit, used);
        return active(c.id(), AlertKind.EXCEEDED, limit.name(), null, percent,
                text(c, "exceeded", limit.name(), facts(c, limit, perValue, used, percent), () -> "A call of "
                        + subject(c, limit, perValue) + " was denied by its " + LimitWords.limit(limit, false) + ": "
                        + usedOf(limit, used) + " used (limit " + limit.name() + ")"),
                period, now, perValue);
    }

    /** Who reached the level: the customer, or for a {@code per} limit "user doctor_1 of Clinic". */
    private static String subject(Customer c, Limit limit, String perValue) {
        if (perValue == null) {
            return c.displayName();
        }
        String what = Limit.PER_USER.equals(limit.per()) ? "User" : "The " + limit.perDimensionKey();
        return what + " " + perValue + " of " + c.displayName();
    }

    /** A limit alert's facts; {@code per_value} is the user or value of a {@code per} limit ("" for others). */
    private static Map<String, String> facts(Customer c, Limit limit, String perValue, long used, BigDecimal percent) {
        Map<String, String> facts = Messages.facts(c, limit, limit.unit().toDecimal(used), percent);
        facts.put("per_value", perValue == null ? "" : perValue);
        return facts;
    }

    Alert forecast(Customer c, Limit limit, long used, LocalDate exhaustion, String period, Instant now) {
        BigDecimal percent = percent(limit, used);
        Map<String, String> facts = Messages.facts(c, limit, limit.unit().toDecimal(used), percent);
        facts.put("date", exhaustion.toString());
        return active(c.id(), AlertKind.FORECAST, limit.name(), null, percent,
                text(c, "forecast", limit.name(), facts, () -> "At the current rate, " + c.displayName()
                        + " will use up its " + LimitWords.limit(limit, false) + " on " + exhaustion + " ("
                        + LimitWords.percent(percent) + " used so far, limit " + limit.name() + ")"),
                period, now);
    }

    Alert spike(Customer c, long count, long baselineMilli, SpikeRuleText rule, String period, Instant now) {
        BigDecimal baseline = BigDecimal.valueOf(baselineMilli, 3).setScale(1, RoundingMode.HALF_UP);
        Map<String, String> facts = Messages.facts(c);
        facts.put("requests", LimitWords.grouped(Long.toString(count)));
        facts.put("baseline", baseline.toPlainString());
        facts.put("window", rule.window());
        return active(c.id(), AlertKind.RATE_SPIKE, null, null, null,
                text(c, "rate_spike", null, facts, () -> c.displayName() + " sent " + count + " requests in "
                        + rule.window() + ", against a usual " + baseline + " (rule: more than " + rule.factor()
                        + " x the baseline and at least " + rule.minRequests() + ")"),
                period, now);
    }

    Alert cost(Customer c, Money cost, Money amount, String period, Instant now) {
        Map<String, String> facts = Messages.facts(c);
        facts.put("cost", MoneyText.forPeople(cost));
        facts.put("amount", MoneyText.forPeople(amount));
        return active(c.id(), AlertKind.COST, "monthly-cost", 100, costPercent(cost, amount),
                text(c, "cost", null, facts, () -> c.displayName() + "'s cost this billing month reached "
                        + MoneyText.forPeople(cost) + ", at or over its alert amount of "
                        + MoneyText.forPeople(amount)),
                period, now);
    }

    /** The global cost alert is about no customer: always the built-in sentence. */
    Alert globalCost(Money cost, Money amount, String period, Instant now) {
        return active(null, AlertKind.COST, "global-monthly-cost", 100, costPercent(cost, amount),
                "The cost of all customers this month reached " + MoneyText.forPeople(cost)
                        + ", at or over the global alert amount of " + MoneyText.forPeople(amount), period, now);
    }

    Alert unpriced(Customer c, String subject, List<String> metrics, String period, Instant now) {
        Map<String, String> facts = Messages.facts(c);
        facts.put("subject", subject);
        facts.put("metrics", String.join(", ", metrics));
        return active(c.id(), AlertKind.UNPRICED, subject, null, null,
                text(c, "unpriced", null, facts, () -> c.displayName() + " sent usage of " + subject
                        + " with no price for " + String.join(", ", metrics)
                        + "; it is stored and counted but costs nothing until a price is added (PUT /v1/prices)"),
                period, now);
    }

    /** The operator's template filled with {@code facts}, else the built-in sentence. */
    private String text(Customer c, String kind, String limitName, Map<String, String> facts,
                        Supplier<String> builtIn) {
        String template = catalog == null ? null : catalog.template(c, kind, limitName);
        return template == null ? builtIn.get() : Messages.render(template, facts);
    }

    /** The words of the spike rule for messages. */
    record SpikeRuleText(String window, int factor, long minRequests) {
    }

    private static Alert active(String customer, AlertKind kind, String limit, Integer threshold, BigDecimal percent,
                                String message, String period, Instant now) {
        return active(customer, kind, limit, threshold, percent, message, period, now, null);
    }

    private static Alert active(String customer, AlertKind kind, String limit, Integer threshold, BigDecimal percent,
                                String message, String period, Instant now, String perValue) {
        return new Alert(newId(), customer, kind, limit, threshold, percent, message, period, AlertState.ACTIVE, now,
                now, null, null, null, null, perValue);
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
        return LimitWords.usedOf(limit, limit.unit().toDecimal(usedRaw),
                limit.unit().toDecimal(LimitUsage.rawAmount(limit)));
    }
}
