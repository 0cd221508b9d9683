package dev.tally.bench;

import dev.tally.core.event.Buckets;
import dev.tally.core.event.LedgerEntry;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.metric.Quantity;
import dev.tally.core.pricing.EventPricer;
import dev.tally.core.pricing.Price;
import dev.tally.core.pricing.PriceCatalog;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * The traffic every benchmark sends: calls of an AI product to five provider/model pairs behind twenty endpoints,
 * with input and output tokens, an HTTP status (about 3% errors) and a latency. One mix, written three ways: as
 * the JSON of {@code POST /v1/events}, as a {@link LedgerEntry} for direct store appends, and as the column values
 * of a raw {@code events} row, so that every benchmark stores the same kind of rows.
 */
final class EventMix {
    /** Provider and model of each pair; prices in {@link #PRICES_JSON} cover every one. */
    static final String[][] MODELS = {
            {"openai", "gpt-4o"}, {"openai", "gpt-4o-mini"}, {"anthropic", "claude-sonnet-4"},
            {"google", "gemini-2.5-pro"}, {"mistral", "mistral-large"}};
    static final String[] ENDPOINTS = {
            "/api/chat", "/api/chat/stream", "/api/complete", "/api/summarize", "/api/translate", "/api/classify",
            "/api/extract", "/api/embed", "/api/search", "/api/rerank", "/api/moderate", "/api/title",
            "/api/tags", "/api/rewrite", "/api/agent/plan", "/api/agent/step", "/api/sql", "/api/code/review",
            "/api/code/explain", "/api/report"};
    /** Input and output token prices per 1,000 tokens, USD, for each of {@link #MODELS}. */
    private static final String[][] UNIT_PRICES = {
            {"0.0025", "0.01"}, {"0.00015", "0.0006"}, {"0.003", "0.015"}, {"0.00125", "0.01"}, {"0.002", "0.006"}};
    /** The body of {@code PUT /v1/prices} that prices every pair of the mix. */
    static final String PRICES_JSON = pricesJson();

    private EventMix() {
    }

    /** The platform dimension's values in {@link EndUserMix#USERS_AND_DIMENSIONS}. */
    static final String[] PLATFORMS = {"instagram", "tiktok", "youtube", "web"};

    /** Which end users and dimensions the events carry. */
    enum EndUserMix {
        /** A user among 500, no dimensions (the mix of the benchmarks before issue 13). */
        DEFAULT(500),
        /** Neither a user nor dimensions. */
        NONE(0),
        /**
         * Issue 13's mix: 10,000 end users in all (with the benchmarks' 100 customers, a user among 100 of its
         * customer's; end users belong to a customer) and two dimensions, platform (4 values) and bot (20).
         */
        USERS_AND_DIMENSIONS(100),
        /**
         * 100 times issue 13's users: a user among 10,000 of its customer's, 1,000,000 end users in all with 100
         * customers, so that nearly every event has a user row of its own to write; the dimensions as above. This was
         * command 13's mix until 2026-12-07 16:30.
         */
        MANY_USERS_AND_DIMENSIONS(10_000);

        /** How many end users each customer has in this mix. */
        final int usersPerCustomer;

        EndUserMix(int usersPerCustomer) {
            this.usersPerCustomer = usersPerCustomer;
        }

        /** Whether the events carry a drawn user and the two dimensions. */
        boolean drawsUsersAndDimensions() {
            return this == USERS_AND_DIMENSIONS || this == MANY_USERS_AND_DIMENSIONS;
        }
    }

    /** The mix's prices as the catalog holds them: input and output tokens per 1,000 for each pair. */
    static List<Price> prices() {
        List<Price> prices = new ArrayList<>();
        for (int i = 0; i < MODELS.length; i++) {
            prices.add(new Price(MODELS[i][0], MODELS[i][1], "input_tokens", new BigDecimal(UNIT_PRICES[i][0]), 1000,
                    null));
            prices.add(new Price(MODELS[i][0], MODELS[i][1], "output_tokens", new BigDecimal(UNIT_PRICES[i][1]),
                    1000, null));
        }
        return prices;
    }

    /** The {@code usage} column as the store encodes it: micros by metric name, sorted by name. */
    static String usageColumn(Map<String, Long> usageMicros) {
        StringBuilder sb = new StringBuilder(64).append('{');
        for (Map.Entry<String, Long> e : usageMicros.entrySet()) {
            if (sb.length() > 1) {
                sb.append(',');
            }
            sb.append('"').append(e.getKey()).append("\":").append(e.getValue().longValue());
        }
        return sb.append('}').toString();
    }

    private static String pricesJson() {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < MODELS.length; i++) {
            for (int m = 0; m < 2; m++) {
                if (sb.length() > 1) {
                    sb.append(',');
                }
                sb.append("{\"provider\":\"").append(MODELS[i][0]).append("\",\"model\":\"").append(MODELS[i][1])
                        .append("\",\"metric\":\"").append(m == 0 ? "input_tokens" : "output_tokens")
                        .append("\",\"unit_price\":\"").append(UNIT_PRICES[i][m]).append("\",\"per\":1000}");
            }
        }
        return sb.append(']').toString();
    }

    /** The varying fields of one call, drawn from {@code random}. */
    record Call(int model, int endpoint, int status, int latencyMs, int inputTokens, int outputTokens, int user) {
        static Call draw(SplittableRandom random) {
            // Popular endpoints and models get most calls, as in a real product: a skewed pick, not a uniform one.
            int model = skewed(random, MODELS.length);
            int endpoint = skewed(random, ENDPOINTS.length);
            int roll = random.nextInt(1000);
            int status = roll < 970 ? 200 : roll < 985 ? 429 : roll < 993 ? 400 : 500;
            // Model latency: mostly 200 ms to 2 s, with a long tail.
            int latency = 80 + (int) Math.min(60_000, Math.exp(random.nextDouble(4.5, 8.0)));
            int input = random.nextInt(20, 4000);
            int output = status == 200 ? random.nextInt(5, 1200) : 0;
            return new Call(model, endpoint, status, latency, input, output, random.nextInt(500));
        }

        private static int skewed(SplittableRandom random, int n) {
            // min of two uniform draws: index 0 is the most common, n-1 the rarest.
            return Math.min(random.nextInt(n), random.nextInt(n));
        }

        String provider() {
            return MODELS[model][0];
        }

        String modelName() {
            return MODELS[model][1];
        }

        String endpointPath() {
            return ENDPOINTS[endpoint];
        }

        /** Appends this call as one event object of {@code POST /v1/events}, with its user among 500. */
        void appendJson(StringBuilder sb, String id, String customer, String timestamp) {
            appendJson(sb, id, customer, timestamp, EndUserMix.DEFAULT, null);
        }

        /**
         * Appends this call as one event object, its end user and dimensions as {@code mix} says ({@code random}
         * draws them for {@link EndUserMix#USERS_AND_DIMENSIONS}).
         */
        void appendJson(StringBuilder sb, String id, String customer, String timestamp, EndUserMix mix,
                        SplittableRandom random) {
            sb.append("{\"id\":\"").append(id)
                    .append("\",\"customer\":\"").append(customer)
                    .append("\",\"timestamp\":\"").append(timestamp)
                    .append("\",\"provider\":\"").append(provider())
                    .append("\",\"model\":\"").append(modelName())
                    .append("\",\"endpoint\":\"").append(endpointPath())
                    .append("\",\"method\":\"POST\",\"status\":").append(status)
                    .append(",\"latency_ms\":").append(latencyMs);
            switch (mix) {
                case DEFAULT -> sb.append(",\"user\":\"user_").append(user).append('"');
                case USERS_AND_DIMENSIONS, MANY_USERS_AND_DIMENSIONS -> sb.append(",\"user\":\"user_")
                        .append(random.nextInt(mix.usersPerCustomer))
                        .append("\",\"dimensions\":{\"platform\":\"")
                        .append(PLATFORMS[random.nextInt(PLATFORMS.length)])
                        .append("\",\"bot\":\"bot_").append(random.nextInt(20)).append("\"}");
                case NONE -> {
                }
            }
            sb.append(",\"usage\":{\"input_tokens\":").append(inputTokens);
            if (outputTokens > 0) {
                sb.append(",\"output_tokens\":").append(outputTokens);
            }
            sb.append("}}");
        }

        /** The usage of this call in micros by metric, as the server would parse it. */
        TreeMap<String, Long> usageMicros() {
            TreeMap<String, Long> usage = new TreeMap<>();
            usage.put("input_tokens", Quantity.ofUnits(inputTokens));
            if (outputTokens > 0) {
                usage.put("output_tokens", Quantity.ofUnits(outputTokens));
            }
            return usage;
        }

        /**
         * This call as a ledger entry priced with {@code prices}, received when it happened, bucketed for a
         * customer in UTC whose billing month starts on the 1st.
         */
        LedgerEntry ledgerEntry(String id, String customer, Instant t, PriceCatalog prices) {
            return ledgerEntry(id, customer, t, prices, EndUserMix.DEFAULT, null);
        }

        /** The call as a ledger entry with the end users and dimensions of {@code mix} (drawn from {@code random}). */
        LedgerEntry ledgerEntry(String id, String customer, Instant t, PriceCatalog prices, EndUserMix mix,
                                SplittableRandom random) {
            TreeMap<String, Long> usage = usageMicros();
            String endUser = switch (mix) {
                case DEFAULT -> "user_" + user;
                case USERS_AND_DIMENSIONS, MANY_USERS_AND_DIMENSIONS -> "user_" + random.nextInt(mix.usersPerCustomer);
                case NONE -> null;
            };
            java.util.SortedMap<String, String> dimensions = !mix.drawsUsersAndDimensions()
                    ? java.util.Collections.emptySortedMap()
                    : new TreeMap<>(java.util.Map.of("platform", PLATFORMS[random.nextInt(PLATFORMS.length)],
                    "bot", "bot_" + random.nextInt(20)));
            UsageEvent event = new UsageEvent(id, customer, t, provider(), modelName(), endpointPath(), "POST",
                    status, (long) latencyMs, endUser, usage, null, null, null, null, dimensions);
            EventPricer.PricedCost cost = EventPricer.price(prices, provider(), modelName(), t, usage);
            return new LedgerEntry(event, cost.cost(), cost.unpricedMetrics(), t, Buckets.of(ZoneOffset.UTC, 1, t));
        }
    }
}
