package dev.tally.server.demo;

import dev.tally.core.customer.Customer;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.ingest.EventCandidate;
import dev.tally.core.ingest.EventIds;
import dev.tally.core.ingest.IngestService;
import dev.tally.core.metric.Quantity;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

/**
 * Simulated traffic for the demo: plausible calls of demo customers to LLM, speech and telephony providers, with
 * errors and a long-tailed latency. Goes through the real ingestion path, so every number in the demo is computed
 * exactly as in production. It writes into the demo's own customers only ({@link #demoCustomers}): customers a user
 * creates beside them keep exactly the usage the user sends, so the user can check their own numbers.
 */
public final class DemoTraffic {
    private static final String[] ENDPOINTS = {"/api/chat", "/api/chat", "/api/chat", "/api/chat", "/api/summarize",
        "/api/summarize", "/api/embed", "/api/embed", "/api/speak", "/api/call"};

    private final IngestService ingest;
    private final InstantSource clock;
    private final Random random;

    public DemoTraffic(IngestService ingest, InstantSource clock, long seed) {
        this.ingest = ingest;
        this.clock = clock;
        this.random = new Random(seed);
    }

    /**
     * The customers of {@code all} that simulated traffic may write to: those the demo's example defines
     * ({@code demoIds}), never one the user created, even after a restart when the store holds both.
     */
    public static List<Customer> demoCustomers(List<Customer> all, Set<String> demoIds) {
        return all.stream().filter(c -> demoIds.contains(c.id())).toList();
    }

    /**
     * How many calls a day a demo customer makes: sized so that after a few weeks the example plans show every
     * status, from ok to exceeded, instead of all customers far over every limit.
     */
    static int dailyCalls(Customer c) {
        if ("enterprise".equals(c.planId())) {
            return 150;
        }
        return "free".equals(c.planId()) ? 35 : 30;
    }

    /**
     * Records each customer's {@link #dailyCalls} over the last {@code days} days (up to now), so charts and history
     * have something to show on first start.
     */
    public int backfill(List<Customer> customers, int days) {
        Instant now = clock.instant();
        int total = 0;
        List<EventCandidate> batch = new ArrayList<>();
        for (Customer c : customers) {
            int perDay = dailyCalls(c);
            for (int d = days; d >= 0; d--) {
                int calls = d == 0 ? perDay / 3 : perDay;
                for (int i = 0; i < calls; i++) {
                    long offsetSeconds = d * 86_400L + random.nextInt(d == 0 ? 3_600 : 86_400);
                    batch.add(EventCandidate.valid(batch.size(), call(c, now.minusSeconds(offsetSeconds))));
                    if (batch.size() == 1000) {
                        total += ingest.ingest(batch).accepted();
                        batch.clear();
                    }
                }
            }
        }
        if (!batch.isEmpty()) {
            total += ingest.ingest(batch).accepted();
        }
        return total;
    }

    /** Records one burst of {@code calls} calls spread over customers in proportion to their volume, timestamped now. */
    public int tick(List<Customer> customers, int calls) {
        if (customers.isEmpty()) {
            return 0;
        }
        List<EventCandidate> batch = new ArrayList<>(calls);
        Instant now = clock.instant();
        int totalWeight = customers.stream().mapToInt(DemoTraffic::dailyCalls).sum();
        for (int i = 0; i < calls; i++) {
            Customer c = weighted(customers, random.nextInt(totalWeight));
            batch.add(EventCandidate.valid(i, call(c, now.minus(Duration.ofMillis(random.nextInt(1000))))));
        }
        return ingest.ingest(batch).accepted();
    }

    private static Customer weighted(List<Customer> customers, int pick) {
        for (Customer c : customers) {
            pick -= dailyCalls(c);
            if (pick < 0) {
                return c;
            }
        }
        return customers.get(customers.size() - 1);
    }

    private UsageEvent call(Customer c, Instant at) {
        String endpoint = ENDPOINTS[random.nextInt(ENDPOINTS.length)];
        TreeMap<String, Long> usage = new TreeMap<>();
        String provider;
        String model;
        switch (endpoint) {
            case "/api/speak" -> {
                provider = "elevenlabs";
                model = "eleven_multilingual_v2";
                usage.put("characters", Quantity.ofUnits(80 + random.nextInt(400)));
            }
            case "/api/call" -> {
                provider = "twilio";
                model = null;
                usage.put("seconds", Quantity.ofUnits(20 + random.nextInt(240)));
            }
            case "/api/embed" -> {
                provider = "openai";
                model = "text-embedding-3-small";
                usage.put("input_tokens", Quantity.ofUnits(100 + random.nextInt(2000)));
            }
            default -> {
                boolean anthropic = random.nextInt(3) == 0;
                provider = anthropic ? "anthropic" : "openai";
                model = anthropic ? "claude-sonnet-4" : random.nextInt(4) == 0 ? "gpt-4o" : "gpt-4o-mini";
                usage.put("input_tokens", Quantity.ofUnits(200 + random.nextInt(1500)));
                usage.put("output_tokens", Quantity.ofUnits(50 + random.nextInt(600)));
            }
        }
        int roll = random.nextInt(100);
        int status = roll < 2 ? 500 : roll < 5 ? 429 : roll < 7 ? 400 : 200;
        long latency = (long) (80 + Math.exp(random.nextGaussian() * 0.6 + 4.5));
        return new UsageEvent(EventIds.generate(at), c.id(), at, provider, model, endpoint, "POST", status,
                latency, "user_" + random.nextInt(40), usage, null, null, "{\"source\":\"tally-demo\"}");
    }
}
