package dev.tally.core.enforce;

import dev.tally.core.limit.Limit;
import dev.tally.core.metric.Metrics;
import dev.tally.core.money.Money;
import dev.tally.core.usage.LimitState;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
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
            out.put("X-RateLimit-Reset", s.resetsAt().toString());
        }
        List<String> policies = new ArrayList<>();
        List<String> states = new ArrayList<>();
        for (LimitDecision d : decision.limits()) {
            LimitState s = d.state();
            Limit limit = s.limit();
            if (limit.amount() == null) {
                continue;
            }
            String name = quoted(limit.name());
            String unit = unit(limit.metric());
            long window = Duration.between(s.window().start(), s.window().end()).toSeconds();
            policies.add(name + ";q=" + integer(limit.metric(), limit.amount()) + ";w=" + window
                    + (unit == null ? "" : ";qu=" + quoted(unit)));
            long resetSeconds = Math.max(0, Duration.between(now, s.resetsAt()).toSeconds());
            states.add(name + ";r=" + integer(limit.metric(), s.remaining()) + ";t=" + resetSeconds);
        }
        if (!policies.isEmpty()) {
            out.put("RateLimit-Policy", String.join(", ", policies));
            out.put("RateLimit", String.join(", ", states));
        }
        if (!decision.allowed()) {
            out.put("Retry-After", Long.toString(decision.retryAfterSeconds()));
        }
        return out;
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
        return '"' + text.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }
}
