package dev.tally.core.enforce;

import dev.tally.core.limit.Limit;
import dev.tally.core.metric.Metrics;
import dev.tally.core.money.Money;

import java.util.Locale;

/** The sentences shown to an end user whose call was denied: what ran out, and what to do. */
final class DenialMessages {
    private DenialMessages() {
    }

    static String of(Limit limit, long retrySeconds) {
        String period = switch (limit.window()) {
            case MINUTE -> "minute";
            case HOUR -> "hour";
            case DAY -> "day";
            case MONTH -> "month";
        };
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
