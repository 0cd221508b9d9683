package dev.tally.core.limit;

import dev.tally.core.metric.Metrics;
import dev.tally.core.money.Money;
import dev.tally.core.problem.Problems;

import java.math.BigDecimal;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** The rules a list of limits (of a plan, or a customer's overrides) must follow. */
public final class LimitRules {
    /** The highest alert threshold accepted, in percent. */
    public static final int MAX_THRESHOLD = 1000;

    private LimitRules() {
    }

    /** Records every rule the limits break under field names {@code prefix[i].field}. */
    public static void validate(String prefix, List<Limit> limits, Problems problems) {
        Set<Limit.LimitKey> keys = new HashSet<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < limits.size(); i++) {
            Limit limit = limits.get(i);
            String at = prefix + "[" + i + "]";
            validateOne(at, limit, problems);
            if (!keys.add(limit.key())) {
                problems.add(at, "duplicates another limit with the same metric, window, provider, model and endpoint");
            }
            if (!names.add(limit.name())) {
                problems.add(at + ".name", "must be unique, '" + limit.name() + "' is used twice");
            }
        }
    }

    private static void validateOne(String at, Limit limit, Problems problems) {
        if (!Metrics.isValidName(limit.metric())) {
            problems.add(at + ".metric", "must be lower_snake_case (a-z, 0-9, _), was '" + limit.metric() + "'");
        }
        BigDecimal amount = limit.amount();
        if (amount != null) {
            if (amount.signum() < 0) {
                problems.add(at + ".amount", "must be >= 0, was " + amount.toPlainString());
            } else if (limit.isCost()) {
                try {
                    Money.parse(amount.toPlainString());
                } catch (IllegalArgumentException e) {
                    problems.add(at + ".amount", e.getMessage());
                }
            } else if (Metrics.isInteger(limit.metric()) && amount.stripTrailingZeros().scale() > 0) {
                problems.add(at + ".amount", "must be a whole number for " + limit.metric() + ", was "
                        + amount.toPlainString());
            }
        }
        int previous = 0;
        for (int threshold : limit.thresholds()) {
            if (threshold < 1 || threshold > MAX_THRESHOLD) {
                problems.add(at + ".thresholds", "each must be between 1 and " + MAX_THRESHOLD + ", was " + threshold);
            } else if (threshold <= previous) {
                problems.add(at + ".thresholds", "must be strictly ascending, " + threshold + " follows " + previous);
            }
            previous = threshold;
        }
        if (limit.name().isBlank() || limit.name().length() > 128) {
            problems.add(at + ".name", "must be 1 to 128 characters");
        }
    }
}
