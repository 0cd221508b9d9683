package dev.tally.client;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A call to be authorized: who makes it, to which provider, model and endpoint, and what it is expected to use.
 *
 * <p>Built from {@link #of(String)} with the {@code with...} methods, each answering a new call:
 * <pre>{@code
 * Call call = Call.of("acme").withProvider("openai").withModel("gpt-4").withEndpoint("/api/chat")
 *         .withEstimate("tokens", 1500);
 * }</pre>
 *
 * @param customer the customer's id; required
 * @param provider the upstream provider, or null; selects the limits that count it
 * @param model    the upstream model, or null
 * @param endpoint the product's endpoint, or null
 * @param estimate expected quantities by metric ({@code input_tokens}, {@code tokens} as a whole, ...); a {@code cost}
 *                 entry is money in USD and is sent as an exact decimal string. {@code requests: 1} is implied
 * @param ttl      how long a reservation holds the estimate if no event settles it, or null for the server's default
 *                 (5 minutes)
 */
public record Call(String customer, String provider, String model, String endpoint, Map<String, Number> estimate,
                   Duration ttl) {
    public Call {
        Objects.requireNonNull(customer, "customer");
        estimate = estimate == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(estimate));
        estimate.forEach(Numbers::requireFinite);
    }

    /** A call of {@code customer} with no provider, model, endpoint or estimate beyond the request itself. */
    public static Call of(String customer) {
        return new Call(customer, null, null, null, Map.of(), null);
    }

    public Call withProvider(String value) {
        return new Call(customer, value, model, endpoint, estimate, ttl);
    }

    public Call withModel(String value) {
        return new Call(customer, provider, value, endpoint, estimate, ttl);
    }

    public Call withEndpoint(String value) {
        return new Call(customer, provider, model, value, estimate, ttl);
    }

    /** This call with {@code quantity} of {@code metric} added to (or replaced in) its estimate. */
    public Call withEstimate(String metric, Number quantity) {
        Map<String, Number> copy = new LinkedHashMap<>(estimate);
        copy.put(Objects.requireNonNull(metric, "metric"), Objects.requireNonNull(quantity, "quantity"));
        return new Call(customer, provider, model, endpoint, copy, ttl);
    }

    /** This call with its estimate replaced by {@code quantities}. */
    public Call withEstimate(Map<String, ? extends Number> quantities) {
        return new Call(customer, provider, model, endpoint,
                quantities == null ? null : new LinkedHashMap<String, Number>(quantities), ttl);
    }

    /** This call with an estimated cost in USD, e.g. {@code new BigDecimal("0.25")}. */
    public Call withEstimatedCost(BigDecimal usd) {
        return withEstimate("cost", usd);
    }

    public Call withTtl(Duration value) {
        return new Call(customer, provider, model, endpoint, estimate, value);
    }
}
