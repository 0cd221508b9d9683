package dev.tally.core.limit;

import dev.tally.core.event.EndUsers;
import dev.tally.core.metric.MetricUnit;
import dev.tally.core.metric.Metrics;
import dev.tally.core.metric.Quantity;
import dev.tally.core.money.Money;
import dev.tally.core.period.Window;
import dev.tally.core.problem.Problems;

import java.math.BigDecimal;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The rules a list of limits (of a plan, or a customer's overrides) must follow. */
public final class LimitRules {
    /** The largest quantity limit Tally can count (a long of micros). */
    public static final BigDecimal MAX_QUANTITY = BigDecimal.valueOf(Long.MAX_VALUE, Quantity.SCALE)
            .setScale(0, java.math.RoundingMode.FLOOR);
    /** The highest alert threshold accepted, in percent. */
    public static final int MAX_THRESHOLD = 1000;

    private LimitRules() {
    }

    /**
     * Records every rule the limits break, each alone and together (no two with the same key or name), under field
     * names {@code prefix[i].field}.
     */
    public static void validate(String prefix, List<Limit> limits, Problems problems) {
        for (int i = 0; i < limits.size(); i++) {
            Limit l = limits.get(i);
            validateFields(prefix + "[" + i + "]", l.metric(), l.amount(), l.thresholds(), l.name(), problems);
            EndUsers.checkDimensions(prefix + "[" + i + "].dimensions", l.dimensions(), problems);
            validateEndUserFields(prefix + "[" + i + "]", l.user(), l.dimensions(), l.per(), problems);
        }
        validateTogether(prefix, limits, problems);
    }

    /**
     * Records each limit whose amount, in its metric's stored unit ({@link MetricUnit}), is above {@code maxStored}:
     * the most the enforcement counters in use can count exactly. The rule names the bound in the metric's own unit
     * (calls, USD, or the metric's units) and {@code why} says which counters set it.
     */
    public static void validateCountable(String prefix, List<Limit> limits, long maxStored, String why,
                                         Problems problems) {
        for (int i = 0; i < limits.size(); i++) {
            Limit limit = limits.get(i);
            if (limit.amount() == null) {
                continue;
            }
            MetricUnit unit = MetricUnit.of(limit.metric());
            if (limit.amount().compareTo(unit.toDecimal(maxStored)) > 0) {
                problems.add(prefix + "[" + i + "].amount", "must be at most "
                        + unit.toDecimal(maxStored).toPlainString() + " " + unitWord(unit, limit.metric()) + " "
                        + why + ", was " + limit.amount().toPlainString());
            }
        }
    }

    private static String unitWord(MetricUnit unit, String metric) {
        return switch (unit) {
            case CALLS -> "calls";
            case NANO_DOLLARS -> "USD";
            case MICROS -> metric;
        };
    }

    /**
     * Records the rules broken by the built limits: a {@code concurrent_requests} limit over a sliding window, two
     * limits with the same key, or the same name.
     */
    public static void validateTogether(String prefix, List<Limit> limits, Problems problems) {
        Set<Limit.LimitKey> keys = new HashSet<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < limits.size(); i++) {
            Limit limit = limits.get(i);
            String at = prefix + "[" + i + "]";
            if (Metrics.CONCURRENT_REQUESTS.equals(limit.metric()) && limit.window() != Window.DAY
                    && limit.window() != Window.MONTH) {
                // A reservation leaves a sliding window once older than the window: a call running longer than a
                // minute would stop counting while still in flight.
                problems.add(at + ".window", "must be day or month for concurrent_requests (a call in flight "
                        + "holds its place until its event settles it), was " + limit.window().wireName());
            }
            if (!keys.add(limit.key())) {
                problems.add(at, "duplicates another limit with the same metric, window, provider, model, endpoint, "
                        + "user, dimensions and per");
            }
            if (!names.add(limit.name())) {
                problems.add(at + ".name", "must be unique, '" + limit.name() + "' is used twice");
            }
        }
    }

    /**
     * Records the rules a limit's end user fields break: {@code user} and {@code dimensions} as on events
     * ({@link EndUsers}); {@code per} is {@code "user"} or {@code "dimensions.KEY"} with a lower_snake_case KEY, and
     * never names what a filter of the same limit already fixes (a {@code user} filter with {@code per: "user"}, or
     * a dimensions filter on KEY with {@code per: "dimensions.KEY"}): such a limit would have one counter, not one per
     * user, which is surely not what was meant. Null fields are not checked; the dimensions' own keys and values are
     * the caller's to check ({@link EndUsers#checkDimensions}, which a parser runs as it reads them).
     */
    public static void validateEndUserFields(String at, String user, Map<String, String> dimensions, String per,
                                             Problems problems) {
        if (user != null) {
            EndUsers.checkUser(at + ".user", user, problems);
        }
        if (per == null) {
            return;
        }
        if (per.equals(Limit.PER_USER)) {
            if (user != null) {
                problems.add(at + ".per", "must not be \"user\" on a limit that names a user (\"user\": \"" + user
                        + "\" counts one user already); drop one of them");
            }
        } else if (per.startsWith(Limit.PER_DIMENSION_PREFIX)
                && EndUsers.isValidKey(per.substring(Limit.PER_DIMENSION_PREFIX.length()))) {
            String key = per.substring(Limit.PER_DIMENSION_PREFIX.length());
            if (dimensions != null && dimensions.containsKey(key)) {
                problems.add(at + ".per", "must not name dimension '" + key + "', which the limit's dimensions "
                        + "filter fixes to one value");
            }
        } else {
            problems.add(at + ".per", "must be \"user\" or \"dimensions.KEY\" with KEY lower_snake_case (a-z, 0-9, _; "
                    + "starting with a letter, at most " + EndUsers.MAX_KEY_CHARS + " characters), was \"" + per
                    + "\"");
        }
    }

    /**
     * Records the rules one limit's fields break; usable before the limit can be built, so that input with several
     * problems reports all of them at once. Null fields are not checked (their absence is the parser's concern).
     */
    public static void validateFields(String at, String metric, BigDecimal amount, List<Integer> thresholds,
                                      String name, Problems problems) {
        if (metric != null && !Metrics.isValidName(metric)) {
            problems.add(at + ".metric", "must be lower_snake_case (a-z, 0-9, _), was '" + metric + "'");
        }
        if (amount != null) {
            MetricUnit unit = metric == null ? null : MetricUnit.of(metric);
            if (amount.signum() < 0) {
                problems.add(at + ".amount", "must be >= 0, was " + amount.toPlainString());
            } else if (unit == MetricUnit.NANO_DOLLARS) {
                try {
                    Money.parse(amount.toPlainString());
                } catch (IllegalArgumentException e) {
                    problems.add(at + ".amount", e.getMessage());
                }
            } else if (metric != null && Metrics.isInteger(metric) && amount.stripTrailingZeros().scale() > 0) {
                problems.add(at + ".amount", "must be a whole number for " + metric + ", was "
                        + amount.toPlainString());
            } else if (unit == MetricUnit.MICROS) {
                // Quantities are counted in micros in a long: the amount must be one Tally can count up to.
                try {
                    Quantity.toMicros(amount);
                } catch (IllegalArgumentException e) {
                    problems.add(at + ".amount", e.getMessage() + " (at most " + MAX_QUANTITY.toPlainString()
                            + ")");
                }
            } else if (amount.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
                problems.add(at + ".amount", "is too large, was " + amount.toPlainString());
            }
        }
        int previous = 0;
        for (int threshold : thresholds == null ? List.<Integer>of() : thresholds) {
            if (threshold < 1 || threshold > MAX_THRESHOLD) {
                problems.add(at + ".thresholds", "each must be between 1 and " + MAX_THRESHOLD + ", was " + threshold);
            } else if (threshold <= previous) {
                problems.add(at + ".thresholds", "must be strictly ascending, " + threshold + " follows " + previous);
            }
            previous = threshold;
        }
        if (name != null && (name.isBlank() || name.length() > 128)) {
            problems.add(at + ".name", "must be 1 to 128 characters");
        }
    }
}
