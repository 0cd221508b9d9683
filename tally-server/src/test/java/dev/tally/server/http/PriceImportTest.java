package dev.tally.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.testing.MutableClock;
import dev.tally.server.testing.Api;
import dev.tally.server.testing.Backend;
import dev.tally.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 16: importing LiteLLM's {@code model_prices_and_context_window.json} (a real file of July 2026, read by the
 * test only) exactly to the digits written in it, and pricing an event by its prompt size.
 */
class PriceImportTest {
    /** The real file; tests only, the project never reads it. */
    static final Path LITELLM_FILE = Path.of(System.getProperty("tally.litellm.file",
            "/work/shared/data/litellm-model-prices-2026-07.json"));

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(Backend.class)
    void import_realLitellmFile_pricesExactToTheFilesDigits(Backend backend) throws IOException {
        String file = Files.readString(LITELLM_FILE);
        try (TestServer server = TestServer.start(backend, dir, MutableClock.at("2026-07-10T12:00:00Z"))) {
            Api api = server.admin();
            JsonNode dry = api.post("/v1/prices/import?effective_from=2026-07-01&dry_run=true", file).json();
            assertThat(dry.path("dry_run").asBoolean()).isTrue();
            assertThat(dry.at("/counts/added").asInt()).isGreaterThan(100);
            assertThat(dry.path("prices_stored").asInt()).isZero();
            assertThat(api.get("/v1/prices").json().path("prices").size()).as("a dry run stores nothing").isZero();

            JsonNode applied = api.post("/v1/prices/import?effective_from=2026-07-01", file).json();
            assertThat(applied.path("counts")).isEqualTo(dry.path("counts"));
            assertThat(applied.path("prices_stored").asInt()).isGreaterThan(300);
            // Image-only entries have no per-token price: skipped with the reason.
            assertThat(applied.path("skipped").toString()).contains("has no per-token price Tally can map");

            JsonNode prices = api.get("/v1/prices?limit=1000").json().path("prices");
            assertPrice(prices, file, "openai", "gpt-4o", "input_tokens", 0, "input_cost_per_token");
            assertPrice(prices, file, "openai", "gpt-4o", "output_tokens", 0, "output_cost_per_token");
            assertPrice(prices, file, "openai", "gpt-4o", "cached_tokens", 0, "cache_read_input_token_cost");
            String sonnet = "claude-sonnet-4-20250514";
            assertPrice(prices, file, "anthropic", sonnet, "input_tokens", 0, "input_cost_per_token");
            assertPrice(prices, file, "anthropic", sonnet, "input_tokens", 200_000,
                    "input_cost_per_token_above_200k_tokens");
            assertPrice(prices, file, "anthropic", sonnet, "output_tokens", 200_000,
                    "output_cost_per_token_above_200k_tokens");
            assertPrice(prices, file, "anthropic", sonnet, "cached_tokens", 0, "cache_read_input_token_cost");
            assertPrice(prices, file, "anthropic", sonnet, "cache_write_tokens", 0,
                    "cache_creation_input_token_cost");
            assertPrice(prices, file, "anthropic", sonnet, "cache_write_tokens", 200_000,
                    "cache_creation_input_token_cost_above_200k_tokens");
            assertPrice(prices, file, "vertex_ai", "gemini-2.5-pro", "input_tokens", 200_000,
                    "input_cost_per_token_above_200k_tokens");
            assertThat(find(prices, "openai", "gpt-4o", "input_tokens", 0).path("unit_price").asText())
                    .isEqualTo("2.5");

            // The same file again: nothing changes.
            JsonNode again = api.post("/v1/prices/import?effective_from=2026-07-01", file).json();
            assertThat(again.at("/counts/added").asInt()).isZero();
            assertThat(again.at("/counts/changed").asInt()).isZero();
            assertThat(again.at("/counts/unchanged").asInt()).isEqualTo(applied.at("/counts/added").asInt());
            assertThat(again.path("prices_stored").asInt()).isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void event_above200kPromptTokens_pricedAtTheHigherTier(Backend backend) throws IOException {
        try (TestServer server = TestServer.start(backend, dir, MutableClock.at("2026-07-10T12:00:00Z"))) {
            Api api = server.admin();
            api.post("/v1/prices/import?effective_from=2026-07-01", Files.readString(LITELLM_FILE));
            api.put("/v1/customers/acme", "{}");
            assertThat(api.post("/v1/events", """
                    [{"id":"big","customer":"acme","provider":"anthropic","model":"claude-sonnet-4-20250514",
                      "timestamp":"2026-07-05T10:00:00Z","usage":{"input_tokens":250000,"output_tokens":1000}},
                     {"id":"small","customer":"acme","provider":"anthropic","model":"claude-sonnet-4-20250514",
                      "timestamp":"2026-07-05T11:00:00Z","usage":{"input_tokens":150000,"output_tokens":1000}},
                     {"id":"cached","customer":"acme","provider":"anthropic","model":"claude-sonnet-4-20250514",
                      "timestamp":"2026-07-05T12:00:00Z",
                      "usage":{"input_tokens":150000,"cached_tokens":60000,"output_tokens":1000}}]""").status())
                    .isEqualTo(200);

            JsonNode events = api.get("/v1/customers/acme/events?limit=10").json().path("events");
            // 250,000 x 6e-06 + 1,000 x 2.25e-05 (both above 200k): 1.5 + 0.0225.
            assertThat(cost(events, "big")).isEqualByComparingTo("1.5225");
            // 150,000 x 3e-06 + 1,000 x 1.5e-05: the base prices.
            assertThat(cost(events, "small")).isEqualByComparingTo("0.465");
            // The prompt counts cache reads too (210,000 > 200,000): 150,000 x 6e-06 + 60,000 x 6e-07 + 1,000 x 2.25e-05.
            assertThat(cost(events, "cached")).isEqualByComparingTo("0.9585");
        }
    }

    @Test
    void import_badInput_problemNamingTheField() throws IOException {
        try (TestServer server = TestServer.start(Backend.SQLITE, dir, MutableClock.at("2026-07-10T12:00:00Z"))) {
            Api api = server.admin();
            Api.Response noDate = api.post("/v1/prices/import", "{}");
            assertThat(noDate.status()).isEqualTo(400);
            assertThat(noDate.json().at("/errors/0/field").asText()).isEqualTo("effective_from");

            Api.Response notAnObject = api.post("/v1/prices/import?effective_from=2026-07-01", "[1,2]");
            assertThat(notAnObject.status()).isEqualTo(400);
            assertThat(notAnObject.json().at("/errors/0/field").asText()).isEqualTo("body");

            Api.Response customerKey = api.as("nope").post("/v1/prices/import?effective_from=2026-07-01", "{}");
            assertThat(customerKey.status()).isEqualTo(401);
            assertThat(api.get("/v1/prices").json().path("prices").size()).isZero();
        }
    }

    private static BigDecimal cost(JsonNode events, String id) {
        for (JsonNode e : events) {
            if (e.path("id").asText().equals(id)) {
                return new BigDecimal(e.path("cost").asText());
            }
        }
        throw new AssertionError("no event " + id + " in " + events);
    }

    /** The stored price equals the number written in the file for that model's field, per 1,000,000 tokens. */
    private static void assertPrice(JsonNode prices, String file, String provider, String model, String metric,
                                    long above, String field) {
        String key = model;
        String text = numberText(file, key, field);
        JsonNode price = find(prices, provider, model, metric, above);
        assertThat(price.path("per").asLong()).isEqualTo(1_000_000);
        BigDecimal expected = new BigDecimal(text).movePointRight(6);
        assertThat(new BigDecimal(price.path("unit_price").asText()))
                .as("%s %s %s above %d (file: %s)", provider, model, metric, above, text)
                .isEqualByComparingTo(expected);
        assertThat(price.path("effective_from").asText()).isEqualTo("2026-07-01T00:00:00Z");
    }

    /** The text of a number in the file: {@code "field": 2.5e-06} inside {@code "key": {...}}. */
    private static String numberText(String file, String key, String field) {
        int start = file.indexOf("\n  \"" + key + "\": {");
        assertThat(start).as("entry %s in the file", key).isNotNegative();
        int end = file.indexOf("\n  }", start);
        Matcher m = Pattern.compile("\"" + Pattern.quote(field) + "\": ([-0-9.eE+]+)")
                .matcher(file.substring(start, end));
        assertThat(m.find()).as("%s of %s in the file", field, key).isTrue();
        return m.group(1);
    }

    private static JsonNode find(JsonNode prices, String provider, String model, String metric, long above) {
        for (JsonNode p : prices) {
            if (p.path("provider").asText().equals(provider) && p.path("model").asText().equals(model)
                    && p.path("metric").asText().equals(metric) && p.path("above_prompt_tokens").asLong() == above) {
                return p;
            }
        }
        throw new AssertionError("no price " + provider + " " + model + " " + metric + " above " + above);
    }
}
