package dev.tally.server.web;

import dev.tally.core.testing.MutableClock;
import dev.tally.server.testing.Api;

import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The data the console tests look at: a plan with limits, three customers (two with seven months of history,
 * one with nothing), prices, and calls with errors on several days, spread over four end users (user_1 to user_4,
 * in turn) and two dimensions (platform: instagram, tiktok for every third call; bot: support, sales in turn). History is written by moving the clock through
 * the months, since the API takes events at most 35 days old.
 */
final class ConsoleData {
    static final Instant NOW = Instant.parse("2026-11-20T12:00:00Z");

    private ConsoleData() {
    }

    static void seed(Api admin, MutableClock clock) {
        ok(admin.put("/v1/prices", """
                [{"provider":"openai","model":"gpt-4","metric":"input_tokens","unit_price":"0.03","per":1000,
                  "effective_from":"2026-01-01T00:00:00Z"},
                 {"provider":"openai","model":"gpt-4","metric":"output_tokens","unit_price":"0.06","per":1000,
                  "effective_from":"2026-01-01T00:00:00Z"},
                 {"provider":"anthropic","model":"claude","metric":"output_tokens","unit_price":"0.015","per":1000,
                  "effective_from":"2026-01-01T00:00:00Z"}]"""));
        ok(admin.put("/v1/plans/pro", """
                {"name":"Pro","limits":[
                  {"metric":"requests","window":"month","amount":1000},
                  {"metric":"tokens","window":"month","amount":500000,"provider":"openai","mode":"soft"},
                  {"metric":"cost","window":"month","amount":"50.00"},
                  {"metric":"requests","window":"minute","amount":600}]}"""));
        ok(admin.put("/v1/customers/acme", """
                {"name":"Acme Corp","plan":"pro","timezone":"Europe/Berlin","billing_day":1,
                 "limits":[{"metric":"requests","window":"month","amount":200}]}"""));
        ok(admin.put("/v1/customers/globex", """
                {"name":"Globex","plan":"pro","timezone":"America/New_York","billing_day":1}"""));
        ok(admin.put("/v1/customers/initech", """
                {"name":"Initech","timezone":"UTC","billing_day":1}"""));
        for (YearMonth m = YearMonth.of(2026, 5); m.isBefore(YearMonth.of(2026, 11)); m = m.plusMonths(1)) {
            clock.set(m.atDay(12).atTime(12, 0).toInstant(ZoneOffset.UTC));
            events(admin, "acme", "h" + m, 10 + m.getMonthValue(), clock.instant().minusSeconds(3600), 200);
            events(admin, "globex", "h" + m, 5, clock.instant().minusSeconds(3600), 200);
        }
        clock.set(NOW);
        for (int day = 14; day <= 20; day++) {
            Instant at = Instant.parse("2026-11-%02dT08:00:00Z".formatted(day));
            events(admin, "acme", "n" + day, 20, at, day % 2 == 0 ? 200 : 500);
            events(admin, "globex", "n" + day, 8, at.plus(Duration.ofHours(2)), 200);
        }
    }

    /** {@code count} calls a minute apart from {@code start}; every fourth has {@code oddStatus}. */
    static void events(Api admin, String customer, String prefix, int count, Instant start, int oddStatus) {
        List<String> items = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            boolean claude = i % 3 == 2;
            items.add("""
                    {"id":"%s-%s-%d","customer":"%s","timestamp":"%s","provider":"%s","model":"%s",
                     "endpoint":"%s","status":%d,"latency_ms":%d,"usage":{"input_tokens":%d,"output_tokens":%d},
                     "user":"user_%d","dimensions":{"platform":"%s","bot":"%s"}}"""
                    .formatted(customer, prefix, i, customer, start.plusSeconds(60L * i),
                            claude ? "anthropic" : "openai", claude ? "claude" : "gpt-4",
                            i % 2 == 0 ? "/api/chat" : "/api/summarize", i % 4 == 3 ? oddStatus : 200,
                            80 + 37 * (i % 9), 400 + 10 * i, 150 + 5 * i,
                            i % 4 + 1, claude ? "tiktok" : "instagram", i % 2 == 0 ? "support" : "sales"));
        }
        Api.Response r = admin.post("/v1/events", "[" + String.join(",", items) + "]");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().get("accepted").asInt()).as(r.body()).isEqualTo(count);
    }

    static void ok(Api.Response r) {
        assertThat(r.status()).as(r.body()).isBetween(200, 299);
    }
}
