package dev.tally.core.customer;

import dev.tally.core.limit.Limit;
import dev.tally.core.period.Window;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class EffectiveLimitsTest {
    private static Limit limit(String metric, Window window, long amount, String provider) {
        return new Limit(null, metric, window, BigDecimal.valueOf(amount), null, provider, null, null, null);
    }

    @Test
    void of_overrideWithSameKey_replacesPlanLimitInPlace_andOthersAdd() {
        Plan plan = new Plan("pro", "Pro", List.of(limit("requests", Window.MONTH, 1000, null),
                limit("tokens", Window.MONTH, 500, "openai")));
        Customer c = new Customer("acme", "Acme", "pro", ZoneId.of("UTC"), 1,
                List.of(limit("requests", Window.MONTH, 5000, null), limit("requests", Window.MINUTE, 10, null)),
                Instant.EPOCH);
        List<Limit> limits = EffectiveLimits.of(plan, c);
        assertThat(limits).extracting(l -> l.name() + "=" + l.amount())
                .containsExactly("requests-month=5000", "openai-tokens-month=500", "requests-minute=10");
    }

    @Test
    void of_noPlan_isTheOverridesOnly() {
        Customer c = new Customer("acme", "Acme", null, ZoneId.of("UTC"), 1,
                List.of(limit("requests", Window.DAY, 5, null)), Instant.EPOCH);
        assertThat(EffectiveLimits.of(null, c)).hasSize(1);
    }
}
