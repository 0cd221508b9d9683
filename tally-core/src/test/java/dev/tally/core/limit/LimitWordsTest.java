package dev.tally.core.limit;

import dev.tally.core.period.Window;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.math.BigDecimal;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Issue 15.4: the words of alert messages, for people. */
class LimitWordsTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "tokens   | MONTH  | openai    | 520000   | 500000 | monthly OpenAI token limit   | 520,000 of 500,000 tokens",
        "requests | DAY    | anthropic | 1        | 1000   | daily Anthropic request limit | 1 of 1,000 requests",
        "cost     | MONTH  |           | 31.2     | 200    | monthly spending limit       | $31.20 of $200.00",
        "seconds  | HOUR   | twilio    | 1234.5   | 3600   | hourly Twilio second limit   | 1,234.5 of 3,600 seconds",
    })
    void limitAndUsedOf_limit_readsAsPeopleWriteIt(String metric, Window window, String provider, String used,
                                                   String amount, String limitWords, String usedWords) {
        Limit limit = new Limit("x", metric, window, new BigDecimal(amount), LimitMode.HARD, provider, null, null,
                List.of(50));
        assertThat(LimitWords.limit(limit, false)).isEqualTo(limitWords);
        assertThat(LimitWords.usedOf(limit, new BigDecimal(used), new BigDecimal(amount))).isEqualTo(usedWords);
    }

    @ParameterizedTest
    @CsvSource({"104.0, 104%", "85.5, 85.5%", "0.0, 0%", "100, 100%"})
    void percent_value_dropsANeedlessDecimal(String percent, String shown) {
        assertThat(LimitWords.percent(new BigDecimal(percent))).isEqualTo(shown);
    }

    @ParameterizedTest
    @CsvSource({"openai, OpenAI", "anthropic, Anthropic", "elevenlabs, ElevenLabs", "apify, Apify"})
    void provider_id_isSpelledAsTheProviderDoes(String id, String name) {
        assertThat(LimitWords.provider(id)).isEqualTo(name);
    }
}
