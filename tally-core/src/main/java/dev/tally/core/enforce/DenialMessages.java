package dev.tally.core.enforce;

import dev.tally.core.catalog.Catalog;
import dev.tally.core.customer.Customer;
import dev.tally.core.customer.Messages;
import dev.tally.core.limit.Limit;
import dev.tally.core.limit.LimitState;
import dev.tally.core.metric.Metrics;
import dev.tally.core.money.Money;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.Map;

/**
 * The sentences shown to an end user whose call was denied: what ran out, and what to do. The operator's
 * {@code denied} template for the customer's plan (or {@code tally.yaml}) wins when set; the built-in sentence is
 * "Your monthly limit is over. Please upgrade your plan." for a monthly quota.
 */
public final class DenialMessages {
    private DenialMessages() {
    }

    /**
     * The message of a call of {@code customer} denied by {@code limit}.
     *
     * @param used         the limit's usage in its unit, for the template's {@code {used}}, {@code {percent}} ...
     * @param retrySeconds when a call may succeed again, for {@code {retry_after}} and the built-in sentence
     */
    public static String of(Catalog catalog, Customer customer, Limit limit, BigDecimal used, long retrySeconds) {
        String template = catalog.template(customer, "denied", limit.name());
        if (template == null) {
            return of(limit, retrySeconds);
        }
        BigDecimal percent = limit.amount() == null ? null : LimitState.of(limit, null, used).percent();
        Map<String, String> facts = Messages.facts(customer, limit, used, percent);
        facts.put("retry_after", humanDuration(retrySeconds));
        return Messages.render(template, facts);
    }

    /** The built-in sentence. */
    static String of(Limit limit, long retrySeconds) {
        String period = switch (limit.window()) {
            case MINUTE -> "minute";
            case HOUR -> "hour";
            case DAY -> "day";
            case MONTH -> "month";
        };
        if (Metrics.CONCURRENT_REQUESTS.equals(limit.metric())) {
            return "Too many calls at once: the limit is " + limit.amount().stripTrailingZeros().toPlainString()
                    + " running at the same time. Please retry when one has ended.";
        }
        if (limit.unit().isMoney()) {
            String amount = Money.ofRounded(limit.amount()).toPlainString();
            return "Your " + adjective(period) + " budget of $" + amount + " is used up. Please upgrade your plan.";
        }
        return switch (limit.window()) {
            case MINUTE, HOUR -> "Too many " + noun(limit.metric()) + ": the limit is "
                    + limit.amount().stripTrailingZeros().toPlainString() + " per " + period + ". Please retry in "
                    + retrySeconds + (retrySeconds == 1 ? " second." : " seconds.");
            case DAY -> "Your daily limit is over. It resets in " + humanDuration(retrySeconds) + ".";
            case MONTH -> "Your monthly limit is over. Please upgrade your plan.";
        };
    }

    private static String adjective(String period) {
        return switch (period) {
            case "day" -> "daily";
            case "month" -> "monthly";
            default -> "per-" + period;
        };
    }

    private static String noun(String metric) {
        return Metrics.REQUESTS.equals(metric) ? "requests" : metric.replace('_', ' ').toLowerCase(Locale.ROOT);
    }

    private static String humanDuration(long seconds) {
        long hours = seconds / 3600;
        long minutes = (seconds % 3600 + 59) / 60;
        if (hours == 0) {
            return minutes + (minutes == 1 ? " minute" : " minutes");
        }
        return hours + (hours == 1 ? " hour" : " hours") + (minutes == 0 ? "" : " " + minutes + " min");
    }
}
