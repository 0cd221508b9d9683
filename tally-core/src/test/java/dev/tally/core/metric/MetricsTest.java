package dev.tally.core.metric;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class MetricsTest {

    @ParameterizedTest
    @ValueSource(strings = {"input_tokens", "a", "gpu_seconds_h100", "x9", "a_"})
    void isValidName_wellFormed_true(String name) {
        assertThat(Metrics.isValidName(name)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "Input", "9lives", "_x", "a-b", "a b", "ä", "tokens!", "aB"})
    void isValidName_malformed_false(String name) {
        assertThat(Metrics.isValidName(name)).isFalse();
    }

    @Test
    void isValidName_lengthLimit_64Characters() {
        assertThat(Metrics.isValidName("a".repeat(64))).isTrue();
        assertThat(Metrics.isValidName("a".repeat(65))).isFalse();
        assertThat(Metrics.isValidName(null)).isFalse();
    }

    @Test
    void isValidName_randomNames_agreesWithThePattern() {
        Random random = new Random(7);
        String alphabet = "az09_AZ-. é";
        for (int i = 0; i < 50_000; i++) {
            StringBuilder name = new StringBuilder();
            int length = random.nextInt(70);
            for (int k = 0; k < length; k++) {
                name.append(random.nextInt(3) == 0 ? alphabet.charAt(random.nextInt(alphabet.length()))
                        : (char) ('a' + random.nextInt(26)));
            }
            String s = name.toString();
            assertThat(Metrics.isValidName(s)).as(s).isEqualTo(Metrics.NAME.matcher(s).matches());
        }
    }

    @Test
    void tokenMicros_cacheWritesCount_reasoningNever() {
        assertThat(Metrics.tokenMicros(java.util.Map.of("input_tokens", 10L, "output_tokens", 20L,
                "cached_tokens", 3L, "cache_write_tokens", 4L, "reasoning_tokens", 15L))).isEqualTo(37L);
    }
}
