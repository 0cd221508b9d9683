package dev.tally.core.metric;

import dev.tally.core.bounds.Bounds;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The names of metrics: well-known ones, custom ones, and the three derived ones that are computed, never sent.
 *
 * <p>Rules: a metric name is lower_snake_case ({@code [a-z][a-z0-9_]{0,63}}). {@code requests} counts 1 for every
 * event; {@code tokens} is {@code input_tokens + output_tokens + cached_tokens + cache_write_tokens} (send
 * {@code cached_tokens} and {@code cache_write_tokens} only for tokens not already counted in {@code input_tokens});
 * {@code reasoning_tokens} are already part of {@code output_tokens}: recorded for insight, never in {@code tokens}
 * and never priced; {@code cost} is the event's price in USD.
 */
public final class Metrics {
    public static final String REQUESTS = "requests";
    public static final String TOKENS = "tokens";
    public static final String COST = "cost";
    /**
     * Calls in flight: a call holds one from its authorization until the event that settles its reservation (or the
     * reservation's end), so a limit on it bounds how many calls a customer has running at once. Never sent.
     */
    public static final String CONCURRENT_REQUESTS = "concurrent_requests";

    public static final String INPUT_TOKENS = "input_tokens";
    public static final String OUTPUT_TOKENS = "output_tokens";
    public static final String CACHED_TOKENS = "cached_tokens";
    /** Prompt tokens written to a provider's cache (priced at their own price, not also as input). */
    public static final String CACHE_WRITE_TOKENS = "cache_write_tokens";
    /** Output tokens spent on reasoning: already in {@code output_tokens}, so never counted or priced again. */
    public static final String REASONING_TOKENS = "reasoning_tokens";
    public static final String CHARACTERS = "characters";
    public static final String SECONDS = "seconds";
    public static final String COMPUTE_UNITS = "compute_units";
    public static final String IMAGES = "images";

    /** Sent metrics whose quantities must be whole numbers. */
    public static final Set<String> INTEGER_METRICS =
            Set.of(INPUT_TOKENS, OUTPUT_TOKENS, CACHED_TOKENS, CACHE_WRITE_TOKENS, REASONING_TOKENS, CHARACTERS,
                    IMAGES);
    /** Metrics that are computed from an event and may not be sent in {@code usage}. */
    public static final Set<String> DERIVED = Set.of(REQUESTS, TOKENS, COST, CONCURRENT_REQUESTS);
    /** The metrics that add up to {@code tokens}. */
    public static final Set<String> TOKEN_PARTS =
            Set.of(INPUT_TOKENS, OUTPUT_TOKENS, CACHED_TOKENS, CACHE_WRITE_TOKENS);

    /** Whether quantities of {@code metric} are never priced: they are already part of another priced metric. */
    public static boolean isNeverPriced(String metric) {
        return REASONING_TOKENS.equals(metric);
    }
    /**
     * The metrics that make an event's prompt, whose size selects a price tier ({@code *_above_200k_tokens}).
     */
    public static final List<String> PROMPT_PARTS = List.of(INPUT_TOKENS, CACHED_TOKENS, CACHE_WRITE_TOKENS);

    /** What a metric name looks like; {@link #isValidName} checks it by hand. */
    static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]{0,63}");
    private static final int MAX_NAME_LENGTH = 64;

    private Metrics() {
    }

    /** Whether {@code name} is a well-formed metric name (well-known, custom or derived). */
    public static boolean isValidName(String name) {
        // The loop says what NAME says; it runs for every metric of every ingested event, where the regex matcher
        // was a measurable cost.
        if (name == null || name.isEmpty() || name.length() > MAX_NAME_LENGTH) {
            return false;
        }
        char first = name.charAt(0);
        if (first < 'a' || first > 'z') {
            return false;
        }
        for (int i = 1; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_')) {
                return false;
            }
        }
        return true;
    }

    /** Whether a quantity of {@code metric} must be a whole number. */
    public static boolean isInteger(String metric) {
        return INTEGER_METRICS.contains(metric) || REQUESTS.equals(metric) || TOKENS.equals(metric)
                || CONCURRENT_REQUESTS.equals(metric);
    }

    /** The micros of {@code tokens} among sent usage quantities (micros by metric name). */
    public static long tokenMicros(Map<String, Long> usageMicros) {
        long sum = 0;
        for (String part : TOKEN_PARTS) {
            sum = Bounds.saturatedSum(sum, usageMicros.getOrDefault(part, 0L)); // read sums may be near a long
        }
        return sum;
    }
}
