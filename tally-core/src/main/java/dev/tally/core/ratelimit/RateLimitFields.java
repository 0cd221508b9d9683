package dev.tally.core.ratelimit;

import dev.tally.core.enforce.Decision;
import dev.tally.core.enforce.LimitDecision;
import dev.tally.core.limit.Limit;
import dev.tally.core.limit.LimitMode;
import dev.tally.core.limit.LimitState;
import dev.tally.core.metric.MetricUnit;
import dev.tally.core.money.Money;
import dev.tally.core.period.IsoInstant;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The rate-limit fields of a decision, by header name, in one place for every way a decision leaves Tally (the HTTP
 * API, the in-process authorizer of the servlet filter).
 *
 * <ul>
 *   <li>{@code X-RateLimit-Limit}, {@code X-RateLimit-Remaining}, {@code X-RateLimit-Reset} (ISO-8601 in whole
 *       seconds, rounded up): the limit that denied, or when allowed the most constraining one
 *       ({@link Decision#deciding()}: a hard limit, a soft one only when no hard limit applies, never a shadow
 *       limit); money as a decimal string.</li>
 *   <li>{@code RateLimit-Policy} and {@code RateLimit} (IETF draft-ietf-httpapi-ratelimit-headers, Structured Field
 *       lists, RFC 8941): one item per hard or soft limit with an amount, named after the limit:
 *       {@code "requests-minute";q=600;w=60} and {@code "requests-minute";r=599;t=37} ({@code t} rounded up).
 *       Shadow limits are left out: they never deny, and a client reading {@code r=0} would hold back calls that
 *       would be allowed.</li>
 *   <li>{@code Retry-After} (seconds) on a denial.</li>
 * </ul>
 *
 * <p>Structured-field strings are printable ASCII only, while limit names may be any text ({@code café-día}), so a
 * name is percent-encoded into its string: every byte of its UTF-8 form outside {@code 0x20-0x7E}, and {@code %}
 * itself, becomes {@code %XX} ({@code "caf%C3%A9-d%C3%ADa"}); {@code "} and {@code \} are escaped as RFC 8941
 * says. Percent-decoding the string's value (RFC 3986) gives the name back. Structured fields carry integers, so
 * money is given in micro-dollars; quota units other than requests are vendor-prefixed, as the draft asks of units
 * it does not define: {@code qu="tally-usd-micros"}, {@code qu="tally-tokens"}, {@code qu="tally-<metric>"}.
 */
public final class RateLimitFields {
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

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
            out.put("X-RateLimit-Reset", IsoInstant.format(ceilSecond(s.resetsAt())));
        }
        StringBuilder policies = new StringBuilder();
        StringBuilder states = new StringBuilder();
        for (LimitDecision d : decision.limits()) {
            LimitState s = d.state();
            Limit limit = s.limit();
            if (limit.amount() == null || limit.mode() == LimitMode.SHADOW) {
                continue;
            }
            if (!policies.isEmpty()) {
                policies.append(", ");
                states.append(", ");
            }
            String name = sfString(limit.name());
            String unit = unit(limit.metric());
            policies.append(name).append(";q=").append(integer(limit.metric(), limit.amount()))
                    .append(";w=").append(wholeSeconds(s.window().start(), s.window().end()));
            if (unit != null) {
                policies.append(";qu=").append(sfString(unit));
            }
            states.append(name).append(";r=").append(integer(limit.metric(), s.remaining()))
                    .append(";t=").append(Math.max(0, secondsUntil(now, s.resetsAt())));
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

    /**
     * {@code text} as an RFC 8941 sf-string: quoted, {@code "} and {@code \} escaped, and every other character
     * outside printable ASCII (and {@code %}) percent-encoded from its UTF-8 bytes.
     */
    public static String sfString(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c > 0x7E || c == '%' || c == '"' || c == '\\') {
                out = new StringBuilder(text.length() + 16).append('"');
                break;
            }
        }
        if (out == null) {
            return '"' + text + '"'; // the common case: nothing to escape or encode
        }
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        for (byte b : utf8) {
            int c = b & 0xFF;
            if (c == '"' || c == '\\') {
                out.append('\\').append((char) c);
            } else if (c < 0x20 || c > 0x7E || c == '%') {
                out.append('%').append(HEX[c >> 4]).append(HEX[c & 0xF]);
            } else {
                out.append((char) c);
            }
        }
        return out.append('"').toString();
    }

    /** The whole second at or after {@code instant}: a client waiting until then finds the window reset. */
    private static Instant ceilSecond(Instant instant) {
        return instant.getNano() == 0 ? instant : Instant.ofEpochSecond(instant.getEpochSecond() + 1);
    }

    /** The whole seconds from {@code now} to {@code reset}, rounded up: after that long the window has reset. */
    private static long secondsUntil(Instant now, Instant reset) {
        long seconds = reset.getEpochSecond() - now.getEpochSecond();
        return reset.getNano() > now.getNano() ? seconds + 1 : seconds;
    }

    /** {@code Duration.between(from, to).toSeconds()}, without building the duration. */
    private static long wholeSeconds(Instant from, Instant to) {
        long seconds = to.getEpochSecond() - from.getEpochSecond();
        return to.getNano() < from.getNano() ? seconds - 1 : seconds;
    }

    private static String plain(String metric, BigDecimal value) {
        if (MetricUnit.of(metric).isMoney()) {
            return Money.ofRounded(value).toPlainString();
        }
        return value.stripTrailingZeros().toPlainString();
    }

    /** A whole number for a structured field: micro-dollars for money, whole units otherwise (rounded down). */
    private static long integer(String metric, BigDecimal value) {
        BigDecimal scaled = MetricUnit.of(metric).isMoney() ? value.movePointRight(6) : value;
        return scaled.setScale(0, RoundingMode.FLOOR).longValue();
    }

    private static String unit(String metric) {
        // Units the draft does not define carry a vendor prefix, so they cannot clash with ones it may define later.
        return switch (MetricUnit.of(metric)) {
            case CALLS -> null;
            case NANO_DOLLARS -> "tally-usd-micros";
            case MICROS -> "tally-" + metric;
        };
    }
}
