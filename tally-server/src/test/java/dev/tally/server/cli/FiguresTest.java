package dev.tally.server.cli;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.math.BigDecimal;

import static org.assertj.core.api.Assertions.assertThat;

class FiguresTest {
    @ParameterizedTest
    @CsvSource({"0, 0", "999, 999", "1000, '1,000'", "520000, '520,000'", "1000000, '1,000,000'",
            "12345.5, '12,345.5'", "-1234, '-1,234'", "1E+3, '1,000'"})
    void decimal_anyMagnitude_groupsThousandsAndKeepsDigits(String value, String expected) {
        assertThat(Figures.decimal(new BigDecimal(value))).isEqualTo(expected);
    }

    /** Issue 15.5: cents for people, more digits only below a cent. */
    @ParameterizedTest
    @CsvSource({"31.20, $31.20", "200.00, $200.00", "10.962532483, $10.96", "0.00002212, $0.000022",
            "1234567.891, '$1,234,567.89'", "0, $0.00"})
    void money_decimalString_showsCentsOrTwoDigitsBelowACent(String value, String expected) {
        assertThat(Figures.money(value)).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource({"31.20, $31.20", "0.0000005, $0.0000005", "10.962532483, $10.962532483",
            "1234567.891, '$1,234,567.891'", "0, $0"})
    void exactMoney_decimalString_keepsEveryDigitExactly(String value, String expected) {
        assertThat(Figures.exactMoney(value)).isEqualTo(expected);
    }
}
