package dev.tally.core.enforce;

import dev.tally.core.limit.Limit;
import dev.tally.core.metric.Metrics;
import dev.tally.core.money.Money;
import dev.tally.core.period.IsoInstant;
import dev.tally.core.usage.LimitState;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The rate-limit fields of a decision, by header name, in one place for every way a decision leaves Tally (the HTTP
 * API, the in-process authorizer of the servlet filter).
 *
 * <ul>
 *   <li>{@code X-RateLimit-Limit}, {@code X-RateLimit-Remaining}, {@code X-RateLimit-Reset} (ISO-8601): the limit that
 *       denied, or when allowed the most constraining one; money as a decimal string.</li>
 *   <li>{@code RateLimit-Policy} and {@code RateLimit} (IETF draft-ietf-httpapi-ratelimit-headers, Structured Field
 *       lists): one item per limit with an amount, named after the limit: {@code "requests-minute";q=600;w=60} and
 *       {@code "requests-minute";r=599;t=37}. Structured fields carry integers, so money is given in micro-dollars
 *       with {@code qu="usd-micros"}; metrics other than requests name their unit in {@code qu}.</li>
 *   <li>{@code Retry-After} (seconds) on a denial.</li>
 * </ul>
 */
public final class RateLimitFields {
    private RateLimitFields() {
    }

    /** The fields of {@code decision} at {@code now}, in a stable order; absent ones are left out. */
    public static Map<String, String> of(Decision decision, Instant now) {
        Map<String, String> out = new LinkedHashMap<>();
        LimitDecision deciding = decision.deciding();
        if (deciding != null && deciding.state().limit().amount() != null) {
            LimitState s = deciding.state();
            out.put("X-RateLimit-Limit", plain(s.limit().metric(), s.limit().amount()));
            out.put("X-RateLimit-Remaining", plain(s.limit().metric(), s.remaining()));
            out.put("X-RateLimit-Reset", IsoInstant.format(s.resetsAt()));
        }
        StringBuilder policies = new StringBuilder();
        StringBuilder states = new StringBuilder();
        for (LimitDecision d : decision.limits()) {
            LimitState s = d.state();
            Limit limit = s.limit();
            if (limit.amount() == null) {
                continue;
            }
            if (!policies.isEmpty()) {
                policies.append(", ");
                states.append(", ");
            }
            String name = quoted(limit.name());
            String unit = unit(limit.metric());
            policies.append(name).append(";q=").append(integer(limit.metric(), limit.amount()))
                    .append(";w=").append(wholeSeconds(s.window().start(), s.window().end()));
            if (unit != null) {
                policies.append(";qu=").append(quoted(unit));
            }
            states.append(name).append(";r=").append(integer(limit.metric(), s.remaining()))
                    .append(";t=").append(Math.max(0, wholeSeconds(now, s.resetsAt())));
        }
        if (!policies.isEmpty()) {
            out.put("RateLimit-Policy", policies.toString());
            out.put("RateLimit", states.toString());
        }
        if (!decision.allowed()) {
            out.put("Retry-After", Long.toString(decision.retryAfterSeconds()));
        }
        return out;
    }

    /** {@code Duration.between(from, to).toSeconds()}, without building the duration. */
    private static long wholeSeconds(Instant from, Instant to) {
        long seconds = to.getEpochSecond() - from.getEpochSecond();
        return to.getNano() < from.getNano() ? seconds - 1 : seconds;
    }

    private static String plain(String metric, BigDecimal value) {
        if (Metrics.COST.equals(metric)) {
            return Money.ofRounded(value).toPlainString();
        }
        return value.stripTrailingZeros().toPlainString();
    }

    /** A whole number for a structured field: micro-dollars for money, whole units otherwise (rounded down). */
    private static long integer(String metric, BigDecimal value) {
        BigDecimal scaled = Metrics.COST.equals(metric) ? value.movePointRight(6) : value;
        return scaled.setScale(0, RoundingMode.FLOOR).longValue();
    }

    private static String unit(String metric) {
        if (Metrics.REQUESTS.equals(metric)) {
            return null;
        }
        return Metrics.COST.equals(metric) ? "usd-micros" : metric;
    }

    private static String quoted(String text) {
        if (text.indexOf('\\') < 0 && text.indexOf('"') < 0) {
            return '"' + text + '"';
        }
        return '"' + text.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }
}
