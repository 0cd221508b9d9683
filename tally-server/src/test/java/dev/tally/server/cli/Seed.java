package dev.tally.server.cli;

import dev.tally.server.testing.Api;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The data the CLI tests read, on a server whose clock stands at 2026-11-20T12:00:00Z: output tokens of gpt-4 cost
 * $0.06 per 1000, and
 * <ul>
 *   <li>{@code acme} "Acme Corp" (Europe/Berlin) on plan {@code pro}: 230 requests and 520,000 tokens costing
 *       $31.20, so 104% of its soft 500,000-token limit and 15.6% of its $200 budget;</li>
 *   <li>{@code bluebird} "Bluebird Ltd" (America/New_York, billing day 15) with no plan and no limits: 2 requests,
 *       2,000 tokens, $0.12.</li>
 * </ul>
 */
final class Seed {
    static final String NOW = "2026-11-20T12:00:00Z";

    private Seed() {
    }

    /** Prices, the plan and acme, without events. */
    static void catalog(Api api) {
        ok(api.put("/v1/prices", """
                [{"provider":"openai","model":"gpt-4","metric":"output_tokens","unit_price":"0.06","per":1000,
                  "effective_from":"2026-01-01T00:00:00Z"}]"""));
        ok(api.put("/v1/plans/pro", """
                {"name":"Pro","limits":[
                  {"metric":"tokens","window":"month","amount":500000,"provider":"openai","mode":"soft"},
                  {"metric":"requests","window":"month","amount":1000000},
                  {"metric":"cost","window":"month","amount":"200.00"}]}"""));
        ok(api.put("/v1/customers/acme", """
                {"name":"Acme Corp","plan":"pro","timezone":"Europe/Berlin","billing_day":1}"""));
    }

    /** The catalog, acme's 230 events and bluebird with its 2. */
    static void both(Api api) {
        catalog(api);
        events(api, "acme", "a", 200, "2026-11-03T09:00:00Z", 2000);
        events(api, "acme", "b", 30, "2026-11-10T09:00:00Z", 4000);
        ok(api.put("/v1/customers/bluebird", """
                {"name":"Bluebird Ltd","timezone":"America/New_York","billing_day":15}"""));
        events(api, "bluebird", "c", 2, "2026-11-18T10:00:00Z", 1000);
    }

    /** {@code count} events of {@code outputTokens} each. */
    static void events(Api api, String customer, String idPrefix, int count, String timestamp, int outputTokens) {
        StringBuilder body = new StringBuilder("[");
        for (int i = 0; i < count; i++) {
            body.append(i == 0 ? "" : ",").append("""
                    {"id":"%s-%d","customer":"%s","timestamp":"%s","provider":"openai","model":"gpt-4",
                     "endpoint":"/api/chat","usage":{"output_tokens":%d}}""".formatted(idPrefix, i, customer,
                    timestamp, outputTokens));
        }
        Api.Response r = api.post("/v1/events", body.append(']').toString());
        ok(r);
        assertThat(r.json().get("accepted").asInt()).as(r.body()).isEqualTo(count);
    }

    private static void ok(Api.Response r) {
        assertThat(r.status()).as(r.body()).isBetween(200, 201);
    }
}
