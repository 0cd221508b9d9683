package dev.tally.core.period;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Instant;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class IsoInstantTest {
    @ParameterizedTest
    @ValueSource(strings = {"1970-01-01T00:00:00Z", "2026-12-01T00:00:00Z", "2028-02-29T23:59:59Z",
            "2000-02-29T12:00:00Z", "2100-03-01T00:00:00Z", "9999-12-31T23:59:59Z", "2026-11-20T12:00:00.500Z",
            "1969-12-31T23:59:59Z", "+10000-01-01T00:00:00Z", "-0001-01-01T00:00:00Z"})
    void format_isInstantToString(String text) {
        Instant instant = Instant.parse(text);

        assertThat(IsoInstant.format(instant)).isEqualTo(instant.toString()).isEqualTo(text);
    }

    @Test
    void format_randomInstants_isInstantToString() {
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < 200_000; i++) {
            Instant instant = Instant.ofEpochSecond(random.nextLong(-100_000_000_000L, 300_000_000_000L),
                    random.nextInt(4) == 0 ? random.nextInt(1_000_000_000) : 0);
            assertThat(IsoInstant.format(instant)).isEqualTo(instant.toString());
        }
    }
}
