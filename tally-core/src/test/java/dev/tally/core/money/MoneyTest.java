package dev.tally.core.money;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.math.BigDecimal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MoneyTest {
    @ParameterizedTest
    @CsvSource({"31.2, 31.20", "0.0000005, 0.0000005", "0, 0.00", "200, 200.00", "1.123456789, 1.123456789"})
    void toPlainString_keepsCentsAndSignificantDigits(String in, String out) {
        assertThat(Money.parse(in).toPlainString()).isEqualTo(out);
    }

    @Test
    void ofRounded_roundsHalfEvenToNanos() {
        assertThat(Money.ofRounded(new BigDecimal("0.0000000005")).nanos()).isZero();
        assertThat(Money.ofRounded(new BigDecimal("0.0000000015")).nanos()).isEqualTo(2);
        assertThat(Money.ofRounded(new BigDecimal("0.0000000025")).nanos()).isEqualTo(2);
    }

    @Test
    void parse_tooManyDecimals_isRejectedWithTheRule() {
        assertThatThrownBy(() -> Money.parse("0.0000000001"))
                .hasMessage("must have at most 9 decimal places, was 0.0000000001");
    }

    @Test
    void parse_negative_isRejected() {
        assertThatThrownBy(() -> Money.parse("-1")).hasMessage("must be >= 0, was -1");
    }

    @Test
    void parse_notANumber_isRejected() {
        assertThatThrownBy(() -> Money.parse("ten")).hasMessageContaining("must be a decimal string");
    }

    @Test
    void plus_sumsExactly() {
        Money sum = Money.ZERO;
        for (int i = 0; i < 10; i++) {
            sum = sum.plus(Money.parse("0.1"));
        }
        assertThat(sum).isEqualTo(Money.parse("1"));
    }
}
