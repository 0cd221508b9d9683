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
                c.id() + " has used " + percent.toPlainString() + "% of its " + adjective(limit.window())
                        + " limit " + limit.name() + " (" + amount(limit, used) + " of "
                        + amount(limit, LimitUsage.rawAmount(limit)) + ", alert level " + threshold + "%)",
                period, now);
    }

    static Alert over(Customer c, Limit limit, long used, String period, Instant now) {
        BigDecimal percent = percent(limit, used);
        return active(c.id(), AlertKind.EXCEEDED, limit.name(), null, percent,
                c.id() + " is over its " + (limit.mode() == LimitMode.SOFT ? "soft " : "") + adjective(limit.window())
                        + " limit " + limit.name() + ": " + amount(limit, used) + " of "
                        + amount(limit, LimitUsage.rawAmount(limit)) + " (" + percent.toPlainString() + "%)",
                period, now);
    }

    static Alert denied(Customer c, Limit limit, long used, String period, Instant now) {
        BigDecimal percent = percent(limit, used);
        return active(c.id(), AlertKind.EXCEEDED, limit.name(), null, percent,
                "A call of " + c.id() + " was denied by its " + adjective(limit.window()) + " limit " + limit.name()
                        + " (" + amount(limit, used) + " of " + amount(limit, LimitUsage.rawAmount(limit))
                        + " used)", period, now);
    }

    static Alert forecast(Customer c, Limit limit, long used, LocalDate exhaustion, String period, Instant now) {
        BigDecimal percent = percent(limit, used);
        return active(c.id(), AlertKind.FORECAST, limit.name(), null, percent,
                "At the current rate, " + c.id() + " will use up its monthly " + limit.metric() + " limit on "
                        + exhaustion + " (limit " + limit.name() + ", " + percent.toPlainString() + "% used so far)",
                period, now);
    }

    static Alert spike(Customer c, long count, long baselineMilli, SpikeRuleText rule, String period, Instant now) {
        BigDecimal baseline = BigDecimal.valueOf(baselineMilli, 3).setScale(1, RoundingMode.HALF_UP);
        return active(c.id(), AlertKind.RATE_SPIKE, null, null, null,
                c.id() + " sent " + count + " requests in " + rule.window() + ", against a usual " + baseline
                        + " (rule: more than " + rule.factor() + " x the baseline and at least " + rule.minRequests()
                        + ")", period, now);
    }

    static Alert cost(Customer c, Money cost, Money amount, String period, Instant now) {
        return active(c.id(), AlertKind.COST, "monthly-cost", 100, costPercent(cost, amount),
                c.id() + "'s cost this billing month reached " + MoneyText.forPeople(cost)
                        + ", at or over its alert amount of " + MoneyText.forPeople(amount), period, now);
    }

    static Alert globalCost(Money cost, Money amount, String period, Instant now) {
        return active(null, AlertKind.COST, "global-monthly-cost", 100, costPercent(cost, amount),
                "The cost of all customers this month reached " + MoneyText.forPeople(cost)
                        + ", at or over the global alert amount of " + MoneyText.forPeople(amount), period, now);
    }

    static Alert unpriced(Customer c, String subject, List<String> metrics, String period, Instant now) {
        return active(c.id(), AlertKind.UNPRICED, subject, null, null,
                c.id() + " sent usage of " + subject + " with no price for " + String.join(", ", metrics)
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

    private static String amount(Limit limit, long raw) {
        BigDecimal d = limit.unit().toDecimal(raw);
        return limit.unit().isMoney() ? MoneyText.forPeople(d)
                : d.stripTrailingZeros().toPlainString() + " " + limit.metric();
    }

    private static String adjective(Window w) {
        return switch (w) {
            case MINUTE -> "per-minute";
            case HOUR -> "hourly";
            case DAY -> "daily";
            case MONTH -> "monthly";
        };
    }
}
