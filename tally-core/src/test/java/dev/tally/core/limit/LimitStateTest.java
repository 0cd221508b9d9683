package dev.tally.core.limit;

import dev.tally.core.period.Period;
import dev.tally.core.period.Window;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.math.BigDecimal;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class LimitStateTest {
    private static final Period MONTH = new Period(Instant.parse("2026-11-01T00:00:00Z"),
            Instant.parse("2026-12-01T00:00:00Z"));

    private static Limit limit(String amount) {
        return new Limit(null, "tokens", Window.MONTH, amount == null ? null : new BigDecimal(amount),
                LimitMode.SOFT, "openai", null, null, null);
    }

    @ParameterizedTest(name = "{0} of {1} -> {2}% {3}, remaining {4}")
    @CsvSource({
            "0,      500000, 0.0,   OK,        500000",
            "120000, 500000, 24.0,  OK,        380000",
            "249999, 500000, 50.0,  OK,        250001",
            "250000, 500000, 50.0,  WARNING,   250000",
            "310000, 500000, 62.0,  WARNING,   190000",
            "399999, 500000, 80.0,  WARNING,   100001",
            "400000, 500000, 80.0,  CRITICAL,  100000",
            "499999, 500000, 100.0, CRITICAL,  1",
            "500000, 500000, 100.0, EXCEEDED,  0",
            "520000, 500000, 104.0, EXCEEDED,  0",
    })
    void of_usedAgainstAmount_givesPercentStatusAndRemaining(String used, String amount, String percent,
                                                            LimitStatus status, String remaining) {
        LimitState s = LimitState.of(limit(amount), MONTH, new BigDecimal(used));
        assertThat(s.percent()).isEqualByComparingTo(percent);
        assertThat(s.status()).isEqualTo(status);
        assertThat(s.remaining()).isEqualByComparingTo(remaining);
    }

    @Test
    void of_unlimited_hasNoPercentNorRemaining() {
        LimitState s = LimitState.of(limit(null), MONTH, new BigDecimal("1000"));
        assertThat(s.percent()).isNull();
        assertThat(s.remaining()).isNull();
        assertThat(s.status()).isEqualTo(LimitStatus.OK);
        assertThat(s.resetsAt()).isEqualTo(MONTH.end());
    }

    @Test
    void of_zeroAmount_isExceededOnFirstUse() {
        assertThat(LimitState.of(limit("0"), MONTH, BigDecimal.ZERO).status()).isEqualTo(LimitStatus.OK);
        assertThat(LimitState.of(limit("0"), MONTH, BigDecimal.ONE).status()).isEqualTo(LimitStatus.EXCEEDED);
    }

    @Test
    void defaultName_namesFiltersMetricAndWindow() {
        assertThat(limit("1").name()).isEqualTo("openai-tokens-month");
        Limit endpoint = new Limit(null, "requests", Window.MINUTE, BigDecimal.TEN, null, null, null, "/api/chat",
                null);
        assertThat(endpoint.name()).isEqualTo("api-chat-requests-minute");
        assertThat(endpoint.mode()).isEqualTo(LimitMode.HARD);
        assertThat(endpoint.thresholds()).containsExactly(50, 80, 100);
    }
}
