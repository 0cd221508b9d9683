package dev.tally.client;

import dev.tally.core.enforce.CallEstimate;
import dev.tally.core.enforce.CallRequest;
import dev.tally.core.enforce.Enforcer;
import dev.tally.core.enforce.LimitDecision;
import dev.tally.core.ratelimit.RateLimitFields;
import dev.tally.core.limit.Limit;
import dev.tally.core.metric.MetricUnit;
import dev.tally.core.metric.Metrics;
import dev.tally.core.metric.Quantity;
import dev.tally.core.money.Money;
import dev.tally.core.problem.NotFoundException;
import dev.tally.core.problem.ValidationException;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * An {@link Authorizer} that runs Tally's {@link Enforcer} in the same JVM: no network hop, the same decisions,
 * reservations and rate-limit headers as {@code POST /v1/authorize}.
 *
 * <p>Needs {@code tally-core} on the class path (an optional dependency of this module: whoever holds an
 * {@code Enforcer} has it). Errors are mapped as the server maps them: an unknown customer is a
 * {@link TallyException} with status 404, an invalid estimate one with status 400 naming the field.
 *
 * <p>The header values come from {@link RateLimitFields}, as the server's do; {@code EmbeddedAuthorizerTest} holds the two
 * to the same output.
 */
public final class EmbeddedAuthorizer implements Authorizer {
    private final Enforcer enforcer;
    private final InstantSource clock;

    /** An authorizer on {@code enforcer}, whose clock is the system clock. */
    public EmbeddedAuthorizer(Enforcer enforcer) {
        this(enforcer, InstantSource.system());
    }

    /**
     * An authorizer on {@code enforcer}.
     *
     * @param clock the enforcer's clock: the {@code RateLimit} header counts the seconds to each reset from it
     */
    public EmbeddedAuthorizer(Enforcer enforcer, InstantSource clock) {
        this.enforcer = Objects.requireNonNull(enforcer, "enforcer");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public Decision authorize(Call call) {
        CallRequest request = request(call);
        dev.tally.core.enforce.Decision decision;
        try {
            decision = enforcer.authorize(request);
        } catch (NotFoundException e) {
            throw new TallyException(404, e.getMessage(), List.of(), e);
        } catch (ValidationException e) {
            throw invalid(e.getMessage(), e.errors(), e);
        }
        return decision(decision, clock.instant());
    }

    /** The core request of a call, checked as the server checks the body of {@code POST /v1/authorize}. */
    private static CallRequest request(Call call) {
        List<FieldError> problems = new ArrayList<>();
        TreeMap<String, Long> metrics = new TreeMap<>();
        Long tokens = null;
        Money cost = null;
        for (Map.Entry<String, Number> e : call.estimate().entrySet()) {
            String metric = e.getKey();
            String field = "estimate." + metric;
            BigDecimal value = Numbers.toDecimal(e.getValue());
            try {
                if (Metrics.COST.equals(metric)) {
                    cost = Money.parse(value.toPlainString());
                } else if (Metrics.REQUESTS.equals(metric)) {
                    if (value.compareTo(BigDecimal.ONE) != 0) {
                        throw new IllegalArgumentException("is always 1 (every call is one request), was "
                                + value.toPlainString());
                    }
                } else if (!Metrics.isValidName(metric)) {
                    throw new IllegalArgumentException("must be a lower_snake_case metric name (a-z, 0-9, _)");
                } else if (Metrics.isInteger(metric) && value.stripTrailingZeros().scale() > 0) {
                    throw new IllegalArgumentException("must be a whole number, was " + value.toPlainString());
                } else if (Metrics.TOKENS.equals(metric)) {
                    tokens = Quantity.toMicros(value);
                } else {
                    metrics.put(metric, Quantity.toMicros(value));
                }
            } catch (IllegalArgumentException rule) {
                problems.add(new FieldError(field, field + ": " + rule.getMessage()));
            }
        }
        Duration ttl = call.ttl() == null ? CallRequest.DEFAULT_TTL : call.ttl();
        if (ttl.toSeconds() < 1 || ttl.compareTo(CallRequest.MAX_TTL) > 0) {
            problems.add(new FieldError("ttl_seconds", "ttl_seconds: must be 1 to " + CallRequest.MAX_TTL.toSeconds()
                    + ", was " + ttl.toSeconds()));
        }
        if (!problems.isEmpty()) {
            throw new TallyException(400, "The call is not valid; nothing was reserved", problems, null);
        }
        return new CallRequest(call.customer(), call.provider(), call.model(), call.endpoint(),
                new CallEstimate(metrics, tokens, cost), Duration.ofSeconds(ttl.toSeconds()));
    }

    private static TallyException invalid(String detail, List<dev.tally.core.problem.FieldError> errors,
                                          Throwable cause) {
        List<FieldError> mapped = new ArrayList<>();
        errors.forEach(e -> mapped.add(new FieldError(e.field(), e.message())));
        return new TallyException(400, detail, mapped, cause);
    }

    private static Decision decision(dev.tally.core.enforce.Decision d, Instant now) {
        List<LimitState> limits = new ArrayList<>();
        d.limits().forEach(l -> limits.add(state(l)));
        LimitState denying = d.allowed() || d.deciding() == null ? null : state(d.deciding());
        return new Decision(d.allowed(), d.reservationId(), d.code() == null ? null : d.code().wireName(),
                d.retryAfterSeconds(), d.message(), denying, limits, headers(d, now));
    }

    /** A limit as the server writes it in a decision, amounts rounded the same way. */
    private static LimitState state(LimitDecision d) {
        dev.tally.core.limit.LimitState s = d.state();
        Limit l = s.limit();
        return new LimitState(l.name(), l.metric(), l.provider(), l.model(), l.endpoint(), l.window().wireName(),
                amount(l.metric(), l.amount()), amount(l.metric(), s.used()), amount(l.metric(), s.remaining()),
                s.percent(), s.status().wireName(), l.mode().wireName(), s.resetsAt(),
                amount(l.metric(), d.reserved()), d.wouldDeny());
    }

    /** Money rounded to nano-dollars with cents shown; other amounts without trailing zeros (1500, not 1.5E+3). */
    private static BigDecimal amount(String metric, BigDecimal value) {
        if (value == null) {
            return null;
        }
        if (MetricUnit.of(metric).isMoney()) {
            return new BigDecimal(Money.ofRounded(value).toPlainString());
        }
        BigDecimal stripped = value.stripTrailingZeros();
        return stripped.scale() < 0 ? stripped.setScale(0) : stripped;
    }

    /** The headers {@code POST /v1/authorize} answers for this decision: the same fields, from the same code. */
    private static RateLimitHeaders headers(dev.tally.core.enforce.Decision decision, Instant now) {
        Map<String, String> f = RateLimitFields.of(decision, now);
        return new RateLimitHeaders(f.get("X-RateLimit-Limit"), f.get("X-RateLimit-Remaining"),
                f.get("X-RateLimit-Reset"), f.get("RateLimit-Policy"), f.get("RateLimit"), f.get("Retry-After"));
    }
}
