package dev.tally.core.money;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.math.BigDecimal;

import static org.assertj.core.api.Assertions.assertThat;

/** Issue 15.5: one display rule for money (cents; more digits only below a cent; exact on request). */
class MoneyTextTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "10.962532483 | $10.96",
        "5000         | '$5,000.00'",
        "31.2         | $31.20",
        "0            | $0.00",
        "0.000000000  | $0.00",
        "0.00002212   | $0.000022",
        "0.0000005    | $0.0000005",
        "0.009        | $0.009",
        "0.00999      | $0.01",
        "0.005        | $0.005",
        "0.015        | $0.02",
        "1234567.891  | '$1,234,567.89'",
        "-12.345      | -$12.35",
    })
    void forPeople_amount_showsCentsOrTwoDigitsBelowACent(String usd, String shown) {
        assertThat(MoneyText.forPeople(new BigDecimal(usd))).isEqualTo(shown);
        assertThat(MoneyText.forPeople(usd)).isEqualTo(shown);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "10.962532483 | $10.962532483",
        "1234.5       | '$1,234.5'",
        "0.0000005    | $0.0000005",
    })
    void exact_amount_keepsEveryDigit(String usd, String shown) {
        assertThat(MoneyText.exact(new BigDecimal(usd))).isEqualTo(shown);
    }
}
