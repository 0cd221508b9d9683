package dev.tally.server.http;

import dev.tally.server.testing.Api;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The re-rating tests' month: a week of gpt-4o events of customer {@code acme} (plan {@code pro}: $100 a month),
 * stored while gpt-4o has no price, and the prices added later with an effective date in the past.
 */
public final class RerateTestData {
    private RerateTestData() {
    }

    /** Three events a day from 2026-11-10 to 11-16, of 1,000,000 + 1,234 i input and 100,000 + 7 i output tokens. */
    public static String events() {
        StringBuilder events = new StringBuilder("[");
        for (int i = 0; i < 21; i++) {
            events.append(i == 0 ? "" : ",").append("{\"id\":\"wk-").append(i).append("\",\"customer\":\"acme\","
                    + "\"provider\":\"openai\",\"model\":\"gpt-4o\",\"user\":\"u").append(i % 2)
                    .append("\",\"timestamp\":\"2026-11-").append(10 + i / 3).append("T10:0").append(i % 3)
                    .append(":00Z\",\"usage\":{\"input_tokens\":").append(1_000_000 + 1_234 * i)
                    .append(",\"output_tokens\":").append(100_000 + 7 * i).append("}}");
        }
        return events.append("]").toString();
    }

    public static void setUp(Api api) {
        api.put("/v1/plans/pro", """
                {"limits":[{"name":"budget","metric":"cost","window":"month","amount":"100.00"}]}""");
        api.put("/v1/customers/acme", "{\"plan\":\"pro\"}");
        assertThat(api.post("/v1/events", events()).json().path("accepted").asInt()).isEqualTo(21);
    }

    public static void price(Api api, String input) {
        assertThat(api.put("/v1/prices", """
                [{"provider":"openai","model":"gpt-4o","metric":"input_tokens","unit_price":"%s","per":1000000,
                  "effective_from":"2026-11-01T00:00:00Z"},
                 {"provider":"openai","model":"gpt-4o","metric":"output_tokens","unit_price":"10.00","per":1000000,
                  "effective_from":"2026-11-01T00:00:00Z"}]""".formatted(input)).status()).isEqualTo(200);
    }

}
