package dev.tally.store;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class UsageCodecTest {
    @Test
    void encode_sortedMetrics_writesCompactJsonObject() {
        TreeMap<String, Long> usage = new TreeMap<>(Map.of("output_tokens", 1L, "input_tokens", 500_000_000L));

        assertThat(UsageCodec.encode(usage)).isEqualTo("{\"input_tokens\":500000000,\"output_tokens\":1}");
    }

    @Test
    void decode_encodedUsage_roundTrips() {
        TreeMap<String, Long> usage = new TreeMap<>(Map.of("a", 0L, "b_2", Long.MAX_VALUE, "seconds", 1_500_000L));

        assertThat(UsageCodec.decode(UsageCodec.encode(usage))).isEqualTo(usage);
    }

    @Test
    void decode_emptyObject_isEmpty() {
        assertThat(UsageCodec.decode(UsageCodec.encode(Map.of()))).isEmpty();
    }

    @Test
    void encode_nameNeedingEscapes_isRefused() {
        assertThatThrownBy(() -> UsageCodec.encode(Map.of("bad\"name", 1L)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bad\"name");
    }
}
