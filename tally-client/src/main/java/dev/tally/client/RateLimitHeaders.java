package dev.tally.client;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * The rate-limit header values of a decision, ready to be copied onto a response. Each is null when the decision
 * has none (no limit with an amount applies; {@code Retry-After} only on a denial).
 *
 * @param limit      {@code X-RateLimit-Limit}: the amount of the deciding limit
 * @param remaining  {@code X-RateLimit-Remaining}: what is left of it
 * @param reset      {@code X-RateLimit-Reset}: when its window resets, ISO-8601
 * @param policy     {@code RateLimit-Policy}: every limit, e.g. {@code "requests-minute";q=600;w=60}
 * @param rateLimit  {@code RateLimit}: every limit's state, e.g. {@code "requests-minute";r=599;t=37}
 * @param retryAfter {@code Retry-After}: on a denial, seconds
 */
public record RateLimitHeaders(String limit, String remaining, String reset, String policy, String rateLimit,
                               String retryAfter) {
    /** No header at all. */
    public static final RateLimitHeaders NONE = new RateLimitHeaders(null, null, null, null, null, null);

    /** The headers that have a value, by name, in a stable order. */
    public Map<String, String> asMap() {
        Map<String, String> out = new LinkedHashMap<>();
        put(out, "X-RateLimit-Limit", limit);
        put(out, "X-RateLimit-Remaining", remaining);
        put(out, "X-RateLimit-Reset", reset);
        put(out, "RateLimit-Policy", policy);
        put(out, "RateLimit", rateLimit);
        put(out, "Retry-After", retryAfter);
        return out;
    }

    /** Calls {@code setter} with the name and value of every header that has a value. */
    public void forEach(BiConsumer<String, String> setter) {
        asMap().forEach(setter);
    }

    private static void put(Map<String, String> out, String name, String value) {
        if (value != null) {
            out.put(name, value);
        }
    }
}
