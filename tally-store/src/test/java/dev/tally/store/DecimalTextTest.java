package dev.tally.store;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.math.BigDecimal;

import static org.assertj.core.api.Assertions.assertThat;

class DecimalTextTest {
    @ParameterizedTest
    @ValueSource(strings = {"0", "12.500", "0.0000005", "1E+3", "123456789012345678901234567890.123456789", "-2.50"})
    void parse_formattedValue_isEqualIncludingScale(String text) {
        BigDecimal value = new BigDecimal(text);

        assertThat(DecimalText.parse(DecimalText.format(value))).isEqualTo(value);
    }

    @ParameterizedTest
    @ValueSource(strings = {"0.0000005", "12.500"})
    void format_nonNegativeScale_usesPlainNotation(String text) {
        assertThat(DecimalText.format(new BigDecimal(text))).isEqualTo(text);
    }
}
