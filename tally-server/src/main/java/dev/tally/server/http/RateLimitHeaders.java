package dev.tally.server.http;

import dev.tally.core.enforce.Decision;
import dev.tally.core.enforce.LimitDecision;
import dev.tally.core.limit.Limit;
import dev.tally.core.metric.Metrics;
import dev.tally.core.money.Money;
import dev.tally.core.usage.LimitState;
import io.javalin.http.Context;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The rate-limit headers of a decision.
 *
 * <ul>
 *   <li>{@code X-RateLimit-Limit}, {@code X-RateLimit-Remaining}, {@code X-RateLimit-Reset} (ISO-8601): the limit that
 *       denied, or when allowed the most constraining one (least remaining as a share of its amount).</li>
 *   <li>{@code RateLimit-Policy} and {@code RateLimit} (IETF draft-ietf-httpapi-ratelimit-headers, Structured Field
 *       lists): one item per limit with an amount, named after the limit: {@code "requests-minute";q=600;w=60} and
 *       {@code "requests-minute";r=599;t=37}. Structured fields carry integers, so money is given in micro-dollars
 *       with {@code qu="usd-micros"}; other metrics than requests name their unit in {@code qu}.</li>
 *   <li>{@code Retry-After} (seconds) on a denial.</li>
 * </ul>
 */
final class RateLimitHeaders {
    private RateLimitHeaders() {
    }

    static void write(Context ctx, Decision decision, Instant now) {
        LimitDecision deciding = decision.deciding();
        if (deciding != null && deciding.state().limit().amount() != null) {
            LimitState s = deciding.state();
            ctx.header("X-RateLimit-Limit", plain(s.limit().metric(), s.limit().amount()));
            ctx.header("X-RateLimit-Remaining", plain(s.limit().metric(), s.remaining()));
            ctx.header("X-RateLimit-Reset", s.resetsAt().toString());
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
            ctx.header("RateLimit-Policy", String.join(", ", policies));
            ctx.header("RateLimit", String.join(", ", states));
        }
        if (!decision.allowed()) {
            ctx.header("Retry-After", Long.toString(decision.retryAfterSeconds()));
        }
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
