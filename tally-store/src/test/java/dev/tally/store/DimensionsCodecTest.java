package dev.tally.store;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

class DimensionsCodecTest {
    @Test
    void encode_noDimensions_isNull_andNullDecodesEmpty() {
        assertThat(DimensionsCodec.encode(Map.of())).isNull();
        assertThat(DimensionsCodec.decode(null)).isEmpty();
    }

    @Test
    void encodeDecode_valuesNeedingEscapes_roundTripAsJson() {
        TreeMap<String, String> dims = new TreeMap<>(Map.of("platform", "insta\"gram", "bot", "a\\b\n\u0001é,:{}"));
        String text = DimensionsCodec.encode(dims);
        assertThat(text).isEqualTo("{\"bot\":\"a\\\\b\\u000a\\u0001é,:{}\",\"platform\":\"insta\\\"gram\"}");
        assertThat(DimensionsCodec.decode(text)).isEqualTo(dims);
    }
}
