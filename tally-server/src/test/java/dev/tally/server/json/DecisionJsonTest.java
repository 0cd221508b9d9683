package dev.tally.server.json;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tally.core.catalog.Catalog;
import dev.tally.core.customer.Customer;
import dev.tally.core.enforce.CallEstimate;
import dev.tally.core.enforce.CallRequest;
import dev.tally.core.enforce.Decision;
import dev.tally.core.enforce.Enforcer;
import dev.tally.core.limit.FailurePolicy;
import dev.tally.core.counter.InMemoryCounterStore;
import dev.tally.core.reservation.ReservationIds;
import dev.tally.core.limit.Limit;
import dev.tally.core.limit.LimitMode;
import dev.tally.core.money.Money;
import dev.tally.core.period.Window;
import dev.tally.core.testing.InMemoryCatalogStore;
import dev.tally.core.testing.MutableClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/** The streamed decision ({@link DecisionJson#writeBytes}) is the same text as the tree ({@link DecisionJson#write}). */
class DecisionJsonTest {
    private final ObjectMapper json = Json.mapper();
    private final DecisionJson decisionJson = new DecisionJson(json);
    private final MutableClock clock = MutableClock.at("2026-11-20T12:00:00Z");
    private final Catalog catalog = new Catalog(new InMemoryCatalogStore());

    private static Limit limit(String metric, Window window, String amount, LimitMode mode, String provider) {
        return new Limit(null, metric, window, amount == null ? null : new BigDecimal(amount), mode, provider, null,
                null, null);
    }

    private static CallRequest call(long seconds, String cost) {
        TreeMap<String, Long> usage = new TreeMap<>();
        usage.put("seconds", seconds * 500_000L); // half seconds: fractional quantities
        usage.put("input_tokens", 300_000_000L);
        return new CallRequest("acme", "openai", "gpt-4", "/chat",
                new CallEstimate(usage, null, cost == null ? null : Money.parse(cost)), Duration.ofMinutes(5));
    }

    @Test
    void writeBytes_matchesTheTree_forAllowedAndDeniedDecisionsOfEveryKind() throws Exception {
        catalog.putCustomer(new Customer("acme", "Acme", null, ZoneId.of("Europe/Berlin"), 15, List.of(
                limit("requests", Window.MINUTE, "3", LimitMode.HARD, null),
                limit("requests", Window.MONTH, null, LimitMode.HARD, null),
                limit("tokens", Window.DAY, "1000", LimitMode.SOFT, "openai"),
                limit("seconds", Window.HOUR, "10.5", LimitMode.SHADOW, null),
                limit("cost", Window.MONTH, "2.50", LimitMode.HARD, null)), Instant.EPOCH));
        Enforcer enforcer = new Enforcer(catalog, new InMemoryCounterStore(),
                new ReservationIds(ReservationIds.newSecret()), clock, FailurePolicy.FAIL_OPEN, e -> { });
        List<Decision> decisions = new ArrayList<>();
        decisions.add(enforcer.check(call(1, null)));
        decisions.add(enforcer.authorize(call(3, "0.75")));
        decisions.add(enforcer.authorize(call(30, "1.123456789")));
        clock.advance(Duration.ofSeconds(7));
        decisions.add(enforcer.authorize(call(0, "0")));
        decisions.add(enforcer.authorize(call(2, "5.00"))); // over the cost budget
        decisions.add(enforcer.authorize(call(2, "0.01")));
        decisions.add(enforcer.authorize(call(2, "0.01"))); // fourth request this minute
        decisions.add(new Decision(false, null, List.of(), null, dev.tally.core.enforce.DenialCode.UNAVAILABLE, 1,
                "Usage limits cannot be checked right now. Please retry shortly."));
        decisions.add(new Decision(true, null, List.of(), null, null, 0, null));

        assertThat(decisions).extracting(Decision::allowed).contains(true, false);
        for (Decision d : decisions) {
            String tree = json.writeValueAsString(decisionJson.write(d));
            assertThat(new String(decisionJson.writeBytes(d), StandardCharsets.UTF_8)).isEqualTo(tree);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"customer\":\"c1\",\"provider\":\"openai\",\"model\":\"gpt-4o\",\"endpoint\":\"/api/chat\","
                    + "\"estimate\":{\"input_tokens\":800,\"output_tokens\":400},\"ttl_seconds\":5}",
            "{\"customer\":\"acme\"}",
            "{\"customer\":\"acme\",\"provider\":null,\"estimate\":null,\"ttl_seconds\":null}",
            "{\"customer\":\"acme\",\"estimate\":{\"tokens\":1500,\"cost\":\"0.25\",\"requests\":1}}",
            "{\"customer\":\"acme\",\"estimate\":{\"seconds\":1.5,\"compute_units\":0.000001}}",
            "{\"ttl_seconds\":86400,\"estimate\":{},\"customer\":\"acme\"}"})
    void parseValid_commonValidBodies_takeTheFastPath_andEqualTheTreePath(String body) throws Exception {
        CallRequest fast = decisionJson.parseValid(body.getBytes(StandardCharsets.UTF_8));

        assertThat(fast).isNotNull();
        assertThat(fast).isEqualTo(decisionJson.parse(json.readTree(body)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "not json", "[]", "{}", "{\"customer\":\"\"}", "{\"customer\":7}",
            "{\"customer\":\"acme\",\"customer\":\"globex\"}", "{\"customer\":\"acme\",\"extra\":1}",
            "{\"customer\":\"acme\",\"ttl_seconds\":0}", "{\"customer\":\"acme\",\"ttl_seconds\":86401}",
            "{\"customer\":\"acme\",\"ttl_seconds\":5.0}", "{\"customer\":\"acme\",\"estimate\":[]}",
            "{\"customer\":\"acme\",\"estimate\":{\"input_tokens\":-1}}",
            "{\"customer\":\"acme\",\"estimate\":{\"input_tokens\":1.5}}",
            "{\"customer\":\"acme\",\"estimate\":{\"input_tokens\":99999999999999999999}}",
            "{\"customer\":\"acme\",\"estimate\":{\"seconds\":0.0000001}}",
            "{\"customer\":\"acme\",\"estimate\":{\"requests\":2}}",
            "{\"customer\":\"acme\",\"estimate\":{\"cost\":0.25}}",
            "{\"customer\":\"acme\",\"estimate\":{\"cost\":\"-1\"}}",
            "{\"customer\":\"acme\",\"estimate\":{\"Bad-Name\":1}}",
            "{\"customer\":\"acme\",\"estimate\":{\"input_tokens\":null}}",
            "{\"customer\":\"acme\"} trailing", "{\"customer\":\"acme\""})
    void parseValid_anythingInvalidOrUnusual_isLeftToTheValidatingPath(String body) {
        assertThat(decisionJson.parseValid(body.getBytes(StandardCharsets.UTF_8))).isNull();
    }
}
